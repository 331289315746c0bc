package dev.tinyim.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Reads the manifests under k8s/ (and the services' configuration they must agree with) as typed objects. */
final class Manifests {
    static final Path K8S = Path.of("").toAbsolutePath();
    static final Path ROOT = K8S.getParent();
    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    private Manifests() {
    }

    /** Every resource of k8s/base, file by file (kustomization.yaml is kustomize's, not Kubernetes'). */
    static List<HasMetadata> base() throws IOException {
        List<HasMetadata> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(K8S.resolve("base"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                if (!file.getFileName().toString().equals("kustomization.yaml")) {
                    all.addAll(parse(Files.readString(file, StandardCharsets.UTF_8)));
                }
            }
        }
        return all;
    }

    /** Multi-document YAML to typed objects; fails on anything that is not a known Kubernetes kind. */
    static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> resources = new ArrayList<>();
        for (String document : yaml.split("(?m)^---\\s*$")) {
            boolean empty = document.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"));
            if (!empty) {
                Object parsed = YAML.unmarshal(document);
                if (!(parsed instanceof HasMetadata resource) || resource.getClass().getSimpleName().startsWith("Generic")) {
                    throw new AssertionError("not a typed Kubernetes object: " + document);
                }
                resources.add(resource);
            }
        }
        return resources;
    }

    static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> all, Class<T> kind) {
        return all.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    static <T extends HasMetadata> T named(List<HasMetadata> all, Class<T> kind, String name) {
        return ofKind(all, kind).stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name));
    }

    /** A service module's application.properties, the configuration the manifests must match. */
    static Properties serviceConfig(String module) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(ROOT.resolve(module + "/src/main/resources/application.properties"))));
        return p;
    }

    /**
     * A setting of a service as it runs without overrides: its application.properties if that sets it, else the
     * {@code @WithDefault} of its {@code @ConfigMapping} interface ({@code key} e.g. tinyim.gateway.shutdown-timeout).
     */
    static String serviceSetting(String module, String key) throws IOException {
        String set = serviceConfig(module).getProperty(key);
        if (set != null) {
            return set;
        }
        String prefix = "tinyim." + module + ".";
        if (!key.startsWith(prefix)) {
            throw new IllegalArgumentException(key + " is not under " + prefix);
        }
        String[] words = key.substring(prefix.length()).split("-");
        StringBuilder method = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            method.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        String className = Character.toUpperCase(module.charAt(0)) + module.substring(1) + "Config.java";
        String source = Files.readString(ROOT.resolve(module + "/src/main/java/dev/tinyim/" + module + "/" + className));
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("@WithDefault\\(\"([^\"]*)\"\\)\\s+\\w+\\s+" + method + "\\(\\)").matcher(source);
        if (!m.find()) {
            throw new IllegalStateException(key + ": neither set in " + module + "'s application.properties nor a default of " + className);
        }
        return m.group(1);
    }

    static boolean kubectlAvailable() {
        try {
            Process p = new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code kubectl kustomize} of an overlay, which must succeed. */
    static String kustomize(String overlay) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kubectl", "kustomize", K8S.resolve("overlays/" + overlay).toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("kubectl kustomize " + overlay + " failed: " + err);
        }
        return out;
    }
}
