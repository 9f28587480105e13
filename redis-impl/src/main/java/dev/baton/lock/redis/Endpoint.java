package dev.baton.lock.redis;

import dev.baton.lock.spi.ConfigKey;
import java.util.ArrayList;
import java.util.List;

/** A Redis server address. Immutable. */
record Endpoint(String host, int port) {

    /**
     * Parses {@code host:port[,host:port...]}; IPv6 hosts are written in brackets ({@code [::1]:6379}).
     *
     * @throws IllegalArgumentException naming {@code key} if any entry is not host:port
     */
    static List<Endpoint> parseList(String raw, ConfigKey<?> key) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String part : raw.split(",", -1)) {
            String entry = part.trim();
            int colon = entry.lastIndexOf(':');
            String host = colon > 0 ? entry.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = colon > 0 ? parsePort(entry.substring(colon + 1)) : -1;
            if (host.isEmpty() || port < 0 || (host.contains(":") && !entry.startsWith("["))) {
                throw new IllegalArgumentException("configuration key " + key.name() + " has a malformed value '" + raw
                        + "': expected host:port[,host:port...], and '" + entry + "' is not host:port");
            }
            endpoints.add(new Endpoint(host, port));
        }
        return List.copyOf(endpoints);
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text);
            return port > 0 && port < 65536 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
