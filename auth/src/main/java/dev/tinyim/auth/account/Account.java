package dev.tinyim.auth.account;

public record Account(long userId, String username, String passwordHash) {
}
