package dev.tinyim.client;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tinyim.client.Stack.launcher;
import static dev.tinyim.client.Stack.required;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code ./tinyim} command line that README.md shows still exists as written: its command answers
 * {@code --help} (exit 0), and every option the line uses is one that usage names, so an example whose command or
 * option was renamed or removed fails here. (What the commands do is tested where they run: the stack of this
 * suite is started by {@code up}, the load generator's scenarios by LoadGeneratorTest, and so on.) The harmless
 * ones run for real.
 */
class ReadmeCommandsTest {
    private static final Pattern INLINE = Pattern.compile("`(?:[A-Z_]+=\\S+ )*(\\./tinyim [^`]*)`");
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--[a-z][a-z-]*)");

    /** The README's command lines: inline code and lines of code blocks that start with ./tinyim. */
    static List<String> commandLines(String readme) {
        Set<String> lines = new LinkedHashSet<>();
        Matcher inline = INLINE.matcher(readme);
        while (inline.find()) {
            lines.add(inline.group(1).replace("\\|", "|").trim());
        }
        boolean inBlock = false;
        for (String line : readme.split("\n")) {
            if (line.startsWith("```")) {
                inBlock = !inBlock;
            } else if (inBlock && line.startsWith("./tinyim ")) {
                int comment = line.indexOf(" #");
                lines.add((comment < 0 ? line : line.substring(0, comment)).trim());
            }
        }
        return new ArrayList<>(lines);
    }

    /** The commands a line names: {@code stop-service|kill-service|start-service NAME} names three. */
    static List<String> commandsOf(String line) {
        String word = line.substring("./tinyim ".length()).split("\\s+")[0];
        return word.startsWith("--") || word.equals("COMMAND") ? List.of() : List.of(word.split("\\|"));
    }

    @Test
    void everyCommandLineOfTheReadmeNamesACommandAndOptionsThatExist() throws Exception {
        Path root = Path.of(required("TINYIM_TEST_LAUNCHER")).getParent();
        List<String> lines = commandLines(Files.readString(root.resolve("README.md")));
        assertTrue(lines.size() > 20, "the README's command lines were found: " + lines);
        int checked = 0;
        for (String line : lines) {
            for (String command : commandsOf(line)) {
                String usage = launcher(command, "--help");
                assertTrue(usage.startsWith("usage: "), line + ": " + usage);
                Matcher option = OPTION.matcher(line);
                while (option.find()) {
                    assertTrue(usage.contains(option.group(1)), line + ": " + command + " --help does not name " + option.group(1)
                            + "\n" + usage);
                }
                checked++;
            }
        }
        assertTrue(checked > 20, "commands checked: " + checked);
    }

    @Test
    void theHarmlessOnesRunAsWritten() throws Exception {
        assertTrue(launcher("--version").startsWith("tinyim "));
        String status = launcher("status");
        assertTrue(status.contains("gateway-0") && status.contains("mariadb-primary"), status);
        assertFalse(launcher("logs", "gateway-0").isBlank());
        assertTrue(launcher("sql", "primary", "SELECT 41 + 1").contains("42"));
    }

    @Test
    void theParserFindsInlineAndBlockLines() {
        String readme = "a `./tinyim up --gateways 2` b `TINYIM_X=1 ./tinyim test` c `./tinyim sql primary\\|replica`\n"
                + "```bash\n./tinyim build --native   # comment\n```\n";
        List<String> lines = commandLines(readme);
        assertTrue(lines.contains("./tinyim up --gateways 2"), lines.toString());
        assertTrue(lines.contains("./tinyim test"), lines.toString());
        assertTrue(lines.contains("./tinyim sql primary|replica"), lines.toString());
        assertTrue(lines.contains("./tinyim build --native"), lines.toString());
        assertTrue(commandsOf("./tinyim stop-service|kill-service|start-service NAME").contains("kill-service"));
    }
}
