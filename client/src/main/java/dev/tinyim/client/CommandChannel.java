package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** What the typed layer ({@link Features}) needs of a connection: commands and the event stream. */
public interface CommandChannel {
    Uni<JsonNode> command(String type, JsonNode data);

    Multi<JsonNode> events();
}
