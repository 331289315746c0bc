package dev.tinyim.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "tinyim.auth")
public interface AuthConfig {
    @WithDefault("tinyim")
    String issuer();

    @WithDefault("7D")
    Duration tokenTtl();

    @WithDefault("10")
    int bcryptCost();

    @WithDefault("10")
    int maxFailuresPerUser();

    @WithDefault("100")
    int maxFailuresPerAddress();

    @WithDefault("15M")
    Duration failureWindow();
}
