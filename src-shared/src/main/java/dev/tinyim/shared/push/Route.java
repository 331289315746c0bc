package dev.tinyim.shared.push;

/** Where one device type of a user is connected: the routing-table entry a gateway writes. */
public record Route(String deviceType, String gatewayId, String connectionId, String sessionId) {

    public String encode() {
        return gatewayId + "|" + connectionId + "|" + sessionId;
    }

    public static Route decode(String deviceType, String value) {
        String[] parts = value.split("\\|", 3);
        return new Route(deviceType, parts[0], parts.length > 1 ? parts[1] : "", parts.length > 2 ? parts[2] : "");
    }

    /** This route as a member of its gateway's presence set: "userId|deviceType|gatewayId|connectionId|sessionId". */
    public String member(long userId) {
        return userId + "|" + deviceType + "|" + encode();
    }

    /** The user id of a presence-set member. */
    public static long memberUser(String member) {
        return Long.parseLong(member.substring(0, member.indexOf('|')));
    }

    /** The route of a presence-set member. */
    public static Route fromMember(String member) {
        String[] parts = member.split("\\|", 3);
        return decode(parts[1], parts[2]);
    }
}
