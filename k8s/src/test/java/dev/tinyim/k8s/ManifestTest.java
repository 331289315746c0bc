package dev.tinyim.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static dev.tinyim.k8s.Manifests.*;
import static org.junit.jupiter.api.Assertions.*;

/** k8s/base and both overlays, read into the fabric8 model and checked against each other and the services. */
class ManifestTest {
    private static final Map<String, String> MODULE_OF = Map.of(
            "tinyim-auth", "auth", "tinyim-relation", "relation", "tinyim-chat", "chat", "tinyim-gateway", "gateway");

    @Test
    void baseHasEveryPieceAsTypedObjects() throws Exception {
        List<HasMetadata> base = base();
        assertEquals(Set.copyOf(MODULE_OF.keySet()), names(ofKind(base, Deployment.class)));
        assertEquals(Set.copyOf(MODULE_OF.keySet()), names(ofKind(base, Service.class)));
        assertEquals(Set.copyOf(MODULE_OF.keySet()), names(ofKind(base, PodDisruptionBudget.class)));
        assertEquals(Set.copyOf(MODULE_OF.keySet()), names(ofKind(base, HorizontalPodAutoscaler.class)), "every service scales out");
        assertEquals(Set.of("tinyim-gateway"), names(ofKind(base, Ingress.class)));
        assertEquals(Set.of("tinyim-jwt", "tinyim-db"), names(ofKind(base, Secret.class)));
        assertEquals(1, ofKind(base, Job.class).size(), "the migration job");
        for (Secret secret : ofKind(base, Secret.class)) {
            secret.getStringData().forEach((key, value) -> assertTrue(value.equals("CHANGE-ME") || key.equals("username"),
                    "secrets in the repository hold placeholders only: " + secret.getMetadata().getName() + "/" + key));
        }
    }

    @Test
    void containersListenWhereTheServicesAreConfiguredAndProbeHealth() throws Exception {
        for (Deployment d : ofKind(base(), Deployment.class)) {
            String name = d.getMetadata().getName();
            Properties config = serviceConfig(MODULE_OF.get(name));
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals(Integer.parseInt(config.getProperty("quarkus.http.port")), port(c, "http"), name + " http port");
            int grpc = Integer.parseInt(config.getProperty("quarkus.grpc.server.port", "0"));
            if (grpc > 0) {
                assertEquals(grpc, port(c, "grpc"), name + " gRPC port");
            } else {
                assertTrue(c.getPorts().stream().noneMatch(p -> "grpc".equals(p.getName())), name + " serves no gRPC");
            }
            assertProbe(c.getReadinessProbe(), "/q/health/ready", name);
            assertProbe(c.getLivenessProbe(), "/q/health/live", name);
            assertProbe(c.getStartupProbe(), "/q/health/started", name);
            for (String resource : List.of("cpu", "memory")) {
                assertNotNull(c.getResources().getRequests().get(resource), name + " requests " + resource);
                assertNotNull(c.getResources().getLimits().get(resource), name + " limits " + resource);
            }
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            assertTrue(pod.getSecurityContext().getRunAsNonRoot(), name + " runs as non-root");
            assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), name + " has a read-only root filesystem");
            assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), name);
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")), name + " has a writable /tmp");
            assertTrue(c.getEnv().stream().anyMatch(e -> e.getName().equals("TINYIM_INSTANCE_HOST")
                    && e.getValueFrom().getFieldRef().getFieldPath().equals("status.podIP")), name + " registers its pod address");
        }
    }

    @Test
    void selectorsPortsAndTargetsPointAtWhatExists() throws Exception {
        List<HasMetadata> base = base();
        for (Deployment d : ofKind(base, Deployment.class)) {
            Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
            assertTrue(labels.entrySet().containsAll(d.getSpec().getSelector().getMatchLabels().entrySet()),
                    d.getMetadata().getName() + ": the selector matches the pod labels");
        }
        for (Service s : ofKind(base, Service.class)) {
            Deployment target = selectedDeployment(base, s.getSpec().getSelector());
            Container c = target.getSpec().getTemplate().getSpec().getContainers().get(0);
            for (ServicePort p : s.getSpec().getPorts()) {
                String targetPort = p.getTargetPort().getStrVal();
                assertTrue(c.getPorts().stream().anyMatch(cp -> targetPort.equals(cp.getName())),
                        s.getMetadata().getName() + " port " + targetPort + " exists on the pods");
            }
            if (!s.getMetadata().getName().equals("tinyim-gateway")) {
                assertEquals("None", s.getSpec().getClusterIP(), "gRPC services are headless (client-side balancing)");
            }
        }
        for (PodDisruptionBudget pdb : ofKind(base, PodDisruptionBudget.class)) {
            selectedDeployment(base, pdb.getSpec().getSelector().getMatchLabels());
        }
        for (HorizontalPodAutoscaler hpa : ofKind(base, HorizontalPodAutoscaler.class)) {
            assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
            named(base, Deployment.class, hpa.getSpec().getScaleTargetRef().getName());
            assertTrue(hpa.getSpec().getMaxReplicas() > hpa.getSpec().getMinReplicas());
        }
        Ingress ingress = named(base, Ingress.class, "tinyim-gateway");
        IngressBackend backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend();
        Service gateway = named(base, Service.class, backend.getService().getName());
        assertTrue(gateway.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals(backend.getService().getPort().getName())));
        assertEquals("3600", ingress.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/proxy-read-timeout"),
                "idle WebSockets are not cut by the ingress");
    }

    @Test
    void everySecretAndConfigReferenceResolves() throws Exception {
        List<HasMetadata> base = base();
        List<PodSpec> pods = new ArrayList<>();
        ofKind(base, Deployment.class).forEach(d -> pods.add(d.getSpec().getTemplate().getSpec()));
        ofKind(base, Job.class).forEach(j -> pods.add(j.getSpec().getTemplate().getSpec()));
        int references = 0;
        for (PodSpec pod : pods) {
            for (Container c : pod.getContainers()) {
                for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                    if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                        var ref = e.getValueFrom().getSecretKeyRef();
                        assertTrue(named(base, Secret.class, ref.getName()).getStringData().containsKey(ref.getKey()),
                                ref.getName() + "/" + ref.getKey());
                        references++;
                    }
                }
                for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
                    named(base, ConfigMap.class, from.getConfigMapRef().getName());
                    references++;
                }
            }
            for (Volume v : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
                if (v.getSecret() != null) {
                    Secret secret = named(base, Secret.class, v.getSecret().getSecretName());
                    for (KeyToPath item : v.getSecret().getItems()) {
                        assertTrue(secret.getStringData().containsKey(item.getKey()), v.getSecret().getSecretName() + "/" + item.getKey());
                        references++;
                    }
                }
            }
        }
        assertTrue(references >= 10, "the pods do use the Secrets and the ConfigMap (" + references + " references)");
        ConfigMap config = named(base, ConfigMap.class, "tinyim-config");
        Container gateway = named(base, Deployment.class, "tinyim-gateway").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(gateway.getVolumeMounts().stream().anyMatch(m -> config.getData().get("TINYIM_JWT_PUBLIC_KEY").startsWith(m.getMountPath())),
                "the public key path of the configuration is where the key is mounted");
    }

    @Test
    void gatewayGraceCoversPreStopAndDrain() throws Exception {
        Deployment gateway = named(base(), Deployment.class, "tinyim-gateway");
        PodSpec pod = gateway.getSpec().getTemplate().getSpec();
        long preStop = pod.getContainers().get(0).getLifecycle().getPreStop().getSleep().getSeconds();
        long drain = Duration.parse("PT" + serviceSetting("gateway", "tinyim.gateway.shutdown-timeout").toUpperCase()).toSeconds();
        assertTrue(preStop >= 1, "endpoints get time to drop the pod");
        assertTrue(pod.getTerminationGracePeriodSeconds() >= preStop + drain + 3,
                "grace " + pod.getTerminationGracePeriodSeconds() + " s covers preStop " + preStop + " s and drain " + drain + " s");
    }

    @Test
    void devOverlayRendersWithDatabasesAndOneReplicaEach() throws Exception {
        Assumptions.assumeTrue(kubectlAvailable(), "kubectl is not on PATH");
        List<HasMetadata> dev = parse(kustomize("dev"));
        assertEquals(Set.of("tinyim-db-primary", "tinyim-db-replica", "tinyim-redis"), names(ofKind(dev, StatefulSet.class)));
        ofKind(dev, Deployment.class).forEach(d -> assertEquals(1, d.getSpec().getReplicas(), d.getMetadata().getName()));
        for (HasMetadata r : dev) {
            if (!(r instanceof Namespace)) {
                assertEquals("tinyim-dev", r.getMetadata().getNamespace(), r.getKind() + " " + r.getMetadata().getName());
            }
        }
        // the host names in the configuration are served by the overlay's Services
        ConfigMap config = named(dev, ConfigMap.class, "tinyim-config");
        for (String host : List.of("tinyim-db-primary", "tinyim-db-replica", "tinyim-redis")) {
            assertTrue(config.getData().values().stream().anyMatch(v -> v.contains("//" + host + ":")));
            selectedStatefulSet(dev, named(dev, Service.class, host).getSpec().getSelector());
        }
    }

    @Test
    void prodOverlayRendersWithExternalStoresTwoReplicasAndSpread() throws Exception {
        Assumptions.assumeTrue(kubectlAvailable(), "kubectl is not on PATH");
        List<HasMetadata> prod = parse(kustomize("prod"));
        assertTrue(ofKind(prod, StatefulSet.class).isEmpty(), "prod uses external databases and Redis");
        assertTrue(ofKind(prod, Secret.class).isEmpty(), "prod Secrets are created out of band, not from placeholders");
        for (String host : List.of("tinyim-db-primary", "tinyim-db-replica", "tinyim-redis")) {
            assertEquals("ExternalName", named(prod, Service.class, host).getSpec().getType());
        }
        for (Deployment d : ofKind(prod, Deployment.class)) {
            assertTrue(d.getSpec().getReplicas() >= 2, d.getMetadata().getName() + " replicas");
            var terms = d.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
                    .getPreferredDuringSchedulingIgnoredDuringExecution();
            assertEquals("kubernetes.io/hostname", terms.get(0).getPodAffinityTerm().getTopologyKey());
            assertEquals(List.of("app.kubernetes.io/name"), terms.get(0).getPodAffinityTerm().getMatchLabelKeys());
            var spread = d.getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
            assertEquals(Set.of("topology.kubernetes.io/zone", "kubernetes.io/hostname"),
                    Set.copyOf(spread.stream().map(c -> c.getTopologyKey()).toList()), d.getMetadata().getName() + " spreads over zones and nodes");
            spread.forEach(c -> assertEquals(1, c.getMaxSkew()));
            assertEquals("tinyim", d.getMetadata().getNamespace());
        }
        assertEquals(4, ofKind(prod, HorizontalPodAutoscaler.class).size(), "every service scales by CPU");
        ofKind(prod, HorizontalPodAutoscaler.class).forEach(h -> assertTrue(h.getSpec().getMinReplicas() >= 2));
        ofKind(prod, PodDisruptionBudget.class).forEach(p -> assertEquals(1, p.getSpec().getMinAvailable().getIntVal()));
    }

    /**
     * Issue 23: on Kubernetes the services find their backends through Stork's DNS discovery: the SRV record
     * {@code _grpc._tcp.tinyim-<service>.<domain>} that the service's headless Service publishes for its port named
     * grpc. In each overlay the domain is its namespace's, and every backend a service calls has such a Service.
     */
    @Test
    void backendsAreFoundThroughTheirHeadlessServicesSrvRecords() throws Exception {
        Assumptions.assumeTrue(kubectlAvailable(), "kubectl is not on PATH");
        Properties shared = new Properties();
        shared.load(new java.io.StringReader(java.nio.file.Files.readString(
                ROOT.resolve("src-shared/src/main/resources/META-INF/microprofile-config.properties"))));
        for (String overlay : List.of("dev", "prod")) {
            List<HasMetadata> all = parse(kustomize(overlay));
            Map<String, String> config = named(all, ConfigMap.class, "tinyim-config").getData();
            String namespace = named(all, Deployment.class, "tinyim-chat").getMetadata().getNamespace();
            assertEquals("stork", config.get("TINYIM_BACKENDS_DISCOVERY"), overlay);
            assertEquals(namespace + ".svc.cluster.local", config.get("TINYIM_DISCOVERY_DOMAIN"), overlay + ": the namespace's domain");
            for (String module : MODULE_OF.values()) {
                String backends = serviceConfig(module).getProperty("tinyim.backends", "");
                for (String backend : backends.isEmpty() ? List.<String>of() : List.of(backends.split(","))) {
                    String prefix = "quarkus.stork." + backend + ".service-discovery.";
                    assertEquals("dns", shared.getProperty(prefix + "type"), backend);
                    assertEquals("_grpc._tcp.tinyim-" + backend + ".${tinyim.discovery.domain:tinyim.svc.cluster.local}",
                            shared.getProperty(prefix + "hostname"), backend + "'s SRV name");
                    Service service = named(all, Service.class, "tinyim-" + backend);
                    assertEquals("None", service.getSpec().getClusterIP(), "tinyim-" + backend + " is headless: one record per pod");
                    ServicePort grpc = service.getSpec().getPorts().stream().filter(p -> "grpc".equals(p.getName())).findFirst()
                            .orElseThrow(() -> new AssertionError("tinyim-" + backend + " has no port named grpc"));
                    assertEquals(Integer.parseInt(serviceConfig(backend).getProperty("quarkus.grpc.server.port")), grpc.getPort(),
                            "the SRV record carries " + backend + "'s gRPC port");
                }
            }
        }
    }

    /**
     * DNS lists only ready pods, so readiness may not wait in a circle: a service is ready once each backend it
     * needs (tinyim.backends, less tinyim.backends.optional) has an instance; those needs must form no cycle.
     */
    @Test
    void readinessNeedsFormNoCycle() throws Exception {
        Map<String, List<String>> needs = new java.util.HashMap<>();
        for (String module : MODULE_OF.values()) {
            Properties config = serviceConfig(module);
            List<String> backends = new ArrayList<>(List.of(config.getProperty("tinyim.backends", "").split(",")));
            backends.removeIf(String::isBlank);
            backends.removeAll(List.of(config.getProperty("tinyim.backends.optional", "").split(",")));
            needs.put(module, backends);
        }
        assertEquals(List.of("relation"), needs.get("chat"), "chat needs relation for its permission lookups");
        // repeatedly remove the services whose needs are all ready; what is left would wait forever
        Set<String> ready = new java.util.HashSet<>();
        boolean progress = true;
        while (progress) {
            progress = false;
            for (var e : needs.entrySet()) {
                if (!ready.contains(e.getKey()) && ready.containsAll(e.getValue())) {
                    ready.add(e.getKey());
                    progress = true;
                }
            }
        }
        assertEquals(needs.keySet(), ready, "services that would never be ready: " + needs);
    }

    /**
     * Issue 23: the dev overlay's Redis Cluster variant: six nodes in cluster mode (three masters and their
     * replicas, formed by a Job), the single Redis gone, and the services told to connect in cluster mode to
     * exactly those nodes.
     */
    @Test
    void redisClusterOverlayReplacesTheSingleRedisWithSixNodes() throws Exception {
        Assumptions.assumeTrue(kubectlAvailable(), "kubectl is not on PATH");
        List<HasMetadata> all = parse(kustomize("dev-redis-cluster"));
        assertEquals(Set.of("tinyim-db-primary", "tinyim-db-replica", "tinyim-redis-cluster"), names(ofKind(all, StatefulSet.class)));
        assertTrue(ofKind(all, Service.class).stream().noneMatch(s -> s.getMetadata().getName().equals("tinyim-redis")), "no single Redis");
        StatefulSet nodes = named(all, StatefulSet.class, "tinyim-redis-cluster");
        assertEquals(6, nodes.getSpec().getReplicas(), "three masters, each with a replica");
        List<String> args = nodes.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        assertEquals("yes", args.get(args.indexOf("--cluster-enabled") + 1));
        Service service = named(all, Service.class, nodes.getSpec().getServiceName());
        assertEquals("None", service.getSpec().getClusterIP(), "each node has a stable DNS name");
        Map<String, String> config = named(all, ConfigMap.class, "tinyim-config").getData();
        assertEquals("cluster", config.get("QUARKUS_REDIS_CLIENT_TYPE"));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < nodes.getSpec().getReplicas(); i++) {
            expected.add("redis://tinyim-redis-cluster-" + i + "." + service.getMetadata().getName() + ":6379");
        }
        assertEquals(expected, List.of(config.get("QUARKUS_REDIS_HOSTS").split(",")), "the services know every node");
        Job create = named(all, Job.class, "tinyim-redis-cluster-create");
        String script = String.join("\n", create.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
        assertTrue(script.contains("--cluster create") && script.contains("--cluster-replicas 1"), script);
        all.stream().filter(r -> !(r instanceof Namespace))
                .forEach(r -> assertEquals("tinyim-dev", r.getMetadata().getNamespace(), r.getKind() + " " + r.getMetadata().getName()));
    }

    /** Issue 21: "ok" is durable and replicated, in the dev overlay's MariaDB and in what prod asks of its servers. */
    @Test
    void databasesFlushAtCommitAndAcknowledgeOnlyReplicatedWrites() throws Exception {
        Assumptions.assumeTrue(kubectlAvailable(), "kubectl is not on PATH");
        List<String> durable = List.of("innodb-flush-log-at-trx-commit=1", "sync-binlog=1", "rpl-semi-sync-master-enabled=1",
                "rpl-semi-sync-slave-enabled=1", "rpl-semi-sync-master-wait-point=AFTER_SYNC");
        List<HasMetadata> dev = parse(kustomize("dev"));
        for (String name : List.of("tinyim-db-primary", "tinyim-db-replica")) {
            List<String> args = named(dev, StatefulSet.class, name).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
            for (String setting : durable) {
                assertTrue(args.contains("--" + setting), name + " runs with --" + setting + ": " + args);
            }
        }
        String cnf = named(parse(kustomize("prod")), ConfigMap.class, "tinyim-database-requirements").getData().get("tinyim-durable.cnf");
        for (String setting : durable) {
            String line = setting.replace('-', '_').replace("=", " = ");
            assertTrue(cnf.contains(line), "prod's database requirements say " + line + ":\n" + cnf);
        }
    }

    private static Set<String> names(List<? extends HasMetadata> resources) {
        return Set.copyOf(resources.stream().map(r -> r.getMetadata().getName()).toList());
    }

    private static int port(Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " has no port " + name));
    }

    private static void assertProbe(Probe probe, String path, String name) {
        assertNotNull(probe, name + " probe for " + path);
        assertEquals(path, probe.getHttpGet().getPath(), name);
        assertEquals("http", probe.getHttpGet().getPort().getStrVal(), name + " probes its http port");
    }

    private static Deployment selectedDeployment(List<HasMetadata> all, Map<String, String> selector) {
        return ofKind(all, Deployment.class).stream()
                .filter(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .findFirst().orElseThrow(() -> new AssertionError("no Deployment's pods match " + selector));
    }

    private static StatefulSet selectedStatefulSet(List<HasMetadata> all, Map<String, String> selector) {
        return ofKind(all, StatefulSet.class).stream()
                .filter(s -> s.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .findFirst().orElseThrow(() -> new AssertionError("no StatefulSet's pods match " + selector));
    }
}
