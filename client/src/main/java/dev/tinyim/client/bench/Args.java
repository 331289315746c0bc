package dev.tinyim.client.bench;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} command-line options. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            values.put(args[i].substring(2), args[++i]);
        }
    }

    private Args(Map<String, String> values) {
        this.values.putAll(values);
    }

    /** These options with one set to another value. */
    Args with(String name, String value) {
        Args copy = new Args(values);
        copy.values.put(name, value);
        return copy;
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String required(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    /**
     * {@code --name} (or {@code fallback}), at most {@code available}; asked for explicitly and more than that, a
     * usage error: a run that silently measured fewer users than asked was taken for the one asked for.
     */
    int atMost(String name, int fallback, int available, String seedHint) {
        int asked = integer(name, fallback);
        if (values.containsKey(name) && asked > available) {
            throw new IllegalArgumentException("--" + name + " " + asked + ", but the seeded tokens have only " + available
                    + " for it; seed more first (" + seedHint + ")");
        }
        return Math.min(asked, available);
    }

    int integer(String name, int fallback) {
        return Integer.parseInt(get(name, Integer.toString(fallback)));
    }

    boolean bool(String name, boolean fallback) {
        String value = get(name, Boolean.toString(fallback));
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("--" + name + " takes true or false, got " + value);
        }
        return Boolean.parseBoolean(value);
    }

    double decimal(String name, double fallback) {
        return Double.parseDouble(get(name, Double.toString(fallback)));
    }
}
