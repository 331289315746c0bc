package dev.tinyim.client.bench;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * {@code ./tinyim seed --users N --friends K}: many users, fast, on a local stack. Instead of N registrations
 * and logins (each a bcrypt hash: about 14 a second on two cores) it writes the rows auth and relation would
 * write (accounts sharing one real bcrypt hash, profiles, friendships, one session per device type) as SQL for
 * the launcher to load, and signs each session's token with the stack's dev key. Users {@code PREFIX_i} have
 * the password {@code password1}; user i is friends with i+1 ... i+K/2 and i-1 ... i-K/2 around a ring. With
 * {@code --groups G --group-size S} group g (ids from {@code --first-group-id}) has users gS ... gS+S-1, the
 * first as owner, with no join messages. Output: DIR/seed.sql, DIR/tokens.tsv (userId, username, deviceType,
 * token) and DIR/groups.tsv (groupId, member ids).
 */
public final class Seed {
    private Seed() {
    }

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        int users = a.integer("users", 1000);
        int friends = a.integer("friends", 2);
        long firstId = Long.parseLong(a.required("first-id"));
        String prefix = a.get("prefix", "seed" + Long.toString(System.currentTimeMillis() % 100_000, 36));
        List<String> devices = List.of(a.get("devices", "web").split(","));
        Path out = Path.of(a.required("out"));
        DevTokens tokens = DevTokens.fromPem(Path.of(a.required("key")));
        if (friends % 2 != 0 || friends >= users) {
            throw new IllegalArgumentException("--friends must be even and below --users");
        }
        int groups = a.integer("groups", 0);
        int groupSize = a.integer("group-size", 0);
        if (groups * groupSize > users) {
            throw new IllegalArgumentException("--groups x --group-size is more than --users");
        }
        Files.createDirectories(out);
        String template = a.required("template"); // registered by the launcher: its bcrypt hash is shared

        long now = System.currentTimeMillis();
        long expires = now + Duration.ofDays(7).toMillis();
        try (BufferedWriter sql = Files.newBufferedWriter(out.resolve("seed.sql"), StandardCharsets.UTF_8);
             BufferedWriter tsv = Files.newBufferedWriter(out.resolve("tokens.tsv"), StandardCharsets.UTF_8)) {
            sql.write("SET @hash = (SELECT password_hash FROM accounts WHERE username_key = '" + template.toLowerCase() + "');\n");
            for (int from = 0; from < users; from += 1000) {
                int to = Math.min(users, from + 1000);
                StringBuilder accounts = new StringBuilder("INSERT INTO accounts (user_id, username, username_key, password_hash, created_at) VALUES ");
                StringBuilder profiles = new StringBuilder("INSERT INTO profiles (user_id, username, username_key, nickname, created_at) VALUES ");
                StringBuilder links = new StringBuilder("INSERT INTO friendships (user_id, friend_id, since) VALUES ");
                StringBuilder sessions = new StringBuilder("INSERT INTO sessions (user_id, device_type, session_id, created_at, expires_at) VALUES ");
                for (int i = from; i < to; i++) {
                    long id = firstId + i;
                    String name = prefix + "_" + i;
                    String sep = i == from ? "" : ",";
                    accounts.append(sep).append('(').append(id).append(",'").append(name).append("','").append(name.toLowerCase())
                            .append("',@hash,").append(now).append(')');
                    profiles.append(sep).append('(').append(id).append(",'").append(name).append("','").append(name.toLowerCase())
                            .append("','").append(name).append("',").append(now).append(')');
                    for (int k = 1; k <= friends / 2; k++) {
                        long other = firstId + (i + k) % users;
                        links.append(i == from && k == 1 ? "" : ",").append('(').append(id).append(',').append(other).append(',').append(now)
                                .append("),(").append(other).append(',').append(id).append(',').append(now).append(')');
                    }
                    for (String device : devices) {
                        String sid = UUID.randomUUID().toString();
                        sessions.append(i == from && device.equals(devices.get(0)) ? "" : ",").append('(').append(id).append(",'")
                                .append(device).append("','").append(sid).append("',").append(now).append(',').append(expires).append(')');
                        tsv.write(id + "\t" + name + "\t" + device + "\t" + tokens.session(id, device, sid, expires / 1000) + "\n");
                    }
                }
                sql.write(accounts + ";\n" + profiles + ";\n" + sessions + ";\n");
                if (friends > 0) {
                    sql.write(links + ";\n");
                }
            }
            long firstGroup = groups == 0 ? 0 : Long.parseLong(a.required("first-group-id"));
            try (BufferedWriter groupsTsv = Files.newBufferedWriter(out.resolve("groups.tsv"), StandardCharsets.UTF_8)) {
                for (int g = 0; g < groups; g++) {
                    long gid = firstGroup + g;
                    long owner = firstId + (long) g * groupSize;
                    sql.write("INSERT INTO chat_groups (group_id, name, owner_id, member_count, created_at) VALUES (" + gid
                            + ",'" + prefix + "_group_" + g + "'," + owner + "," + groupSize + "," + now + ");\n");
                    StringBuilder members = new StringBuilder("INSERT INTO group_members (group_id, user_id, joined_at) VALUES ");
                    StringBuilder ids = new StringBuilder();
                    for (int m = 0; m < groupSize; m++) {
                        long member = owner + m;
                        members.append(m == 0 ? "" : ",").append('(').append(gid).append(',').append(member).append(',').append(now).append(')');
                        ids.append(m == 0 ? "" : ",").append(member);
                    }
                    sql.write(members + ";\n");
                    groupsTsv.write(gid + "\t" + ids + "\n");
                }
            }
        }
        System.out.printf("seed: %d users %s_0..%s_%d (ids %d..%d), %d friends each, sessions on %s, %d groups of %d; %s%n",
                users, prefix, prefix, users - 1, firstId, firstId + users - 1, friends, devices, groups, groupSize, out);
    }
}
