package dev.tinyim.relation.store;

import dev.tinyim.relation.group.Group;
import dev.tinyim.relation.profile.Profile;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Rows of the relation tables as domain records. */
public final class Rows {
    private Rows() {
    }

    public static Profile profile(Row row, String prefix) {
        return new Profile(row.getLong(prefix + "user_id"), row.getString(prefix + "username"), row.getString(prefix + "nickname"));
    }

    public static Group group(Row row) {
        return new Group(row.getLong("group_id"), row.getString("name"), row.getLong("owner_id"),
                row.getInteger("member_count"), row.getLong("created_at"));
    }

    public static <T> List<T> all(RowSet<Row> rows, Function<Row, T> mapper) {
        List<T> list = new ArrayList<>(rows.size());
        rows.forEach(row -> list.add(mapper.apply(row)));
        return list;
    }

    public static <T> T first(RowSet<Row> rows, Function<Row, T> mapper) {
        var it = rows.iterator();
        return it.hasNext() ? mapper.apply(it.next()) : null;
    }
}
