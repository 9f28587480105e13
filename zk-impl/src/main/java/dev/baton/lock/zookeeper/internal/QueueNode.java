package dev.baton.lock.zookeeper.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Names of queue nodes: {@code lease-<attemptId>-<10-digit sequence>}. The attempt id lets a client
 * find its own node after a create whose reply was lost; the sequence orders the queue. An attempt
 * id is 16 hex digits, optionally followed by {@code .<tag>}: a recipe whose rule must tell its
 * nodes apart (readers from writers) marks them so ({@link #tagOf}).
 */
public final class QueueNode {

    static final String PREFIX = "lease-";
    private static final int SEQUENCE_DIGITS = 10;
    private static final Pattern TAG = Pattern.compile("[a-z]+");

    private QueueNode() {
    }

    /**
     * A new attempt id, carrying {@code tag} if it is not empty.
     *
     * @throws IllegalArgumentException if {@code tag} is not made of {@code [a-z]}
     */
    static String newAttemptId(String tag) {
        // Checked only for tagged ids: a plain acquire should not pay for a match.
        if (!tag.isEmpty() && !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("a node tag is lower-case letters only: '" + tag + "'");
        }
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        return tag.isEmpty() ? id : id + "." + tag;
    }

    /** The path to pass to an EPHEMERAL_SEQUENTIAL create. */
    static String createPath(String lockPath, String attemptId) {
        return lockPath + "/" + PREFIX + attemptId + "-";
    }

    static boolean belongsTo(String child, String attemptId) {
        return child.startsWith(PREFIX + attemptId + "-");
    }

    /** The attempt id in a queue node's name ({@link #isQueueNode} must hold). */
    static String attemptOf(String child) {
        return child.substring(PREFIX.length(), child.length() - SEQUENCE_DIGITS - 1);
    }

    /** The tag a queue node's attempt id carries; empty for plain nodes ({@link #isQueueNode} must hold). */
    public static String tagOf(String child) {
        String attempt = attemptOf(child);
        int dot = attempt.indexOf('.');
        return dot < 0 ? "" : attempt.substring(dot + 1);
    }

    /** Whether {@code child} is a queue node (of any client, held or waiting) rather than a foreign child. */
    public static boolean isQueueNode(String child) {
        int length = child.length();
        if (!child.startsWith(PREFIX) || length <= PREFIX.length() + SEQUENCE_DIGITS
                || child.charAt(length - SEQUENCE_DIGITS - 1) != '-') {
            return false;
        }
        for (int i = length - SEQUENCE_DIGITS; i < length; i++) {
            if (child.charAt(i) < '0' || child.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** The sequence number ZooKeeper gave the node ({@link #isQueueNode} must hold). */
    public static long sequence(String child) {
        return Long.parseLong(child.substring(child.length() - SEQUENCE_DIGITS));
    }

    /** The queue nodes among {@code children}, in queue order; foreign children are ignored. */
    static List<String> ordered(List<String> children) {
        List<String> queue = new ArrayList<>(children.size());
        for (String child : children) {
            if (isQueueNode(child)) {
                queue.add(child);
            }
        }
        queue.sort(Comparator.comparingLong(QueueNode::sequence));
        return queue;
    }

    /**
     * {@code queue} with a node of tag {@code tag} appended that sorts after all of it: what a rule
     * is asked about a request that has not queued yet.
     */
    static List<String> withNewcomer(List<String> queue, String tag) {
        List<String> extended = new ArrayList<>(queue.size() + 1);
        extended.addAll(queue);
        extended.add(PREFIX + "0".repeat(16) + (tag.isEmpty() ? "" : "." + tag) + "-" + "9".repeat(SEQUENCE_DIGITS));
        return extended;
    }

    /** The name part of a full path. */
    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
