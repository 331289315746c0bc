package dev.tinyim.shared.registry;

import io.vertx.core.json.JsonObject;

/**
 * One running instance of a service as the registry describes it. {@code publicUrl} is where clients reach it
 * (a gateway's WebSocket URL behind an ingress); empty when clients reach it at host and httpPort directly.
 */
public record Instance(String service, String id, String host, int httpPort, int grpcPort, long startedAt,
                       boolean draining, String publicUrl) {

    public JsonObject toJson() {
        return new JsonObject()
                .put("service", service).put("id", id).put("host", host)
                .put("httpPort", httpPort).put("grpcPort", grpcPort)
                .put("startedAt", startedAt).put("draining", draining).put("publicUrl", publicUrl);
    }

    public static Instance fromJson(String json) {
        JsonObject o = new JsonObject(json);
        return new Instance(o.getString("service"), o.getString("id"), o.getString("host"),
                o.getInteger("httpPort", 0), o.getInteger("grpcPort", 0), o.getLong("startedAt", 0L),
                o.getBoolean("draining", false), o.getString("publicUrl", ""));
    }

    public Instance asDraining() {
        return new Instance(service, id, host, httpPort, grpcPort, startedAt, true, publicUrl);
    }
}
