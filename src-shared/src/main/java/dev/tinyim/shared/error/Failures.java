package dev.tinyim.shared.error;

import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

/**
 * Turns failures that escape a service's logic into protocol errors: a database or Redis that cannot be
 * reached (refused, reset, closed, timed out), or a database that is there but cannot take writes now (its disk
 * full, read-only after a failover), is {@code unavailable}, which the client may retry; anything else
 * unexpected is {@code internal}, and logged with its stack.
 */
public final class Failures {
    private static final Logger LOG = Logger.getLogger(Failures.class);

    /**
     * MariaDB's answers for "cannot write now, nothing was written": 3 and 1026 error writing a file, 1021 disk
     * full, 1030 an error from the storage engine (errno 28: no space), 1114 table full (a tablespace that cannot
     * grow), 1180 error during commit, 1290 and 1836 read-only (a demoted primary).
     */
    private static final java.util.Set<Integer> CANNOT_WRITE_NOW = java.util.Set.of(3, 1021, 1026, 1030, 1114, 1180, 1290, 1836);

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
        if (cannotWriteNow(failure)) {
            LOG.warnf("the database cannot take writes now: %s", String.valueOf(failure));
            return ErrorCode.UNAVAILABLE.exception("storage temporarily unavailable, retry");
        }
        LOG.errorf(failure, "unexpected failure");
        return ErrorCode.INTERNAL.exception("internal error");
    }

    /**
     * Whether the failure, or one of its causes, is the database refusing a write for a reason of its own state
     * (disk full, read-only) rather than of the request: it is the same for every request until it is mended.
     */
    public static boolean cannotWriteNow(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.vertx.mysqlclient.MySQLException e && CANNOT_WRITE_NOW.contains(e.getErrorCode())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the failure, or one of its causes, is a store that could not be used now: a connection that could not
     * be made or was lost, or timed out. By type only: the JDK's and Netty's connection failures and timeouts, the SQL
     * client's {@code ClosedConnectionException}, any exception of the Redis client, and Vert.x's own failures
     * ({@code VertxException}, {@code NoStackTraceThrowable}: its clients' "connection was closed", "timeout waiting
     * for connection", a failed promise). Vert.x raises those only for the state of a connection or pool, never
     * for what a request said (a database's answer is a {@code DatabaseException}, which is not counted here; see
     * {@link #cannotWriteNow}),
     * and TinyIM's code never throws them.
     */
    public static boolean unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException
                    || t instanceof java.util.concurrent.TimeoutException || t instanceof io.smallrye.mutiny.TimeoutException
                    || t instanceof java.net.SocketException || t instanceof io.vertx.sqlclient.ClosedConnectionException
                    || (t instanceof io.vertx.core.VertxException && !(t instanceof io.vertx.sqlclient.DatabaseException))
                    || t instanceof io.vertx.core.impl.NoStackTraceThrowable
                    || t.getClass().getName().startsWith("io.vertx.redis.")) {
                return true;
            }
        }
        return false;
    }
}
