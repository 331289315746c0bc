package dev.tinyim.shared.grpc;

/**
 * Whether a backend call may be sent again when its instance could not be reached or dropped it. A call whose
 * connection was lost after the request left may have run: only a call that has the same effect and answer when
 * it runs twice is sent again then.
 */
public enum Retry {
    /**
     * Runs twice with the effect and answer of once (a read; a set to a value; a send that carries its
     * {@code clientMsgId}; an insert that ignores a duplicate): retried whenever the instance was unreachable.
     */
    IDEMPOTENT,
    /**
     * Running it twice would do or answer something else (create a second group, answer "already a member"):
     * retried only when the request certainly never reached an instance (its connection could not be made);
     * otherwise the failure is the answer ({@code unavailable}: the outcome is unknown, read before resending).
     */
    IF_NOT_SENT
}
