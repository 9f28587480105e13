package dev.baton.txn.participant;

import dev.baton.txn.internal.store.TxnNames;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant in a {@link ParticipantHost}: its live registration, its reconciliation on
 * start, and the watch on its inbox that turns every entry into a {@link BranchTask}.
 */
final class HostedParticipant {

    private static final Logger LOG = LoggerFactory.getLogger(HostedParticipant.class);

    final String name;
    final Participant participant;
    final HostCore core;
    private final ConcurrentMap<String, BranchTask> tasks = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Set<String>> preparedAtStart = new ConcurrentHashMap<>();
    private final AtomicBoolean scanQueued = new AtomicBoolean();
    private final Watcher inboxWatcher = event -> scheduleScan();
    private final Watcher entryWatcher = this::entryEvent;
    /** The live instances of this participant as last listed (watched), sorted. */
    private volatile List<String> liveInstances = List.of();
    private final AtomicBoolean liveQueued = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicLong serials = new java.util.concurrent.atomic.AtomicLong();
    private final Watcher liveWatcher = event -> scheduleLiveRead();
    /** The inbox is watched by a persistent recursive watch (ZooKeeper 3.6+), not by listings. */
    private volatile boolean persistentWatch;
    private volatile boolean reconciled;
    private int reconcileFailures;

    HostedParticipant(HostCore core, String name, Participant participant) {
        this.core = core;
        this.name = name;
        this.participant = participant;
    }

    /** Registers a live instance now; reconciles and starts on the inbox in the background. */
    void start() throws Exception {
        core.zk.ensure(core.layout.inbox(name));
        core.zk.ensure(core.layout.live(name));
        register();
        readLive();
        watchInbox();
        core.execute(this::reconcile);
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

    private void scheduleLiveRead() {
        if (!core.isClosed() && liveQueued.compareAndSet(false, true)) {
            core.execute(() -> {
                try {
                    readLive();
                } catch (Exception e) {
                    if (!core.isClosed() && core.zk.usable()) {
                        LOG.debug("participant '{}': cannot list its live instances; retrying", name, e);
                        core.schedule(this::scheduleLiveRead, 500);
                    }
                }
            });
        }
    }

    /** Lists the live instances, watching them; when the set changed, every branch task looks again. */
    private void readLive() throws Exception {
        liveQueued.set(false);
        List<String> listed = core.zk.children(core.layout.live(name), liveWatcher);
        List<String> sorted = listed == null ? List.of() : listed.stream().sorted().toList();
        if (!sorted.equals(liveInstances)) {
            liveInstances = sorted;
            tasks.values().forEach(BranchTask::schedule);
        }
    }

    /**
     * Watches the inbox with a persistent recursive watch, so that each new entry arrives with its
     * name and its task starts without listing the inbox first: a round trip less before every
     * prepare. The inbox is still listed on start and after a reconnection (events missed while
     * disconnected are not replayed). Older servers answer UNIMPLEMENTED; the host then lists the
     * inbox on every change, watched once at a time, as before.
     */
    private void watchInbox() throws Exception {
        if (!core.persistentWatches) {
            return;
        }
        try {
            core.zk.addPersistentRecursiveWatch(core.layout.inbox(name), entryWatcher);
            persistentWatch = true;
        } catch (KeeperException.UnimplementedException e) {
            persistentWatch = false;
        }
    }

    /** On ZooKeeper's event thread: an inbox entry was created or deleted. */
    private void entryEvent(WatchedEvent event) {
        String prefix = core.layout.inbox(name) + "/";
        String path = event.getPath();
        if (path == null || !path.startsWith(prefix) || core.isClosed()) {
            return;
        }
        String txnId = path.substring(prefix.length());
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

    /** (Re)creates this instance's ephemeral live node, replacing one left by an earlier session. */
    void register() throws Exception {
        String path = core.layout.live(name) + "/" + core.instanceId;
        Stat stat = core.zk.exists(path, null);
        if (stat != null && stat.getEphemeralOwner() != core.zk.sessionId()) {
            core.zk.delete(path);
        }
        core.zk.create(path, core.instanceId.getBytes(StandardCharsets.UTF_8), CreateMode.EPHEMERAL);
    }

    /**
     * Asks the participant which attempts it holds prepared, before reading the inbox: those of a
     * transaction still in the inbox are handed to its task (a crash came between prepare and
     * vote, or after the vote); the others are orphans that follow their decision, or are rolled
     * back if their transaction is gone.
     */
    private void reconcile() {
        if (core.isClosed()) {
            return;
        }
        Map<String, Set<String>> orphans = new HashMap<>();
        try {
            Set<BranchId> inDoubt = participant.inDoubt(name);
            List<String> inbox = core.zk.children(core.layout.inbox(name), null);
            for (BranchId id : inDoubt) {
                boolean queued = inbox != null && inbox.contains(id.txnId());
                (queued ? preparedAtStart : orphans).computeIfAbsent(id.txnId(), t -> ConcurrentHashMap.newKeySet())
                        .add(id.attempt());
            }
        } catch (Exception e) {
            preparedAtStart.clear();
            reconcileFailures++;
            LOG.warn("participant '{}' cannot list its prepared branches yet ({}); retrying", name, e.toString());
            core.schedule(this::reconcile, Math.min(5000, 100L << Math.min(reconcileFailures, 6)));
            return;
        }
        orphans.forEach((txnId, attempts) -> {
            if (TxnNames.isTxnId(txnId)) {
                startTask(txnId, attempts);
            }
        });
        reconciled = true;
        scheduleScan();
    }

    void scheduleScan() {
        if (reconciled && scanQueued.compareAndSet(false, true)) {
            core.execute(() -> {
                // The newest entry's first evaluation runs on this thread: one thread hop less for it.
                BranchTask newest = scan();
                if (newest != null) {
                    newest.runHere();
                }
            });
        }
    }

    /**
     * Lists the inbox and starts a task for each new entry. Synchronized, so that listings are
     * handled in the order ZooKeeper gave them; a finished task is forgotten only once a listing
     * no longer has its entry, so a listing taken just before an acknowledgement cannot start the
     * branch a second time.
     *
     * @return the task of the last new entry, not started yet (the others are); or null
     */
    private synchronized BranchTask scan() {
        scanQueued.set(false);
        if (core.isClosed()) {
            return null;
        }
        BranchTask newest = null;
        try {
            long listedAfter = serials.get();
            List<String> entries = core.zk.children(core.layout.inbox(name), persistentWatch ? null : inboxWatcher);
            if (entries == null) {
                core.zk.ensure(core.layout.inbox(name));
                scheduleScan();
                return null;
            }
            tasks.entrySet().removeIf(task -> task.getValue().isDone() && !entries.contains(task.getKey()));
            tasks.forEach((txnId, task) -> {
                if (!task.isOrphan() && task.serial <= listedAfter && !entries.contains(txnId)) {
                    task.entryGone();
                }
            });
            for (String txnId : entries) {
                if (!TxnNames.isTxnId(txnId)) {
                    core.report(core.layout.inboxEntry(name, txnId), "not a transaction id (foreign node)");
                } else if (!tasks.containsKey(txnId)) {
                    if (newest != null) {
                        newest.schedule();
                    }
                    newest = newTask(txnId, null, false);
                }
            }
        } catch (Exception e) {
            if (!core.isClosed() && core.zk.usable()) {
                LOG.debug("participant '{}': inbox scan failed; retrying", name, e);
                core.schedule(this::scheduleScan, 500);
            }
        }
        return newest;
    }

    /** @param orphanAttempts for an orphan, its prepared attempts; null for an inbox entry */
    private void startTask(String txnId, Set<String> orphanAttempts) {
        BranchTask task = newTask(txnId, orphanAttempts, false);
        if (task != null) {
            task.schedule();
        }
    }

    /**
     * A task for the branch, registered but not started; null if it has one already or is a known
     * problem.
     *
     * @param fromEvent started by a creation event rather than a listing: the event may be older
     *     than the entry's deletion, so the task first checks that the entry still exists
     */
    private BranchTask newTask(String txnId, Set<String> orphanAttempts, boolean fromEvent) {
        if (core.hasProblem(name + "/" + txnId)) {
            return null;
        }
        BranchTask task = new BranchTask(this, txnId, orphanAttempts, fromEvent, serials.incrementAndGet());
        return tasks.putIfAbsent(txnId, task) == null ? task : null;
    }

    /** The attempts of this branch found prepared when the host started; handed out once. */
    Set<String> takePreparedAtStart(String txnId) {
        Set<String> attempts = preparedAtStart.remove(txnId);
        return attempts == null ? Set.of() : attempts;
    }

    /** The attempts of this branch prepared in the resource now, by any instance. */
    Set<String> attemptsInDoubt(String txnId) throws Exception {
        Set<String> attempts = new HashSet<>();
        for (BranchId id : participant.inDoubt(name)) {
            if (id.txnId().equals(txnId)) {
                attempts.add(id.attempt());
            }
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
        core.execute(() -> {
            try {
                register();
                readLive();
                // A new session has no watches; on the same session this is a no-op. Before the
                // listing, so that nothing created in between is missed.
                watchInbox();
            } catch (Exception e) {
                LOG.debug("participant '{}': could not re-register", name, e);
                core.schedule(this::resync, 500);
                return;
            }
            scheduleScan();
        });
        tasks.values().forEach(BranchTask::schedule);
    }

    /** Removes the live node, so coordinators stop sending work to this instance. */
    void unregister() {
        if (persistentWatch) {
            try {
                core.zk.removeWatch(core.layout.inbox(name), entryWatcher);
            } catch (Exception e) {
                LOG.debug("participant '{}': could not remove its inbox watch", name, e);
            }
        }
        try {
            if (core.zk.usable()) {
                core.zk.delete(core.layout.live(name) + "/" + core.instanceId);
            }
        } catch (Exception e) {
            LOG.debug("participant '{}': could not remove its live node", name, e);
        }
    }
}
