package dev.baton.micrometer;

import java.util.function.UnaryOperator;

/**
 * Whether, and how, lock meters carry the lock's name as a {@code lock} tag. Every distinct tag
 * value is a meter of its own, so a tag per name is for applications with a small, fixed set of
 * lock names; the default, {@link #NONE}, keeps the number of meters bounded whatever the names.
 */
public enum LockNameTag {

    /** No {@code lock} tag: meters per backend only. */
    NONE(null),

    /**
     * The name up to its first {@code /} ({@code orders} for {@code orders/42}), or the whole name if
     * it has none: bounded as long as the prefixes are.
     */
    PREFIX(name -> {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(0, slash);
    }),

    /** The whole name: one set of meters per lock name. */
    FULL(UnaryOperator.identity());

    private final UnaryOperator<String> value;

    LockNameTag(UnaryOperator<String> value) {
        this.value = value;
    }

    /** The tag value for {@code lockName}, or null when this mode adds no tag. */
    String tagValue(String lockName) {
        return value == null ? null : value.apply(lockName);
    }
}
