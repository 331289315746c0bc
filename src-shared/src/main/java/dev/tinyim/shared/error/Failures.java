package dev.tinyim.shared.error;

import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

/**
 * Turns failures that escape a service's logic into protocol errors: a database or Redis that cannot be
 * reached is {@code unavailable} (the client may retry), anything else unexpected is {@code internal}.
 */
public final class Failures {
    private static final Logger LOG = Logger.getLogger(Failures.class);

    private Failures() {
    }

    public static Throwable toStatus(Throwable failure) {
        if (failure instanceof StatusRuntimeException) {
            return failure;
        }
        if (failure.getClass().getName().startsWith("io.vertx.mysqlclient.MySQLException")) {
            LOG.errorf(failure, "database error");
            return ErrorCode.INTERNAL.exception("internal error");
        }
        LOG.warnf("backing store unreachable: %s", String.valueOf(failure));
        return ErrorCode.UNAVAILABLE.exception("storage temporarily unavailable, retry");
    }
}
