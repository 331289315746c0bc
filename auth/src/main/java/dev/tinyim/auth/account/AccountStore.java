package dev.tinyim.auth.account;

import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.mutiny.mysqlclient.MySQLClient;
import io.vertx.mysqlclient.MySQLException;
import jakarta.enterprise.context.ApplicationScoped;

/** The accounts table, on the primary (a login right after register must see the account). */
@ApplicationScoped
public class AccountStore {
    private static final int DUPLICATE_KEY = 1062;

    private final Pool primary;

    public AccountStore(Pool primary) {
        this.primary = primary;
    }

    public Uni<Long> create(String username, String passwordHash) {
        return primary.preparedQuery(
                        "INSERT INTO accounts (username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?)")
                .execute(Tuple.of(username, Credentials.usernameKey(username), passwordHash, System.currentTimeMillis()))
                .map(rows -> rows.property(MySQLClient.LAST_INSERTED_ID))
                .onFailure(AccountStore::duplicate)
                .transform(e -> ErrorCode.CONFLICT.exception("username is taken"));
    }

    public Uni<Void> delete(long userId) {
        return primary.preparedQuery("DELETE FROM accounts WHERE user_id = ?").execute(Tuple.of(userId)).replaceWithVoid();
    }

    public Uni<Account> findByUsername(String username) {
        return primary.preparedQuery("SELECT user_id, username, password_hash FROM accounts WHERE username_key = ?")
                .execute(Tuple.of(Credentials.usernameKey(username)))
                .map(rows -> {
                    var it = rows.iterator();
                    if (!it.hasNext()) {
                        return null;
                    }
                    Row row = it.next();
                    return new Account(row.getLong("user_id"), row.getString("username"), row.getString("password_hash"));
                });
    }

    private static boolean duplicate(Throwable failure) {
        return failure instanceof MySQLException e && e.getErrorCode() == DUPLICATE_KEY;
    }
}
