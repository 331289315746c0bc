package dev.tinyim.shared.error;

import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

/**
 * Turns failures that escape a service's logic into protocol errors: a database or Redis that cannot be
 * reached (refused, reset, closed, timed out) is {@code unavailable}, which the client may retry; anything
 * else unexpected is {@code internal}, and logged with its stack.
 */
public final class Failures {
    private static final Logger LOG = Logger.getLogger(Failures.class);

    private Failures() {
    }

    public static Throwable toStatus(Throwable failure) {
        if (failure instanceof StatusRuntimeException) {
            return failure;
        }
        if (unreachable(failure)) {
            LOG.warnf("backing store unreachable: %s", String.valueOf(failure));
            return ErrorCode.UNAVAILABLE.exception("storage temporarily unavailable, retry");
        }
        LOG.errorf(failure, "unexpected failure");
        return ErrorCode.INTERNAL.exception("internal error");
    }

    /** Whether the failure, or one of its causes, is a connection that could not be made or was lost. */
    public static boolean unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException
                    || t instanceof java.util.concurrent.TimeoutException || t instanceof io.smallrye.mutiny.TimeoutException
                    || t instanceof java.net.SocketException) {
                return true;
            }
            String type = t.getClass().getName();
            String message = String.valueOf(t.getMessage()).toLowerCase();
            if (type.equals("io.vertx.sqlclient.ClosedConnectionException") || type.startsWith("io.vertx.redis")
                    || (type.startsWith("io.vertx") && (message.contains("connection") || message.contains("closed")
                    || message.contains("timeout") || message.contains("timed out")))) {
                return true;
            }
        }
        return false;
    }
}
