package dev.baton.lock.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadlines of every lease of one client (renewals, loss), kept in one list sorted by time and
 * served by a single task on the client's timer thread.
 *
 * <p>Why not a timer task per lease: a task that becomes the earliest of the timer's queue wakes the
 * timer thread, and with a lease acquired and released in a loop that is a thread switch per lease.
 * Here a new deadline only touches the timer when it is earlier than the task already scheduled,
 * and a cancelled one never does; the task may then fire for a deadline that is gone, finds nothing
 * due and sleeps until the next one.
 *
 * <p>Inserting searches from the end: all leases of a client have the same lease time, so a new
 * deadline is nearly always the latest, and inserting is constant time in practice.
 *
 * <p>Thread-safe; actions run on the timer thread, outside this object's monitor.
 */
final class SharedTimer {

    private static final Logger LOG = LoggerFactory.getLogger(SharedTimer.class);

    private final ClientRuntime runtime;
    private Slot head; // guarded by this
    private Slot tail; // guarded by this
    private ScheduledFuture<?> task; // guarded by this
    private long taskAt; // guarded by this

    SharedTimer(ClientRuntime runtime) {
        this.runtime = runtime;
    }

    /** A deadline to be set, moved and cancelled, that runs {@code action} when it passes. */
    Slot slot(Runnable action) {
        return new Slot(action);
    }

    private synchronized void set(Slot slot, long due) {
        unlink(slot);
        slot.due = due;
        Slot after = tail;
        while (after != null && after.due - due > 0) {
            after = after.prev;
        }
        slot.prev = after;
        slot.next = after == null ? head : after.next;
        if (slot.next == null) {
            tail = slot;
        } else {
            slot.next.prev = slot;
        }
        if (after == null) {
            head = slot;
        } else {
            after.next = slot;
        }
        slot.linked = true;
        if (head == slot) {
            wakeBy(due);
        }
    }

    // Callers hold the monitor.
    private void unlink(Slot slot) {
        if (!slot.linked) {
            return;
        }
        if (slot.prev == null) {
            head = slot.next;
        } else {
            slot.prev.next = slot.next;
        }
        if (slot.next == null) {
            tail = slot.prev;
        } else {
            slot.next.prev = slot.prev;
        }
        slot.prev = null;
        slot.next = null;
        slot.linked = false;
    }

    // Callers hold the monitor.
    private void wakeBy(long due) {
        if (task != null) {
            if (taskAt - due <= 0) {
                return;
            }
            task.cancel(false);
        }
        task = runtime.schedule(this::fire, due - runtime.now());
        taskAt = due;
    }

    private void fire() {
        List<Slot> due = new ArrayList<>();
        synchronized (this) {
            task = null;
            long now = runtime.now();
            while (head != null && head.due - now <= 0) {
                Slot slot = head;
                unlink(slot);
                due.add(slot);
            }
            if (head != null) {
                wakeBy(head.due);
            }
        }
        for (Slot slot : due) {
            try {
                slot.action.run();
            } catch (RuntimeException e) {
                LOG.warn("a lease deadline action failed", e);
            }
        }
    }

    /** One deadline. Thread-safe. */
    final class Slot {
        private final Runnable action;
        private Slot prev; // guarded by the timer
        private Slot next; // guarded by the timer
        private long due; // guarded by the timer
        private boolean linked; // guarded by the timer

        private Slot(Runnable action) {
            this.action = action;
        }

        /** Runs the action at {@code due} on {@link ClientRuntime#now()}, instead of any time set before. */
        void at(long due) {
            set(this, due);
        }

        /** Does not run the action, unless it is already running. */
        void cancel() {
            synchronized (SharedTimer.this) {
                unlink(this);
            }
        }
    }
}
