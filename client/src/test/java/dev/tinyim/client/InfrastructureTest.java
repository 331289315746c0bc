package dev.tinyim.client;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** The foundation: every service ready and registered, and the replica really replicating. */
class InfrastructureTest {

    @Test
    void everyServiceIsReadyAndInTheRegistry() throws Exception {
        String status = launcher("status");
        for (String name : new String[] {"auth", "relation", "chat", "gateway-0", "gateway-1"}) {
            String line = status.lines().filter(l -> l.startsWith(name + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError(name + " missing from status:\n" + status));
            assertTrue(line.contains(" UP "), name + " is ready: " + line);
            assertTrue(line.contains("id:" + name), name + " is in the registry: " + line);
        }
    }

    @Test
    void aRowWrittenOnThePrimaryIsReadFromTheReplica() throws Exception {
        String marker = UUID.randomUUID().toString().substring(0, 8);
        launcher("sql", "primary", "CREATE TABLE IF NOT EXISTS replication_probe (v VARCHAR(16) PRIMARY KEY)");
        launcher("sql", "primary", "INSERT INTO replication_probe VALUES ('" + marker + "')");
        long deadline = System.currentTimeMillis() + 10_000;
        String seen = "";
        while (!seen.contains(marker) && System.currentTimeMillis() < deadline) {
            seen = launcher("sql", "replica", "SELECT v FROM replication_probe WHERE v = '" + marker + "'");
            sleep(100);
        }
        assertTrue(seen.contains(marker), "replica has the row written on the primary");
        String readOnly = launcher("sql", "replica", "SELECT @@read_only");
        assertTrue(readOnly.contains("1"), "the replica refuses writes");
    }

    /** The launcher keeps the conventions of a command-line tool: --help exits 0, a wrong word exits 2. */
    @Test
    void everyLauncherCommandAnswersHelpAndRefusesUnknownWords() throws Exception {
        for (String command : new String[] {"up", "down", "status", "logs", "test", "chat", "seed", "bench", "sql", "build", "images"}) {
            Run help = run(command, "--help");
            assertEquals(0, help.code(), command + " --help: " + help.out());
            assertTrue(help.out().startsWith("usage: ./tinyim " + command), command + " --help: " + help.out());
        }
        assertTrue(run("--version").out().matches("tinyim \\S+ \\(.+\\)\\s*"), run("--version").out());
        assertEquals(2, run("no-such-command").code());
        assertEquals(2, run("up", "--no-such-option").code());
        assertEquals(2, run("down", "--no-such-option").code());
        assertEquals(2, run("build", "--no-such-option").code());
        assertEquals(2, run("images", "--no-such-option").code());
    }

    private record Run(int code, String out) {
    }

    private static Run run(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(required("TINYIM_TEST_LAUNCHER")));
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "launcher " + String.join(" ", args) + " ended");
        return new Run(p.exitValue(), out);
    }
}
