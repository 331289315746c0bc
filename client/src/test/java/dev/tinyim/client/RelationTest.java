package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** The user.*, friend.* and group.* commands of PROTOCOL.md section 3, their errors and events. */
class RelationTest {

    @Test
    void profilesAreReadFoundAndUpdated() {
        User u = newUser("profile");
        User other = newUser("viewer");
        ChatSession s = connect(u, 0);
        ChatSession o = connect(other, 1);
        JsonNode me = cmd(s, "user.get", obj().put("userId", u.id()));
        assertEquals(u.username(), me.get("username").asText());
        assertEquals(u.username(), me.get("nickname").asText(), "nickname defaults to the username");
        assertEquals(u.id(), cmd(o, "user.find", obj().put("username", u.username().toUpperCase())).get("userId").asText());
        assertEquals("not_found", errorOf(o, "user.find", obj().put("username", uniqueName("nobody"))));
        assertEquals("not_found", errorOf(o, "user.get", obj().put("userId", "999999999999")));
        assertEquals("bad_request", errorOf(o, "user.get", obj().put("userId", "abc")));
        assertEquals("bad_request", errorOf(o, "user.get", obj()));

        assertEquals("Zoë <3", cmd(s, "user.update", obj().put("nickname", "Zoë <3")).get("nickname").asText());
        assertEquals("bad_request", errorOf(s, "user.update", obj().put("nickname", "")));
        assertEquals("bad_request", errorOf(s, "user.update", obj().put("nickname", "n".repeat(65))));
        assertEquals("Zoë <3", cmd(o, "user.get", obj().put("userId", u.id())).get("nickname").asText(),
                "a refused update changed nothing");
        s.close();
        o.close();
    }

    @Test
    void friendRequestsAreRejectedAcceptedListedAndRemoved() {
        User a = newUser("asker");
        User b = newUser("answerer");
        User c = newUser("bystander");
        ChatSession as = connect(a, 0);
        ChatSession bs = connect(b, 1);
        ChatSession cs = connect(c, 0);
        assertEquals("bad_request", errorOf(as, "friend.request", obj().put("userId", b.id()).put("remark", "r".repeat(201))));
        String first = cmd(as, "friend.request", obj().put("userId", b.id()).put("remark", "r".repeat(200))).get("requestId").asText();
        JsonNode outgoing = cmd(as, "friend.requests", obj()).get("outgoing");
        assertEquals(1, outgoing.size());
        assertEquals(b.username(), outgoing.get(0).get("to").get("username").asText());
        assertEquals(0, cmd(as, "friend.requests", obj()).get("incoming").size());
        JsonNode incoming = cmd(bs, "friend.requests", obj()).get("incoming").get(0);
        assertEquals(first, incoming.get("requestId").asText());
        assertEquals(a.id(), incoming.get("from").get("userId").asText());
        assertTrue(incoming.get("createdAt").asLong() > 0);
        JsonNode notice = awaitEvent(bs, "friend.request").get("data");
        assertEquals(first, notice.get("requestId").asText());
        assertEquals(b.id(), notice.get("to").get("userId").asText());

        assertEquals("forbidden", errorOf(cs, "friend.reject", obj().put("requestId", first)), "someone else's request");
        assertEquals("forbidden", errorOf(as, "friend.reject", obj().put("requestId", first)), "the requester cannot answer");
        assertEquals("not_found", errorOf(bs, "friend.reject", obj().put("requestId", "999999999999")));
        assertEquals(0, cmd(bs, "friend.reject", obj().put("requestId", first)).size());
        JsonNode rejected = awaitEvent(as, "friend.rejected").get("data");
        assertEquals(first, rejected.get("requestId").asText());
        assertEquals(b.id(), rejected.get("userId").asText());
        assertEquals("conflict", errorOf(bs, "friend.reject", obj().put("requestId", first)));
        assertEquals("conflict", errorOf(bs, "friend.accept", obj().put("requestId", first)));
        assertEquals(0, cmd(bs, "friend.requests", obj()).get("incoming").size(), "only pending requests are listed");
        assertEquals(0, cmd(bs, "friend.list", obj()).get("friends").size());

        String second = cmd(as, "friend.request", obj().put("userId", b.id())).get("requestId").asText();
        assertNotEquals(first, second, "a handled request is not reused");
        JsonNode friend = cmd(bs, "friend.accept", obj().put("requestId", second)).get("friend");
        assertEquals(a.id(), friend.get("userId").asText());
        assertTrue(friend.get("since").asLong() > 0);
        JsonNode accepted = awaitEvent(as, "friend.accepted").get("data");
        assertEquals(second, accepted.get("requestId").asText());
        assertEquals(b.id(), accepted.get("friend").get("userId").asText());
        assertEquals(b.id(), cmd(as, "friend.list", obj()).get("friends").get(0).get("userId").asText());
        assertEquals(a.id(), cmd(bs, "friend.list", obj()).get("friends").get(0).get("userId").asText());

        assertEquals("not_found", errorOf(cs, "friend.remove", obj().put("userId", a.id())), "not a friend of c");
        assertEquals(0, cmd(as, "friend.remove", obj().put("userId", b.id())).size());
        assertEquals(0, cmd(as, "friend.list", obj()).get("friends").size());
        assertEquals(0, cmd(bs, "friend.list", obj()).get("friends").size(), "removal is mutual");
        assertEquals("not_found", errorOf(as, "friend.remove", obj().put("userId", b.id())));
        assertEquals("forbidden", errorOf(bs, "msg.send", sendData("user", a.id(), "after-removal", "still there?")));
        as.close();
        bs.close();
        cs.close();
    }

    @Test
    void groupsHaveOwnersMembersAndASizeLimit() {
        int max = Integer.parseInt(required("TINYIM_TEST_MAX_GROUP_SIZE"));
        User owner = newUser("gowner");
        List<User> others = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            others.add(newUser("gmember"));
        }
        ChatSession o = connect(owner, 0);
        ObjectNode bad = obj().put("name", "bad");
        bad.putArray("memberIds").add(others.get(0).id()).add("999999999999");
        assertEquals("not_found", errorOf(o, "group.create", bad));
        assertEquals(0, cmd(o, "group.list", obj()).get("groups").size(), "a refused create made nothing");
        ObjectNode notStrings = obj().put("name", "bad");
        notStrings.putArray("memberIds").add(obj());
        assertEquals("bad_request", errorOf(o, "group.create", notStrings));
        ObjectNode tooMany = obj().put("name", "crowd");
        others.forEach(u -> tooMany.withArray("memberIds").add(u.id()));
        assertEquals("bad_request", errorOf(o, "group.create", tooMany), max + " members plus the owner is over the limit");
        assertEquals("bad_request", errorOf(o, "group.create", obj().put("name", "g".repeat(65))));

        ObjectNode create = obj().put("name", "club");
        create.putArray("memberIds").add(others.get(0).id()).add(others.get(1).id());
        JsonNode group = cmd(o, "group.create", create).get("group");
        String gid = group.get("groupId").asText();
        assertEquals(3, group.get("memberCount").asInt());
        assertEquals(owner.id(), group.get("ownerId").asText());
        assertEquals("club", group.get("name").asText());
        assertTrue(group.get("createdAt").asLong() > 0);

        ChatSession first = connect(others.get(0), 1);
        assertEquals(gid, cmd(first, "group.list", obj()).get("groups").get(0).get("groupId").asText(),
                "initial members see the group");
        for (int i = 2; i < max - 1; i++) {
            ChatSession s = connect(others.get(i), i % 2);
            assertEquals(i + 2, cmd(s, "group.join", obj().put("groupId", gid)).get("group").get("memberCount").asInt());
            s.close();
        }
        ChatSession last = connect(others.get(max - 1), 1);
        assertEquals("forbidden", errorOf(last, "group.join", obj().put("groupId", gid)), "the group is full");
        assertEquals("forbidden", errorOf(last, "group.members", obj().put("groupId", gid)));
        assertEquals("forbidden", errorOf(last, "group.leave", obj().put("groupId", gid)));
        assertEquals("not_found", errorOf(last, "group.members", obj().put("groupId", "999999999999")));
        assertEquals("not_found", errorOf(last, "group.leave", obj().put("groupId", "999999999999")));
        JsonNode members = cmd(first, "group.members", obj().put("groupId", gid)).get("members");
        assertEquals(max, members.size());
        assertTrue(members.findValuesAsText("userId").contains(owner.id()));

        cmd(first, "group.leave", obj().put("groupId", gid));
        assertEquals(max, cmd(last, "group.join", obj().put("groupId", gid)).get("group").get("memberCount").asInt(),
                "a place freed by a leave can be taken");
        assertEquals(0, cmd(first, "group.list", obj()).get("groups").size());
        o.close();
        first.close();
        last.close();
    }

    /**
     * PROTOCOL.md 5.6 with the replica held 3 s behind on purpose: reads right after a write still see it,
     * although the replica does not have it yet; once the write is old, the replica serves the reads.
     */
    @Test
    void readsSeeTheirWritesWhileTheReplicaLags() throws Exception {
        User a = newUser("ryw");
        User b = newUser("ryw");
        User owner = newUser("ryw");
        ChatSession as = connect(a, 0);
        ChatSession bs = connect(b, 1);
        ChatSession os = connect(owner, 0);
        String gid = cmd(os, "group.create", obj().put("name", "lagging")).get("group").get("groupId").asText();
        launcher("sql", "replica", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=3; START SLAVE;");
        try {
            String requestId = cmd(as, "friend.request", obj().put("userId", b.id())).get("requestId").asText();
            cmd(bs, "friend.accept", obj().put("requestId", requestId));
            assertEquals(b.id(), cmd(as, "friend.list", obj()).get("friends").get(0).get("userId").asText());
            assertEquals(a.id(), cmd(bs, "friend.list", obj()).get("friends").get(0).get("userId").asText());
            cmd(as, "group.join", obj().put("groupId", gid));
            assertEquals(2, cmd(os, "group.members", obj().put("groupId", gid)).get("members").size());
            assertEquals(2, cmd(as, "group.members", obj().put("groupId", gid)).get("members").size());
            // the replica really is behind: the rows those answers contain are not there yet
            assertEquals("0", lastLine(launcher("sql", "replica",
                    "SELECT COUNT(*) FROM friendships WHERE user_id = " + a.id() + " AND friend_id = " + b.id())));
            assertEquals("0", lastLine(launcher("sql", "replica",
                    "SELECT COUNT(*) FROM group_members WHERE group_id = " + gid + " AND user_id = " + a.id())));
        } finally {
            launcher("sql", "replica", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=0; START SLAVE;");
        }
        // past the read-your-writes window the same reads go to the replica, which has caught up
        as.close();
        bs.close();
        os.close();
        sleep(Long.parseLong(required("TINYIM_TEST_RYW_WINDOW_MS")) + 500);
        awaitRelationKnowsRecentWrites(service("relation"));
        as = connect(a, 0);
        os = connect(owner, 1);
        double replicaReads = metric(service("relation"), "tinyim_db_reads_total{pool=\"replica\"");
        assertEquals(b.id(), cmd(as, "friend.list", obj()).get("friends").get(0).get("userId").asText());
        assertEquals(2, cmd(os, "group.members", obj().put("groupId", gid)).get("members").size());
        assertTrue(metric(service("relation"), "tinyim_db_reads_total{pool=\"replica\"") >= replicaReads + 2,
                "the replica served both reads");
        as.close();
        os.close();
    }
}
