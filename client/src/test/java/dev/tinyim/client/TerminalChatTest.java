package dev.tinyim.client;

import dev.tinyim.client.cli.TerminalChat;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** Two people on the terminal client ({@code ./tinyim chat}): register, befriend, chat, a group, unread, a kick. */
class TerminalChatTest {

    /** One terminal: what the person types goes in through a pipe, what the screen shows is collected. */
    static final class Terminal {
        final PipedOutputStream keyboard = new PipedOutputStream();
        final ByteArrayOutputStream screen = new ByteArrayOutputStream();
        final AtomicInteger endedWith = new AtomicInteger();
        final Thread thread;

        Terminal(int gateway, String device) throws IOException {
            BufferedReader in = new BufferedReader(new InputStreamReader(new PipedInputStream(keyboard, 1 << 16), StandardCharsets.UTF_8));
            PrintStream out = new PrintStream(screen, true, StandardCharsets.UTF_8);
            TerminalChat chat = new TerminalChat(gateway(gateway), in, out, endedWith::set);
            thread = new Thread(() -> {
                try {
                    chat.run(device);
                } catch (IOException e) {
                    out.println("IO: " + e);
                }
            });
            thread.start();
        }

        void type(String line) throws IOException {
            keyboard.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
        }

        String screen() {
            return screen.toString(StandardCharsets.UTF_8);
        }

        void awaitScreen(String text) {
            long deadline = System.currentTimeMillis() + WAIT.toMillis();
            while (!screen().contains(text)) {
                if (System.currentTimeMillis() > deadline) {
                    fail("the screen never showed \"" + text + "\":\n" + screen());
                }
                sleep(50);
            }
        }
    }

    @Test
    void twoPeopleChatOnTheTerminal() throws Exception {
        String ann = uniqueName("ann");
        String ben = uniqueName("ben");
        Terminal a = new Terminal(0, "desktop");
        a.type("r");
        a.type(ann);
        a.type("password1");
        a.awaitScreen("connected as " + ann);
        Terminal b = new Terminal(1, "desktop");
        b.type("r");
        b.type(ben);
        b.type("password1");
        b.awaitScreen("connected as " + ben);

        a.type("/add " + ben + " let's talk");
        b.awaitScreen("*** friend request from " + ann + ": let's talk");
        b.type("/accept " + ann);
        a.awaitScreen("*** " + ben + " accepted your friend request");
        a.type("/friends");
        a.awaitScreen("friends:\n  " + ben);

        a.type("/to " + ben);
        a.awaitScreen("talking to " + ben);
        a.type("hello \u001b[2J ben"); // an escape sequence must not reach the other screen
        b.awaitScreen(ann + ": hello ?[2J ben");
        a.awaitScreen("[@" + ben + "] " + ann + ": hello"); // the sender sees its own line in the timeline
        b.type("/convs");
        b.awaitScreen("[1 unread]");
        b.type("/to " + ann);
        b.type("/history 5");
        b.awaitScreen("talking to " + ann);
        a.awaitScreen("*** " + ben + " read your messages in @" + ben + " up to #"); // /history marks them read
        b.type("/convs");
        b.awaitScreen(String.format("  %-28s %s  %s%n", "@" + ann, " ".repeat(10), ann + ": hello ?[2J ben")); // read: no badge
        b.type("/pin");
        b.awaitScreen(ann + ": pinned, not muted");
        b.type("/convs");
        b.awaitScreen(String.format("^ %-28s %s  %s%n", "@" + ann, " ".repeat(10), ann + ": hello ?[2J ben")); // ^ pinned
        a.type("/typing");
        b.awaitScreen("*** " + ann + " is typing in @" + ann);
        b.type("/block " + ann);
        b.awaitScreen("blocked " + ann);
        b.type("/blocked");
        b.awaitScreen("blocked:\n  " + ann);
        a.type("can you hear me");
        a.awaitScreen("you cannot message this user");
        b.type("/unblock " + ann);
        b.awaitScreen("unblocked " + ann);
        b.type("/presence " + ann);
        b.awaitScreen("  " + ann + " is online (desktop)");
        a.type("fix me");
        b.awaitScreen(ann + ": fix me");
        a.type("/edit fixed");
        a.awaitScreen("edited your last message");
        b.awaitScreen("* " + ann + " edited a message: fixed");
        a.type("/recall");
        b.awaitScreen("* " + ann + " recalled a message");

        a.type("/create Reading circle");
        a.awaitScreen("created group #");
        String screen = a.screen();
        String groupId = screen.substring(screen.indexOf("created group #") + 15).split(" ")[0];
        b.type("/join " + groupId);
        b.awaitScreen("joined #" + groupId);
        a.awaitScreen("* " + ben + " joined");
        b.type("/to #" + groupId);
        b.type("hi all");
        a.awaitScreen("[#" + groupId + "] " + ben + ": hi all");
        b.type("/members " + groupId);
        b.awaitScreen("  " + ann);
        a.type("/to #" + groupId);
        a.type("/rename Book club");
        a.awaitScreen("#" + groupId + " is now Book club");
        b.awaitScreen("* " + ann + " renamed the group to Book club");
        a.type("/transfer " + ben);
        b.awaitScreen("* " + ben + " is now the owner");
        a.type("/rename Mine again");
        a.awaitScreen("! forbidden: ");
        b.type("/nonsense");
        b.awaitScreen("unknown command /nonsense");
        b.type("/add");
        b.awaitScreen("usage: /add USER [remark]");

        // ben signs in on another desktop: this terminal is told and its session ends
        login(ben, "desktop");
        b.awaitScreen("*** signed out: same_device_login");
        b.awaitScreen("*** session ended (4001)");
        assertEquals(4001, b.endedWith.get());
        a.type("/quit");
        a.thread.join(WAIT.toMillis());
        assertFalse(a.thread.isAlive(), "/quit ends the client");
        b.keyboard.close();
        b.thread.join(WAIT.toMillis());
    }
}
