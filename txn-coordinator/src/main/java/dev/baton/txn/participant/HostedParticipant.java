package dev.baton.txn.participant;

import dev.baton.txn.internal.protocol.ReevaluatingTask;
import dev.baton.txn.internal.store.ParticipantStore;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant in a {@link ParticipantHost}: its live registration, its reconciliation on
 * start, the watch on its inbox that turns every entry into a {@link BranchTask}, and the watched
 * set of its live instances that decides which instance prepares which branch.
 */
final class HostedParticipant {

    private static final Logger LOG = LoggerFactory.getLogger(HostedParticipant.class);

    final String name;
    final Participant participant;
    final HostCore core;
    private final ParticipantStore store;
    private final ConcurrentMap<String, BranchTask> tasks = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Set<String>> preparedAtStart = new ConcurrentHashMap<>();
    private final AtomicLong serials = new AtomicLong();
    private final InboxScan scan;
    private final LiveRead live;
    private final Watcher inboxWatcher;
    private final Watcher entryWatcher = this::entryEvent;
    /** The live instances of this participant as last listed (watched), sorted. */
    private volatile List<String> liveInstances = List.of();
    /** The inbox is watched by a persistent recursive watch (ZooKeeper 3.6+), not by listings. */
    private volatile boolean persistentWatch;
    private volatile boolean reconciled;
    private int reconcileFailures;

    /** The branches voted YES here whose decision is not known here yet, and the oldest's age. */
    ParticipantHost.InDoubt inDoubt() {
        int count = 0;
        long oldest = 0;
        long now = System.nanoTime();
        for (BranchTask task : tasks.values()) {
            long since = task.inDoubtSince();
            if (since != 0) {
                count++;
                oldest = Math.max(oldest, now - since);
            }
        }
        return new ParticipantHost.InDoubt(count, Duration.ofNanos(oldest));
    }

    HostedParticipant(HostCore core, String name, Participant participant) {
        this.core = core;
        this.name = name;
        this.participant = participant;
        this.store = core.store.participants();
        this.scan = new InboxScan();
        this.live = new LiveRead();
        this.inboxWatcher = event -> scan.schedule();
    }

    /** Registers a live instance; reconciles and starts on the inbox in the background. */
    CompletableFuture<Void> start() {
        return store.ensure(name).thenCompose(x -> store.register(name, core.instanceId))
                .thenCompose(x -> readLive()).thenCompose(x -> watchInbox())
                .thenRun(() -> core.execute(this::reconcile));
    }

    /**
     * Whether this instance is the one to prepare {@code txnId}'s branch: the live instance of
     * this participant with the highest rendezvous hash of (transaction, instance). Every
     * instance computes the same answer from the same live set, with no write: when the owner
     * goes, its live node goes, every instance reads the set again, and the next in line takes
     * the branch over from whatever its znodes show. While instances disagree (a live set just
     * changed) two may prepare the same branch; the vote's attempt id keeps that safe.
     */
    boolean owns(String txnId) {
        String best = core.instanceId;
        long bestScore = rendezvous(txnId, best);
        for (String instance : liveInstances) {
            long score = rendezvous(txnId, instance);
            if (score > bestScore || (score == bestScore && instance.compareTo(best) < 0)) {
                best = instance;
                bestScore = score;
            }
        }
        return best.equals(core.instanceId);
    }

    /** A 64-bit hash of the pair (FNV-1a, then a SplitMix64 finish so that close strings spread). */
    static long rendezvous(String txnId, String instance) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : (txnId + "/" + instance).getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        hash = (hash ^ (hash >>> 30)) * 0xbf58476d1ce4e5b9L;
        hash = (hash ^ (hash >>> 27)) * 0x94d049bb133111ebL;
        return hash ^ (hash >>> 31);
    }

    /** Lists the live instances, watching them; when the set changed, every branch task looks again. */
    private CompletableFuture<Void> readLive() {
        return store.liveInstances(name, event -> live.schedule()).thenAccept(listed -> {
            List<String> sorted = listed == null ? List.of() : listed.stream().sorted().toList();
            if (!sorted.equals(liveInstances)) {
                liveInstances = sorted;
                tasks.values().forEach(BranchTask::schedule);
            }
        });
    }

    /** The live set, read again whenever its watch fires: one read at a time. */
    private final class LiveRead extends ReevaluatingTask {
        LiveRead() {
            super(core.executor(), 1000);
        }

        @Override
        protected CompletableFuture<Void> evaluate() {
            return core.isClosed() ? CompletableFuture.completedFuture(null) : readLive();
        }

        @Override
        protected boolean failed(Throwable cause, int inARow) {
            LOG.debug("participant '{}': cannot list its live instances; retrying", name, cause);
            return !core.isClosed() && core.store.usable();
        }
    }

    /**
     * Watches the inbox with a persistent recursive watch, so that each new entry arrives with its
     * name and its task starts without listing the inbox first: a round trip less before every
     * prepare. The inbox is still listed on start and after a reconnection (events missed while
     * disconnected are not replayed). Older servers answer UNIMPLEMENTED; the host then lists the
     * inbox on every change, watched once at a time.
     */
    private CompletableFuture<Void> watchInbox() {
        if (!core.persistentWatches) {
            return CompletableFuture.completedFuture(null);
        }
        return store.watchInbox(name, entryWatcher).thenAccept(supported -> persistentWatch = supported);
    }

    /** On ZooKeeper's event thread: an inbox entry, or a decision marker in one, was created or deleted. */
    private void entryEvent(WatchedEvent event) {
        if (core.isClosed()) {
            return;
        }
        ParticipantStore.Marker marker = store.markerOf(name, event.getPath());
        if (marker != null) {
            if (event.getType() == Watcher.Event.EventType.NodeCreated && TxnNames.isTxnId(marker.txnId())) {
                BranchTask task = tasks.get(marker.txnId());
                if (task == null && reconciled) {
                    task = newTask(marker.txnId(), null, true);
                }
                if (task != null) {
                    task.marked(marker.commit());
                }
            }
            return;
        }
        String txnId = store.inboxEntryOf(name, event.getPath());
        if (txnId == null) {
            return;
        }
        if (event.getType() == Watcher.Event.EventType.NodeCreated && reconciled && TxnNames.isTxnId(txnId)) {
            BranchTask task = newTask(txnId, null, true);
            if (task != null) {
                task.schedule();
            }
        } else if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
            BranchTask task = tasks.get(txnId);
            if (task != null) {
                task.entryGone();
                if (task.isDone()) {
                    tasks.remove(txnId, task);
                }
            }
        }
    }

    /**
     * Asks the participant which attempts it holds prepared, before reading the inbox: those of a
     * transaction still in the inbox are handed to its task (a crash came between prepare and
     * vote, or after the vote); the others are orphans that follow their decision, or are rolled
     * back if their transaction is gone. Blocking (the participant's {@code inDoubt}): on a host thread.
     */
    private void reconcile() {
        if (core.isClosed()) {
            return;
        }
        Map<String, Set<String>> orphans = new HashMap<>();
        try {
            Set<BranchId> inDoubt = participant.inDoubt(name);
            List<String> inbox = store.inbox(name, null).get(core.store.curator().getZookeeperClient()
                    .getConnectionTimeoutMs() + 10_000L, TimeUnit.MILLISECONDS);
            for (BranchId id : inDoubt) {
                boolean queued = inbox != null && inbox.contains(id.txnId());
                (queued ? preparedAtStart : orphans).computeIfAbsent(id.txnId(), t -> ConcurrentHashMap.newKeySet())
                        .add(id.attempt());
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
            preparedAtStart.clear();
            reconcileFailures++;
            LOG.warn("participant '{}' cannot list its prepared branches yet ({}); retrying", name,
                    TxnStore.unwrap(e).toString());
            core.schedule(this::reconcile, Math.min(5000, 100L << Math.min(reconcileFailures, 6)));
            return;
        }
        orphans.forEach((txnId, attempts) -> {
            if (TxnNames.isTxnId(txnId)) {
                BranchTask task = newTask(txnId, attempts, false);
                if (task != null) {
                    task.schedule();
                }
            }
        });
        reconciled = true;
        scan.schedule();
    }

    /**
     * Lists the inbox and starts a task for each new entry, one listing at a time, so that listings
     * are handled in the order ZooKeeper gave them; a finished task is forgotten only once a listing
     * no longer has its entry, so a listing taken just before an acknowledgement cannot start the
     * branch a second time.
     */
    private final class InboxScan extends ReevaluatingTask {
        InboxScan() {
            super(core.executor(), 500);
        }

        @Override
        protected CompletableFuture<Void> evaluate() {
            if (!reconciled || core.isClosed()) {
                return CompletableFuture.completedFuture(null);
            }
            long listedAfter = serials.get();
            return store.inbox(name, persistentWatch ? null : inboxWatcher).thenCompose(entries -> {
                if (entries == null) {
                    return store.ensure(name).thenRun(this::schedule);
                }
                started(entries, listedAfter);
                return CompletableFuture.completedFuture(null);
            });
        }

        @Override
        protected boolean failed(Throwable cause, int inARow) {
            LOG.debug("participant '{}': inbox scan failed; retrying", name, cause);
            return !core.isClosed() && core.store.usable();
        }
    }

    private void started(List<String> entries, long listedAfter) {
        tasks.entrySet().removeIf(task -> task.getValue().isDone() && !entries.contains(task.getKey()));
        tasks.forEach((txnId, task) -> {
            if (!task.isOrphan() && task.serial <= listedAfter && !entries.contains(txnId)) {
                task.entryGone();
            }
        });
        for (String txnId : entries) {
            if (!TxnNames.isTxnId(txnId)) {
                core.report(store.describeEntry(name, txnId), "not a transaction id (foreign node)");
            } else {
                BranchTask task = newTask(txnId, null, false);
                if (task != null) {
                    task.schedule();
                }
            }
        }
    }

    /**
     * A task for the branch, registered but not started; null if it has one already or is a known
     * problem.
     *
     * @param fromEvent started by a creation event rather than a listing: the event may be older
     *     than the entry's deletion, so the task first checks that the entry still exists
     */
    private @Nullable BranchTask newTask(String txnId, @Nullable Set<String> orphanAttempts, boolean fromEvent) {
        if (core.hasProblem(name + "/" + txnId)) {
            return null;
        }
        BranchTask task = new BranchTask(this, txnId, orphanAttempts, fromEvent, persistentWatch,
                serials.incrementAndGet());
        return tasks.putIfAbsent(txnId, task) == null ? task : null;
    }

    /** The attempts of this branch found prepared when the host started; handed out once. */
    Set<String> takePreparedAtStart(String txnId) {
        Set<String> attempts = preparedAtStart.remove(txnId);
        return attempts == null ? Set.of() : attempts;
    }

    /** The attempts of this branch prepared in the resource now, by any instance. Blocking. */
    Set<String> attemptsInDoubt(String txnId) {
        Set<String> attempts = new HashSet<>();
        try {
            for (BranchId id : participant.inDoubt(name)) {
                if (id.txnId().equals(txnId)) {
                    attempts.add(id.attempt());
                }
            }
        } catch (Exception e) {
            throw new CompletionException(e);
        }
        return attempts;
    }

    void finished(BranchTask task) {
        if (task.isOrphan() || task.isEntryGone()) {
            tasks.remove(task.txnId, task);
        }
    }

    /** After a reconnection: the live node may be gone with the old session, and events may have been missed. */
    void resync() {
        // A new session has no watches; on the same session this is a no-op. Before the listing,
        // so that nothing created in between is missed.
        store.register(name, core.instanceId).thenCompose(x -> readLive()).thenCompose(x -> watchInbox())
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        LOG.debug("participant '{}': could not re-register", name, failure);
                        if (!core.isClosed()) {
                            core.schedule(this::resync, 500);
                        }
                        return;
                    }
                    scan.schedule();
                });
        tasks.values().forEach(BranchTask::resynced);
    }

    /** Removes the live node, so coordinators stop sending work to this instance; waits a little for it. */
    void unregister() {
        if (persistentWatch) {
            store.unwatchInbox(name, entryWatcher);
        }
        scan.finish();
        live.finish();
        if (core.store.usable()) {
            try {
                store.unregister(name, core.instanceId).get(core.store.curator().getZookeeperClient()
                        .getConnectionTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.debug("participant '{}': could not remove its live node", name, e);
            }
        }
    }
}
