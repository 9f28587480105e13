package dev.baton.lock.spi.lifecycle;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of a long-lived service (a lock client, a coordinator, a participant host) as one
 * explicit state machine, after Guava's {@code AbstractService}, but synchronous: {@link #start()}
 * returns once the service runs, {@link #stop()} once it has stopped.
 *
 * <pre>
 *  NEW --start()--> STARTING --doStart() returned--> RUNNING --stop()--> STOPPING --doStop() returned--> TERMINATED
 *   |                  |                                |                   |
 *   |                  +--doStart() threw------------> FAILED <--fail()----+--doStop() threw
 *   +--stop()--> TERMINATED (never started: doStop() is not called)
 * </pre>
 *
 * <p>The legal moves are exactly {@link State#canMoveTo}; {@link State#TERMINATED} and
 * {@link State#FAILED} are terminal. {@link #doStop()} runs exactly once for every service that
 * reached {@code STARTING}, whether it then ran, failed to start or failed while running, so that
 * it is the one place that releases what {@link #doStart()} acquired. A {@link #stop()} that
 * arrives while the service is starting is remembered: the service stops as soon as it has started.
 *
 * <p>Subclasses implement {@link #doStart()} and {@link #doStop()}, and guard their operations with
 * {@link #checkRunning()} (for misuse: {@code IllegalStateException}) or {@link #isShutDown()}
 * (for work already under way, which should end quietly).
 *
 * <p>Thread safety: every method may be called from any thread. Transitions are atomic; listeners
 * are called on the thread that made the transition, after it, outside any lock.
 */
public abstract class AbstractService {

    private static final Logger LOG = LoggerFactory.getLogger(AbstractService.class);

    /** Where a service is in its life. */
    public enum State {
        /** Built, not started. */
        NEW,
        /** {@link #doStart()} is running. */
        STARTING,
        /** Started and usable. */
        RUNNING,
        /** {@link #doStop()} is running. */
        STOPPING,
        /** Stopped normally. Terminal. */
        TERMINATED,
        /** Failed to start, to run or to stop; {@link #failureCause()} says why. Terminal. */
        FAILED;

        /** Whether no transition leaves this state. */
        public boolean isTerminal() {
            return this == TERMINATED || this == FAILED;
        }

        /** Whether a service in this state may move to {@code next}. */
        public boolean canMoveTo(State next) {
            Objects.requireNonNull(next, "next");
            switch (this) {
                case NEW:
                    return next == STARTING || next == TERMINATED;
                case STARTING:
                    return next == RUNNING || next == FAILED;
                case RUNNING:
                    return next == STOPPING || next == FAILED;
                case STOPPING:
                    return next == TERMINATED || next == FAILED;
                default:
                    return false;
            }
        }
    }

    /**
     * Told of every transition, on the thread that made it. Every method does nothing by default;
     * a listener that throws is logged and does not affect the service.
     */
    public interface Listener {
        /** NEW to STARTING. */
        default void starting() {
        }

        /** STARTING to RUNNING. */
        default void running() {
        }

        /** RUNNING to STOPPING. */
        default void stopping() {
        }

        /** To TERMINATED, from {@code from} (NEW or STOPPING). */
        default void terminated(State from) {
        }

        /** To FAILED, from {@code from}, because of {@code cause}. */
        default void failed(State from, Throwable cause) {
        }
    }

    private final String name;
    private final Object monitor = new Object();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile State state = State.NEW;
    private @Nullable Throwable failure; // guarded by monitor; set once, on the move to FAILED
    private boolean stopRequested; // guarded by monitor; a stop() that came while STARTING

    /**
     * @param name what the service is, for messages: {@code "lock client"} gives
     *     "this lock client is closed"
     */
    protected AbstractService(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /**
     * Acquires what the service needs ({@code NEW → STARTING}). If it throws, the service is
     * {@code FAILED} and {@link #doStop()} runs to release what was acquired.
     */
    protected abstract void doStart() throws Exception;

    /**
     * Releases everything: runs once, after {@link #doStart()}, whatever its outcome. It must not
     * block for long, and should not throw (an exception makes the service {@code FAILED}).
     */
    protected abstract void doStop() throws Exception;

    /**
     * Starts the service and returns when it runs.
     *
     * @throws IllegalStateException if it was started before (or stopped without starting)
     * @throws RuntimeException whatever {@link #doStart()} threw, unchecked exceptions as they are
     *     and checked ones wrapped; the service is then {@code FAILED}
     */
    public final void start() {
        move(State.NEW, State.STARTING);
        try {
            doStart();
        } catch (Exception | Error e) {
            failAndCleanUp(State.STARTING, e);
            if (e instanceof RuntimeException) {
                throw (RuntimeException) e;
            }
            if (e instanceof Error) {
                throw (Error) e;
            }
            throw new IllegalStateException("cannot start this " + name + ": " + e, e);
        }
        boolean stopNow;
        synchronized (monitor) {
            stopNow = stopRequested;
        }
        move(State.STARTING, State.RUNNING);
        if (stopNow) {
            stop();
        }
    }

    /**
     * Stops the service. Idempotent: a service that is stopping, stopped or failed is left as it is,
     * and the call returns at once; so does a call made while the service starts, which stops it as
     * soon as it has started. A service that never started moves straight to {@code TERMINATED}.
     * Never throws for a failing {@link #doStop()}: the service is then {@code FAILED}.
     */
    public final void stop() {
        State from;
        synchronized (monitor) {
            from = state;
            if (from == State.STARTING) {
                stopRequested = true;
                return;
            }
            if (from != State.NEW && from != State.RUNNING) {
                return;
            }
            state = from == State.NEW ? State.TERMINATED : State.STOPPING;
        }
        if (from == State.NEW) {
            notify(listener -> listener.terminated(State.NEW));
            return;
        }
        notify(Listener::stopping);
        try {
            doStop();
        } catch (Exception | Error e) {
            fail(State.STOPPING, e);
            return;
        }
        move(State.STOPPING, State.TERMINATED);
    }

    /**
     * Declares a running service failed, and releases its resources with {@link #doStop()}.
     * Does nothing if the service is not running.
     *
     * @return whether this call failed it
     */
    protected final boolean notifyFailed(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        synchronized (monitor) {
            if (state != State.RUNNING) {
                return false;
            }
        }
        return failAndCleanUp(State.RUNNING, cause);
    }

    /** The state now. */
    public final State state() {
        return state;
    }

    /** Whether the service is {@code RUNNING}. */
    public final boolean isRunning() {
        return state == State.RUNNING;
    }

    /**
     * Whether the service has begun to stop or has ended: {@code STOPPING}, {@code TERMINATED} or
     * {@code FAILED}. Work under way checks this to end quietly instead of starting more.
     */
    public final boolean isShutDown() {
        State now = state;
        return now == State.STOPPING || now.isTerminal();
    }

    /**
     * Why the service failed.
     *
     * @throws IllegalStateException if it is not {@code FAILED}
     */
    public final Throwable failureCause() {
        synchronized (monitor) {
            if (state != State.FAILED || failure == null) {
                throw new IllegalStateException("this " + name + " has not failed; it is " + state);
            }
            return failure;
        }
    }

    /**
     * Throws unless the service is running, with a message that says why: "this lock client is
     * closed", "... has failed: ...", "... is not started".
     *
     * @throws IllegalStateException if the service is not {@code RUNNING}
     */
    public final void checkRunning() {
        State now = state;
        if (now != State.RUNNING) {
            throw new IllegalStateException(describe(now));
        }
    }

    /** Adds a listener for the transitions from now on. */
    public final void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private String describe(State now) {
        switch (now) {
            case NEW:
            case STARTING:
                return "this " + name + " is not started";
            case FAILED:
                synchronized (monitor) {
                    return "this " + name + " has failed: " + failure;
                }
            default:
                return "this " + name + " is closed";
        }
    }

    private boolean failAndCleanUp(State from, Throwable cause) {
        if (!fail(from, cause)) {
            return false;
        }
        try {
            doStop();
        } catch (Exception | Error cleanup) {
            cause.addSuppressed(cleanup);
        }
        return true;
    }

    private boolean fail(State from, Throwable cause) {
        synchronized (monitor) {
            if (state != from || !from.canMoveTo(State.FAILED)) {
                return false;
            }
            state = State.FAILED;
            failure = cause;
        }
        notify(listener -> listener.failed(from, cause));
        return true;
    }

    private void move(State from, State to) {
        synchronized (monitor) {
            if (state != from) {
                throw new IllegalStateException("this " + name + " cannot move from " + state + " to " + to
                        + (from == State.NEW ? ": it was started before" : ""));
            }
            state = to;
        }
        switch (to) {
            case STARTING:
                notify(Listener::starting);
                break;
            case RUNNING:
                notify(Listener::running);
                break;
            case TERMINATED:
                notify(listener -> listener.terminated(from));
                break;
            default:
                break;
        }
    }

    private void notify(java.util.function.Consumer<Listener> event) {
        for (Listener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("a listener of this {} threw; ignored", name, e);
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + state + "]";
    }
}
