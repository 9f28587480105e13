package dev.baton.txn.internal.protocol;

import dev.baton.txn.ParticipantUnavailableException;
import dev.baton.txn.internal.store.ParticipantStore;
import dev.baton.txn.participant.ParticipantHost;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.zookeeper.Watcher;

/**
 * Which participants have a running instance, cached and kept fresh by watches: the first
 * transaction to a participant reads its live instances; later ones read the cache until the set
 * of instances changes (or the session does: a watch dies with it and tells with an event of type
 * {@code None}). A stale "live" only costs a transaction that times out; a "not live" is never
 * cached.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class LiveParticipants {

    private final ParticipantStore store;
    private final ConcurrentMap<String, Entry> cache = new ConcurrentHashMap<>();

    public LiveParticipants(ParticipantStore store) {
        this.store = store;
    }

    /**
     * Checks that every participant has registered and has a live instance.
     *
     * @return a future that fails with {@link ParticipantUnavailableException} for a participant
     *     no host ever registered or with no running instance, or with the ZooKeeper failure
     */
    public CompletableFuture<Void> check(Collection<String> participants) {
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        for (String name : participants) {
            Entry entry = cache.get(name);
            checks.add(entry != null && entry.valid ? CompletableFuture.completedFuture(null) : read(name));
        }
        return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> read(String name) {
        Entry entry = new Entry();
        Watcher watcher = event -> {
            entry.valid = false;
            cache.remove(name, entry);
        };
        return store.liveInstances(name, watcher).thenAccept(instances -> {
            if (instances == null) {
                throw new CompletionException(new ParticipantUnavailableException(name,
                        ParticipantUnavailableException.Reason.NEVER_REGISTERED, "unknown participant '" + name
                        + "': no ParticipantHost has ever registered it; nothing was written"));
            }
            if (instances.isEmpty()) {
                throw new CompletionException(new ParticipantUnavailableException(name,
                        ParticipantUnavailableException.Reason.NO_LIVE_INSTANCE, "participant '" + name
                        + "' has no live instance: start its ParticipantHost, or wait for it to reconnect;"
                        + " nothing was written"));
            }
            if (entry.valid) {
                cache.put(name, entry);
            }
        });
    }

    private static final class Entry {
        volatile boolean valid = true;
    }
}
