package dev.tinyim.auth.account;

import dev.tinyim.shared.error.ErrorCode;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The input rules of PROTOCOL.md section 1 for usernames, passwords, nicknames and device types. */
public final class Credentials {
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_.-]{3,32}");
    public static final Set<String> DEVICE_TYPES = Set.of("web", "desktop", "mobile", "tablet");

    private Credentials() {
    }

    public static boolean validUsername(String username) {
        return username != null && USERNAME.matcher(username).matches();
    }

    public static String usernameKey(String username) {
        return username.toLowerCase(Locale.ROOT);
    }

    public static void checkRegistration(String username, String password, String nickname) {
        if (!validUsername(username)) {
            throw ErrorCode.BAD_REQUEST.exception("username must be 3-32 characters of A-Z a-z 0-9 _ . -");
        }
        checkPassword(password);
        if (nickname != null && !nickname.isEmpty()) {
            int length = nickname.codePointCount(0, nickname.length());
            if (length > 64 || nickname.isBlank()) {
                throw ErrorCode.BAD_REQUEST.exception("nickname must be 1-64 characters");
            }
        }
    }

    public static void checkPassword(String password) {
        int length = password == null ? 0 : password.codePointCount(0, password.length());
        if (length < 8 || length > 128) {
            throw ErrorCode.BAD_REQUEST.exception("password must be 8-128 characters");
        }
    }

    public static void checkDeviceType(String deviceType) {
        if (deviceType == null || !DEVICE_TYPES.contains(deviceType)) {
            throw ErrorCode.BAD_REQUEST.exception("deviceType must be one of web, desktop, mobile, tablet");
        }
    }
}
