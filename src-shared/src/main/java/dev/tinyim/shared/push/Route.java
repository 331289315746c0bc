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
}
