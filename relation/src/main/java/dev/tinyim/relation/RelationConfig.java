package dev.tinyim.relation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "tinyim.relation")
public interface RelationConfig {
    @WithDefault("500")
    int maxGroupSize();

    @WithDefault("10s")
    Duration readYourWritesWindow();
}
