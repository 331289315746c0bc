package dev.tinyim.client;

/** A failed command or REST call, with its PROTOCOL.md error code. */
public class TinyImException extends RuntimeException {
    private final String code;

    public TinyImException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
