package dev.tinyim.client.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The sessions {@link Seed} wrote to tokens.tsv. */
record Tokens(List<Entry> entries) {
    record Entry(long userId, String username, String deviceType, String token) {
    }

    static Tokens read(Path tsv) throws IOException {
        return new Tokens(Files.readAllLines(tsv).stream().filter(l -> !l.isBlank()).map(line -> {
            String[] f = line.split("\t");
            return new Entry(Long.parseLong(f[0]), f[1], f[2], f[3]);
        }).toList());
    }

    /** One session per user (the first device type seeded), in user order. */
    List<Entry> onePerUser() {
        return entries.stream().filter(e -> e.deviceType().equals(entries.get(0).deviceType())).toList();
    }
}
