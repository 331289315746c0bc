package dev.tinyim.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinyim.client.ReconnectingSession;
import dev.tinyim.client.TextMessage;
import dev.tinyim.client.TinyImClient;
import dev.tinyim.client.TinyImException;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code ./tinyim chat}: a line-based chat client for a terminal (tmux-friendly: no full-screen drawing).
 * Type {@code /help} for the commands; a line without a slash is a message to the current peer.
 */
public final class TerminalChat {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());
    private static final String HELP = """
            commands:
              /friends                 your friends
              /requests                pending friend requests
              /add USER [remark]       send a friend request
              /accept USER | /reject USER   answer a request from USER
              /groups                  your groups       /members GROUPID
              /create NAME             create a group    /join GROUPID    /leave GROUPID
              /to USER | /to #GROUPID  choose who your lines go to
              /convs                   conversations with unread counts
              /history [N]             the last N messages with the current peer (and mark them read)
              /pin | /unpin | /mute | /unmute   settings of the conversation with the current peer
              /typing                  tell the current peer you are typing
              /block USER | /unblock USER | /blocked   who may not message you
              /presence [USER]         who of your friends is online (or one of them)
              /recall                  take back the last message you sent here (within 2 minutes)
              /edit TEXT               replace the text of the last message you sent here
              /rename NAME | /remove USER | /transfer USER   run the current group (its owner)
              /quit
            any other line is sent to the current peer""";

    private final TinyImClient rest;
    private final BufferedReader in;
    private final PrintStream out;
    private final Map<String, String> names = new ConcurrentHashMap<>();
    private ReconnectingSession session;
    private String myId;
    private String peerType;
    private String peerId;
    private String peerLabel;
    private String lastSentMsgId;

    private final java.util.function.IntConsumer onEnded;

    /** {@code onEnded} runs with the close code when the session ends for good (kicked, logged out). */
    public TerminalChat(TinyImClient rest, BufferedReader in, PrintStream out, java.util.function.IntConsumer onEnded) {
        this.rest = rest;
        this.in = in;
        this.out = out;
        this.onEnded = onEnded;
    }

    public static void main(String[] args) throws IOException {
        String server = System.getenv().getOrDefault("TINYIM_SERVER", "http://127.0.0.1:8080");
        String device = "desktop";
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--server")) {
                server = args[++i];
            } else if (args[i].equals("--device")) {
                device = args[++i];
            }
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.exit(new TerminalChat(new TinyImClient(server.split(",")), in, out, code -> System.exit(code == 1000 ? 0 : 2)).run(device));
    }

    /** Signs in, then reads commands until /quit or the end of input; returns the exit status. */
    public int run(String device) throws IOException {
        String token = signIn(device);
        if (token == null) {
            return 1;
        }
        session = ReconnectingSession.create(rest, token, 0);
        // shown on a thread of their own: naming a sender may need a command, which must not block the socket's thread
        java.util.concurrent.Executor display = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "display");
            t.setDaemon(true);
            return t;
        });
        session.messages().emitOn(display).subscribe().with(this::showMessage);
        session.events().emitOn(display).subscribe().with(this::showEvent);
        session.ended().subscribe().with(code -> {
            print("*** session ended (" + code + ")" + (code == 4001 ? ": signed in elsewhere on this device type, or logged out" : ""));
            onEnded.accept(code);
        });
        try {
            session.start().await().atMost(WAIT);
        } catch (TinyImException e) {
            print("cannot connect: " + e.getMessage());
            return 1;
        }
        print("connected as " + names.get(myId) + "; /help lists the commands");
        String line;
        while ((line = in.readLine()) != null) {
            line = line.strip();
            if (line.equals("/quit")) {
                break;
            }
            if (!line.isEmpty()) {
                try {
                    handle(line);
                } catch (TinyImException e) {
                    print("! " + e.code() + ": " + e.getMessage().substring(e.code().length() + 2));
                } catch (RuntimeException e) {
                    print("! " + e.getMessage());
                }
            }
        }
        session.close();
        return 0;
    }

    private String signIn(String device) throws IOException {
        out.print("[l]ogin or [r]egister? ");
        out.flush();
        String choice = in.readLine();
        out.print("username: ");
        out.flush();
        String username = in.readLine();
        String password = readPassword();
        if (choice == null || username == null || password == null) {
            return null;
        }
        try {
            if (choice.strip().toLowerCase().startsWith("r")) {
                rest.register(username.strip(), password, null).await().atMost(WAIT);
                print("registered " + username.strip());
            }
            JsonNode login = rest.login(username.strip(), password, device).await().atMost(WAIT);
            myId = login.get("userId").asText();
            names.put(myId, username.strip());
            return login.get("token").asText();
        } catch (TinyImException e) {
            print("! " + e.getMessage());
            return null;
        }
    }

    private String readPassword() throws IOException {
        Console console = System.console();
        if (console != null) {
            char[] password = console.readPassword("password: ");
            return password == null ? null : new String(password);
        }
        out.print("password: ");
        out.flush();
        return in.readLine();
    }

    private void handle(String line) {
        if (!line.startsWith("/")) {
            sendText(line);
            return;
        }
        String[] parts = line.split("\\s+", 3);
        String arg = parts.length > 1 ? parts[1] : "";
        switch (parts[0]) {
            case "/help" -> print(HELP);
            case "/friends" -> {
                JsonNode friends = cmd("friend.list", obj()).get("friends");
                print(friends.isEmpty() ? "no friends yet: /add USER" : "friends:");
                friends.forEach(f -> print("  " + remember(f)));
            }
            case "/requests" -> {
                JsonNode r = cmd("friend.requests", obj());
                r.get("incoming").forEach(q -> print("  from " + remember(q.get("from")) + ": " + q.get("remark").asText()
                        + "   (/accept " + q.get("from").get("username").asText() + ")"));
                r.get("outgoing").forEach(q -> print("  to " + remember(q.get("to")) + " (waiting)"));
                if (r.get("incoming").isEmpty() && r.get("outgoing").isEmpty()) {
                    print("no pending requests");
                }
            }
            case "/add" -> {
                JsonNode user = cmd("user.find", obj().put("username", need(arg, "/add USER [remark]")));
                ObjectNode data = obj().put("userId", user.get("userId").asText());
                if (parts.length > 2) {
                    data.put("remark", parts[2]);
                }
                cmd("friend.request", data);
                print("friend request sent to " + remember(user));
            }
            case "/accept", "/reject" -> answer(parts[0].equals("/accept"), need(arg, parts[0] + " USER"));
            case "/groups" -> {
                JsonNode groups = cmd("group.list", obj()).get("groups");
                print(groups.isEmpty() ? "no groups yet: /create NAME or /join GROUPID" : "groups:");
                groups.forEach(g -> print("  #" + g.get("groupId").asText() + " " + g.get("name").asText()
                        + " (" + g.get("memberCount").asInt() + " members)"));
            }
            case "/create" -> {
                JsonNode g = cmd("group.create", obj().put("name", line.substring("/create".length()).strip())).get("group");
                print("created group #" + g.get("groupId").asText() + " " + g.get("name").asText());
            }
            case "/join" -> {
                JsonNode g = cmd("group.join", obj().put("groupId", groupId(need(arg, "/join GROUPID")))).get("group");
                print("joined #" + g.get("groupId").asText() + " " + g.get("name").asText());
            }
            case "/leave" -> {
                cmd("group.leave", obj().put("groupId", groupId(need(arg, "/leave GROUPID"))));
                print("left #" + groupId(arg));
            }
            case "/members" -> cmd("group.members", obj().put("groupId", groupId(need(arg, "/members GROUPID"))))
                    .get("members").forEach(m -> print("  " + remember(m)));
            case "/to" -> choosePeer(need(arg, "/to USER or /to #GROUPID"));
            case "/convs" -> showConversations();
            case "/history" -> showHistory(arg.isEmpty() ? 20 : Integer.parseInt(arg));
            case "/pin", "/unpin", "/mute", "/unmute" -> updateConversation(parts[0]);
            case "/block", "/unblock" -> {
                JsonNode user = cmd("user.find", obj().put("username", need(arg, parts[0] + " USER")));
                cmd(parts[0].equals("/block") ? "user.block" : "user.unblock", obj().put("userId", user.get("userId").asText()));
                print((parts[0].equals("/block") ? "blocked " : "unblocked ") + remember(user));
            }
            case "/blocked" -> {
                JsonNode users = cmd("user.blocked", obj()).get("users");
                print(users.isEmpty() ? "you block no one" : "blocked:");
                users.forEach(u -> print("  " + remember(u)));
            }
            case "/typing" -> {
                if (peerId == null) {
                    print("choose someone first: /to USER or /to #GROUPID");
                } else {
                    cmd("typing", obj().put("conversationId", currentConversation()));
                }
            }
            case "/presence" -> showPresence(arg);
            case "/recall" -> {
                if (lastSentMsgId == null) {
                    print("you sent nothing here yet");
                } else {
                    cmd("msg.recall", obj().put("msgId", lastSentMsgId));
                    print("recalled your last message");
                }
            }
            case "/edit" -> {
                if (lastSentMsgId == null) {
                    print("you sent nothing here yet");
                } else {
                    String text = need(line.substring("/edit".length()).strip(), "/edit TEXT");
                    cmd("msg.edit", obj().put("msgId", lastSentMsgId).put("text", text));
                    print("edited your last message");
                }
            }
            case "/rename" -> {
                JsonNode g = cmd("group.update", obj().put("groupId", currentGroup())
                        .put("name", need(line.substring("/rename".length()).strip(), "/rename NAME"))).get("group");
                print("#" + g.get("groupId").asText() + " is now " + g.get("name").asText());
            }
            case "/remove", "/transfer" -> {
                String group = currentGroup();
                JsonNode user = cmd("user.find", obj().put("username", need(arg, parts[0] + " USER")));
                boolean remove = parts[0].equals("/remove");
                cmd(remove ? "group.remove" : "group.transfer", obj().put("groupId", group).put("userId", user.get("userId").asText()));
                print((remove ? "removed " + remember(user) + " from #" : remember(user) + " now owns #") + group);
            }
            default -> print("unknown command " + parts[0] + "; /help lists them");
        }
    }

    private String currentGroup() {
        if (peerId == null || !peerType.equals("group")) {
            throw new IllegalArgumentException("choose a group first: /to #GROUPID");
        }
        return peerId;
    }

    private void showPresence(String username) {
        List<String> ids = new java.util.ArrayList<>();
        if (username.isEmpty()) {
            cmd("friend.list", obj()).get("friends").forEach(f -> {
                remember(f);
                ids.add(f.get("userId").asText());
            });
        } else {
            ids.add(cmd("user.find", obj().put("username", username)).get("userId").asText());
        }
        if (ids.isEmpty()) {
            print("no friends yet: /add USER");
        }
        for (int i = 0; i < ids.size(); i += 200) {
            ObjectNode data = obj();
            ids.subList(i, Math.min(ids.size(), i + 200)).forEach(data.putArray("userIds")::add);
            cmd("presence.get", data).get("presence").forEach(p -> print("  " + presence(p)));
        }
    }

    private String presence(JsonNode p) {
        String who = name(p.get("userId").asText());
        if (p.get("online").asBoolean()) {
            List<String> devices = new java.util.ArrayList<>();
            p.get("devices").forEach(d -> devices.add(d.asText()));
            return who + " is online (" + String.join(", ", devices) + ")";
        }
        long seen = p.get("lastSeenAt").asLong();
        return who + " is offline" + (seen > 0 ? ", last seen " + TIME.format(Instant.ofEpochMilli(seen)) : "");
    }

    private void answer(boolean accept, String username) {
        for (JsonNode q : cmd("friend.requests", obj()).get("incoming")) {
            if (q.get("from").get("username").asText().equalsIgnoreCase(username)) {
                cmd(accept ? "friend.accept" : "friend.reject", obj().put("requestId", q.get("requestId").asText()));
                print((accept ? "you are now friends with " : "rejected ") + remember(q.get("from")));
                return;
            }
        }
        print("no pending request from " + username);
    }

    private void choosePeer(String target) {
        if (target.startsWith("#")) {
            String id = groupId(target);
            for (JsonNode g : cmd("group.list", obj()).get("groups")) {
                if (g.get("groupId").asText().equals(id)) {
                    peerType = "group";
                    peerId = id;
                    lastSentMsgId = null;
                    peerLabel = "#" + id + " " + g.get("name").asText();
                    print("talking in " + peerLabel);
                    return;
                }
            }
            print("you are not in group " + target);
            return;
        }
        JsonNode user = cmd("user.find", obj().put("username", target));
        peerType = "user";
        peerId = user.get("userId").asText();
        lastSentMsgId = null;
        peerLabel = remember(user);
        print("talking to " + peerLabel);
    }

    private void sendText(String text) {
        if (peerId == null) {
            print("choose someone first: /to USER or /to #GROUPID");
            return;
        }
        JsonNode sent = session.send(TextMessage.to(peerType, peerId, UUID.randomUUID().toString(), text)).await().atMost(WAIT);
        lastSentMsgId = sent.get("msgId").asText();
    }

    private void showConversations() {
        JsonNode conversations = cmd("conv.list", obj()).get("conversations");
        if (conversations.isEmpty()) {
            print("no conversations yet");
        }
        for (JsonNode c : conversations) {
            int unread = c.get("unread").asInt();
            String marks = (c.path("pinned").asBoolean() ? "^" : " ") + (c.path("muted").asBoolean() ? "~" : " ");
            print(String.format("%s%-28s %s  %s", marks, label(c.get("peer")), unread > 0 ? "[" + unread + " unread]" : "          ",
                    summary(c.get("lastMessage"))));
        }
    }

    private String currentConversation() {
        return peerType.equals("group") ? "g:" + peerId : pair(myId, peerId);
    }

    private void updateConversation(String command) {
        if (peerId == null) {
            print("choose someone first: /to USER or /to #GROUPID");
            return;
        }
        boolean on = !command.startsWith("/un");
        String field = command.endsWith("pin") ? "pinned" : "muted";
        JsonNode c = cmd("conv.update", obj().put("conversationId", currentConversation()).put(field, on));
        print(peerLabel + ": " + settings(c));
    }

    private static String settings(JsonNode c) {
        String s = (c.path("pinned").asBoolean() ? "pinned" : "not pinned") + ", " + (c.path("muted").asBoolean() ? "muted" : "not muted");
        return s;
    }

    private void showHistory(int limit) {
        if (peerId == null) {
            print("choose someone first: /to USER or /to #GROUPID");
            return;
        }
        String conversation = peerType.equals("group") ? "g:" + peerId : pair(myId, peerId);
        JsonNode messages = cmd("msg.history", obj().put("conversationId", conversation).put("limit", Math.max(1, Math.min(limit, 500))))
                .get("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            print(format(messages.get(i)));
        }
        if (!messages.isEmpty()) {
            cmd("conv.read", obj().put("conversationId", conversation).put("seq", messages.get(0).get("seq").asLong()));
        }
    }

    private void showMessage(JsonNode m) {
        print(format(m));
    }

    private void showEvent(JsonNode frame) {
        JsonNode d = frame.get("data");
        switch (frame.get("type").asText()) {
            case "friend.request" -> print("*** friend request from " + remember(d.get("from")) + ": " + d.get("remark").asText()
                    + "   (/accept " + d.get("from").get("username").asText() + ")");
            case "friend.accepted" -> print("*** " + remember(d.get("friend")) + " accepted your friend request");
            case "friend.rejected" -> print("*** " + name(d.get("userId").asText()) + " declined your friend request");
            case "conv.read" -> print("*** read on another device: " + conversationLabel(d.get("conversationId").asText())
                    + (d.get("unread").asInt() > 0 ? " [" + d.get("unread").asInt() + " unread]" : ", nothing unread"));
            case "typing" -> print("*** " + name(d.get("userId").asText()) + " is typing in "
                    + conversationLabel(d.get("conversationId").asText()));
            case "conv.peer_read" -> print("*** " + name(d.get("userId").asText()) + " read your messages in "
                    + conversationLabel(d.get("conversationId").asText()) + " up to #" + d.get("seq").asLong());
            case "conv.updated" -> print("*** changed on another device: " + conversationLabel(d.get("conversationId").asText())
                    + " is " + settings(d));
            case "kicked" -> print("*** signed out: " + d.get("reason").asText());
            case "reconnect" -> print("*** server restarting; reconnecting...");
            case "presence" -> print("*** " + presence(d));
            default -> { }
        }
    }

    private String format(JsonNode m) {
        String when = TIME.format(Instant.ofEpochMilli(m.get("sentAt").asLong()));
        return when + " [" + label(m.get("to"), m) + "] " + body(m);
    }

    private String summary(JsonNode m) {
        return m == null || m.isNull() ? "" : body(m);
    }

    private String body(JsonNode m) {
        JsonNode content = m.get("content");
        String from = name(m.get("from").asText());
        return switch (content.get("type").asText()) {
            case "system" -> "* " + name(content.get("userId").asText()) + switch (content.get("event").asText()) {
                case "member_joined" -> " joined";
                case "member_left" -> " left";
                case "member_removed" -> " was removed";
                case "group_renamed" -> " renamed the group to " + content.path("name").asText();
                case "owner_changed" -> " is now the owner";
                default -> " (" + content.get("event").asText() + ")";
            };
            case "recalled" -> from + ": (message recalled)";
            case "recall" -> "* " + from + " recalled a message";
            case "edit" -> "* " + from + " edited a message: " + content.get("text").asText();
            default -> from + ": " + content.get("text").asText() + (m.has("editedAt") ? " (edited)" : "");
        };
    }

    /** A message's conversation as the reader sees it: the group, or the other person. */
    private String label(JsonNode to, JsonNode m) {
        if (to.get("type").asText().equals("group")) {
            return "#" + to.get("id").asText();
        }
        String other = m.get("from").asText().equals(myId) ? to.get("id").asText() : m.get("from").asText();
        return "@" + name(other);
    }

    private String conversationLabel(String conversationId) {
        if (conversationId.startsWith("g:")) {
            return "#" + conversationId.substring(2);
        }
        String[] ids = conversationId.split(":");
        return "@" + name(ids[1].equals(myId) ? ids[2] : ids[1]);
    }

    private String label(JsonNode peer) {
        return peer.get("type").asText().equals("group") ? "#" + peer.get("id").asText() : "@" + name(peer.get("id").asText());
    }

    private String name(String userId) {
        if (userId.equals("0")) {
            return "system";
        }
        return names.computeIfAbsent(userId, id -> {
            try {
                return cmd("user.get", obj().put("userId", id)).get("username").asText();
            } catch (RuntimeException e) {
                return "user " + id;
            }
        });
    }

    private String remember(JsonNode profile) {
        names.put(profile.get("userId").asText(), profile.get("username").asText());
        String nickname = profile.get("nickname").asText();
        String username = profile.get("username").asText();
        return nickname.equals(username) ? username : nickname + " (" + username + ")";
    }

    private static String groupId(String arg) {
        return arg.startsWith("#") ? arg.substring(1) : arg;
    }

    private static String pair(String a, String b) {
        long x = Long.parseLong(a);
        long y = Long.parseLong(b);
        return "p:" + Math.min(x, y) + ":" + Math.max(x, y);
    }

    private static String need(String arg, String usage) {
        if (arg.isEmpty()) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return arg;
    }

    private JsonNode cmd(String type, ObjectNode data) {
        return session.command(type, data).await().atMost(WAIT);
    }

    private static ObjectNode obj() {
        return JSON.createObjectNode();
    }

    private synchronized void print(String text) {
        // Strip control characters from what others wrote, so no one can move the cursor or clear our screen.
        out.println(text.replaceAll("[\\p{Cntrl}&&[^\\n]]", "?"));
    }
}
