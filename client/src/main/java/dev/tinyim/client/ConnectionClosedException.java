package dev.tinyim.client;

/** A command that cannot complete because its connection closed; {@link #closeCode()} says how it closed. */
public final class ConnectionClosedException extends TinyImException {
    private final int closeCode;

    public ConnectionClosedException(int closeCode) {
        super("closed", "connection closed with " + closeCode);
        this.closeCode = closeCode;
    }

    public int closeCode() {
        return closeCode;
    }
}
