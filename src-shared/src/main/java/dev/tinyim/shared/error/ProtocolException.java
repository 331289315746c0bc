package dev.tinyim.shared.error;

/** A failure with a PROTOCOL.md code, raised outside gRPC (input validation at the edge). */
public class ProtocolException extends RuntimeException {
    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
