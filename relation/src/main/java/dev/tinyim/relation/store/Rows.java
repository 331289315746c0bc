package dev.tinyim.relation.store;

import dev.tinyim.proto.relation.v1.Group;
import dev.tinyim.proto.relation.v1.Profile;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Row to proto mapping for the relation tables. */
public final class Rows {
    private Rows() {
    }

    public static Profile profile(Row row, String prefix) {
        return Profile.newBuilder().setUserId(row.getLong(prefix + "user_id"))
                .setUsername(row.getString(prefix + "username")).setNickname(row.getString(prefix + "nickname")).build();
    }

    public static Group group(Row row) {
        return Group.newBuilder().setGroupId(row.getLong("group_id")).setName(row.getString("name"))
                .setOwnerId(row.getLong("owner_id")).setMemberCount(row.getInteger("member_count"))
                .setCreatedAt(row.getLong("created_at")).build();
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
