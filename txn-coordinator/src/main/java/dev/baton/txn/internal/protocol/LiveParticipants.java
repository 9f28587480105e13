package dev.baton.txn.internal.protocol;

import dev.baton.txn.internal.store.TxnLayout;
import dev.baton.txn.internal.store.Zk;
import dev.baton.txn.participant.ParticipantHost;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.zookeeper.Watcher;

/**
 * Which participants have a running instance, cached and kept fresh by watches: the first
 * transaction to a participant reads {@code participants/<p>/live}; later ones read the cache
 * until the set of instances changes. A stale "live" only costs a transaction that times out; a
 * "not live" is never cached.
 */
public final class LiveParticipants {

    private final Zk zk;
    private final TxnLayout layout;
    private final ConcurrentMap<String, Entry> cache = new ConcurrentHashMap<>();

    public LiveParticipants(Zk zk, TxnLayout layout) {
        this.zk = zk;
        this.layout = layout;
    }

    /**
     * Checks that every participant has registered and has a live instance.
     *
     * @throws IllegalArgumentException for a participant no host has ever registered
     * @throws IllegalStateException for a registered participant with no running instance
     * @throws Exception if ZooKeeper cannot be read
     */
    public void check(Collection<String> participants) throws Exception {
        for (String name : participants) {
            Entry entry = cache.get(name);
            if (entry == null || !entry.valid) {
                entry = read(name);
            }
            if (!entry.live) {
                throw new IllegalStateException("participant '" + name + "' has no live instance (nothing under "
                        + layout.live(name) + "): start its ParticipantHost, or wait for it to reconnect;"
                        + " nothing was written");
            }
        }
    }

    private Entry read(String name) throws Exception {
        Entry entry = new Entry();
        Watcher watcher = event -> {
            entry.valid = false;
            cache.remove(name, entry);
        };
        List<String> instances = zk.children(layout.live(name), watcher);
        if (instances == null) {
            throw new IllegalArgumentException("unknown participant '" + name + "': no ParticipantHost has ever"
                    + " registered it under " + layout.participant(name) + "; nothing was written");
        }
        entry.live = !instances.isEmpty();
        if (entry.live && entry.valid) {
            cache.put(name, entry);
        }
        return entry;
    }

    private static final class Entry {
        volatile boolean valid = true;
        volatile boolean live;
    }
}
