package dev.baton.lock.redis;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * One pub/sub connection per client, subscribed to the release channel of every lock that has, or
 * recently had, a waiter in this client.
 *
 * <p>A thread of its own reads the connection (Jedis' subscribe blocks). It always holds one
 * subscription, to a channel only this client uses, so the connection stays in subscribed mode
 * while no lock has waiters. A lock's channel is subscribed when its first waiter arrives and stays
 * subscribed for {@link #LINGER_NANOS} after its last waiter left, so that a lock contended again
 * and again is not subscribed and unsubscribed for every wait. When the connection drops, the
 * thread reconnects with a backoff and subscribes again; every listener is then called once, since
 * a release may have been missed in between. Until then waiters fall back to their PTTL timers.
 *
 * <p>Every confirmation and message on a channel moves the channel's mark, so that a waiter can tell
 * whether a release was seen between sending an attempt and starting to listen ({@link #mark},
 * {@link #watch}).
 *
 * <p>Listeners run on the subscriber thread and must not block.
 *
 * <p>Thread-safe: the channel table is changed under the monitor; marks are read without it.
 */
final class ReleaseSubscription implements Wakeups {

    /** How long a channel stays subscribed after its last listener left. */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final Logger LOG = LoggerFactory.getLogger(ReleaseSubscription.class);
    private static final long MAX_BACKOFF_MILLIS = 1000;
    private static final long UNCONFIRMED = -1;

    private final UnifiedJedis jedis;
    private final ClientRuntime runtime;
    private final String control;
    private final Thread thread;
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private long events; // guarded by this
    private Listener current;
    private boolean connected;
    private boolean closed;
    private boolean sweepScheduled;

    ReleaseSubscription(UnifiedJedis jedis, ClientRuntime runtime, String control, String threadName) {
        this.jedis = jedis;
        this.runtime = runtime;
        this.control = control;
        this.thread = ClientRuntime.daemon(threadName).newThread(this::run);
    }

    /** Starts the subscriber thread; the connection is made there. */
    void start() {
        thread.start();
    }

    /**
     * The channel's mark now, to take before sending an attempt and pass to {@link #watch} after
     * it: negative while the channel is not subscribed and confirmed.
     */
    public long mark(String channel) {
        Channel state = channels.get(channel);
        return state == null ? UNCONFIRMED : state.mark;
    }

    /**
     * Calls {@code listener} for every release on {@code channel} from now on, and whenever the
     * subscription to it is (re)confirmed.
     *
     * @param mark {@link #mark} taken before the attempt that found the lock held
     * @return true if a release may have gone by unseen since {@code mark} was taken (a message
     *     came, or the channel was confirmed only since): the caller should try once more itself
     */
    public synchronized boolean watch(String channel, Runnable listener, long mark) {
        Channel state = channels.get(channel);
        if (state == null) {
            state = new Channel();
            channels.put(channel, state);
            send(channel, true);
        }
        state.listeners.add(listener);
        return state.mark != UNCONFIRMED && state.mark != mark;
    }

    /** Stops calling {@code listener}; the channel is unsubscribed when it has had none for a while. */
    public synchronized void unwatch(String channel, Runnable listener) {
        Channel state = channels.get(channel);
        if (state != null && state.listeners.remove(listener) && state.listeners.isEmpty()) {
            state.idleSince = runtime.now();
            if (!sweepScheduled && runtime.schedule(this::sweep, LINGER_NANOS) != null) {
                sweepScheduled = true;
            }
        }
    }

    /** Unsubscribes and stops the thread, waiting for it a little; idempotent. */
    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (connected) {
                try {
                    current.unsubscribe();
                } catch (RuntimeException e) {
                    LOG.debug("unsubscribe on close failed", e);
                }
            }
            notifyAll();
        }
        try {
            // A server that stopped answering (SIGSTOP) keeps the reader blocked: don't wait for it.
            thread.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void sweep() {
        sweepScheduled = false;
        long now = runtime.now();
        long nextDelay = Long.MAX_VALUE;
        for (Iterator<Map.Entry<String, Channel>> it = channels.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Channel> entry = it.next();
            if (!entry.getValue().listeners.isEmpty()) {
                continue;
            }
            long idle = now - entry.getValue().idleSince;
            if (idle >= LINGER_NANOS) {
                it.remove();
                send(entry.getKey(), false);
            } else {
                nextDelay = Math.min(nextDelay, LINGER_NANOS - idle);
            }
        }
        if (nextDelay != Long.MAX_VALUE && !closed && runtime.schedule(this::sweep, nextDelay) != null) {
            sweepScheduled = true;
        }
    }

    // Callers hold the monitor.
    private void send(String channel, boolean subscribe) {
        if (!connected) {
            return;
        }
        try {
            if (subscribe) {
                current.subscribe(channel);
            } else {
                current.unsubscribe(channel);
            }
        } catch (RuntimeException e) {
            // The reader thread sees the broken connection too, and resubscribes everything.
            LOG.debug("{} {} failed", subscribe ? "subscribe" : "unsubscribe", channel, e);
        }
    }

    private void run() {
        long backoff = 0;
        while (true) {
            Listener listener = new Listener();
            synchronized (this) {
                if (closed) {
                    return;
                }
                current = listener;
            }
            try {
                jedis.subscribe(listener, control);
            } catch (RuntimeException e) {
                LOG.debug("release subscription lost", e);
            }
            synchronized (this) {
                onDisconnected();
                backoff = listener.wasConnected ? 50 : Math.min(MAX_BACKOFF_MILLIS, Math.max(50, backoff * 2));
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
                try {
                    for (long left = backoff; !closed && left > 0;
                            left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())) {
                        wait(left);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    // Callers hold the monitor. Channels nobody waits on are dropped rather than subscribed again.
    private void onDisconnected() {
        connected = false;
        channels.values().removeIf(state -> state.listeners.isEmpty());
        channels.values().forEach(state -> state.mark = UNCONFIRMED);
    }

    private void onSubscribed(Listener listener, String channel) {
        List<Runnable> toCall;
        synchronized (this) {
            if (listener != current) {
                return;
            }
            if (closed) {
                // close() came between connecting and this confirmation, and could not unsubscribe.
                try {
                    listener.unsubscribe();
                } catch (RuntimeException e) {
                    LOG.debug("unsubscribe after close failed", e);
                }
                return;
            }
            if (channel.equals(control)) {
                connected = true;
                listener.wasConnected = true;
                channels.keySet().forEach(watched -> send(watched, true));
                return;
            }
            toCall = moveMark(channel);
        }
        toCall.forEach(ReleaseSubscription::callQuietly);
    }

    private void onReleased(String channel) {
        List<Runnable> toCall;
        synchronized (this) {
            toCall = moveMark(channel);
        }
        toCall.forEach(ReleaseSubscription::callQuietly);
    }

    // Callers hold the monitor.
    private List<Runnable> moveMark(String channel) {
        Channel state = channels.get(channel);
        if (state == null) {
            return List.of();
        }
        state.mark = ++events;
        return state.listeners.isEmpty() ? List.of() : new ArrayList<>(state.listeners);
    }

    private static void callQuietly(Runnable listener) {
        try {
            listener.run();
        } catch (RuntimeException e) {
            LOG.warn("release listener failed", e);
        }
    }

    /** One lock's channel: who listens, and its mark. */
    private static final class Channel {
        private final Set<Runnable> listeners = new LinkedHashSet<>(); // guarded by the subscription
        private volatile long mark = UNCONFIRMED; // written under the subscription's monitor
        private long idleSince; // guarded by the subscription
    }

    private final class Listener extends JedisPubSub {
        private boolean wasConnected; // guarded by the subscription's monitor

        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            onSubscribed(this, channel);
        }

        @Override
        public void onMessage(String channel, String message) {
            onReleased(channel);
        }
    }
}
