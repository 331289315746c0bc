package dev.tinyim.client;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The web client at {@code /} in a real browser: src/test/browser/web-client.mjs drives Debian's chromium with
 * playwright-core (installed by ./tinyim test) and asserts on what the page shows. Screenshots land in
 * target/browser.
 */
class WebClientBrowserTest {

    @Test
    void twoPeopleChatInTheWebClient() throws Exception {
        Path script = Path.of("src/test/browser/web-client.mjs").toAbsolutePath();
        assertTrue(Files.isDirectory(script.getParent().resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run the tests through ./tinyim test, which installs it");
        ProcessBuilder node = new ProcessBuilder("node", script.toString())
                .directory(script.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(new File("target/browser-test.log"));
        Files.createDirectories(Path.of("target/browser"));
        node.environment().put("TINYIM_WEB_URL", GATEWAYS.get(0));
        node.environment().put("TINYIM_SCREENSHOTS", Path.of("target/browser").toAbsolutePath().toString());
        Process process = node.start();
        boolean finished = process.waitFor(180, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = Files.readString(Path.of("target/browser-test.log"), StandardCharsets.UTF_8);
        System.out.println(output);
        assertTrue(finished, "the browser test did not finish in 180 s:\n" + output);
        assertEquals(0, process.exitValue(), "the browser test failed:\n" + output);
        assertTrue(output.contains("all steps passed"), output);
    }
}
