package dev.baton.lock.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * One pub/sub connection per client, subscribed to the release channel of every lock that has a
 * waiter in this client, and to nothing else.
 *
 * <p>A thread of its own reads the connection (Jedis' subscribe blocks). It always holds one
 * subscription, to a channel only this client uses, so the connection stays in subscribed mode
 * while no lock has waiters. Lock channels are added and removed as waiters come and go. When the
 * connection drops, the thread reconnects with a backoff and subscribes again; every listener is
 * then called once, since a release may have been missed in between. Until then waiters fall back
 * to their PTTL timers.
 *
 * <p>Listeners run on the subscriber thread and must not block.
 *
 * <p>Thread-safe.
 */
final class ReleaseSubscription {

    private static final Logger LOG = LoggerFactory.getLogger(ReleaseSubscription.class);
    private static final long MAX_BACKOFF_MILLIS = 1000;

    private final UnifiedJedis jedis;
    private final String control;
    private final Thread thread;
    private final Map<String, Set<Runnable>> listeners = new HashMap<>();
    private final Set<String> confirmed = new LinkedHashSet<>();
    private Listener current;
    private boolean connected;
    private boolean closed;

    ReleaseSubscription(UnifiedJedis jedis, String control, String threadName) {
        this.jedis = jedis;
        this.control = control;
        this.thread = ClientRuntime.daemon(threadName).newThread(this::run);
    }

    /** Starts the subscriber thread; the connection is made there. */
    void start() {
        thread.start();
    }

    /**
     * Calls {@code listener} for every release on {@code channel} from now on, and whenever the
     * subscription to it is (re)confirmed.
     *
     * @return true if the channel was already subscribed and confirmed, so that a release from now
     *     on will be seen: the caller should check the lock once more itself
     */
    synchronized boolean watch(String channel, Runnable listener) {
        Set<Runnable> set = listeners.get(channel);
        if (set == null) {
            set = new LinkedHashSet<>();
            listeners.put(channel, set);
            send(channel, true);
        }
        set.add(listener);
        return confirmed.contains(channel);
    }

    /** Stops calling {@code listener}; the channel is unsubscribed when its last listener leaves. */
    synchronized void unwatch(String channel, Runnable listener) {
        Set<Runnable> set = listeners.get(channel);
        if (set != null && set.remove(listener) && set.isEmpty()) {
            listeners.remove(channel);
            confirmed.remove(channel);
            send(channel, false);
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
                connected = false;
                confirmed.clear();
                if (listener.wasConnected) {
                    backoff = 0;
                }
                backoff = Math.min(MAX_BACKOFF_MILLIS, Math.max(50, backoff * 2));
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

    private void onSubscribed(Listener listener, String channel) {
        List<Runnable> toCall = new ArrayList<>();
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
                for (String watched : listeners.keySet()) {
                    send(watched, true);
                }
                return;
            }
            Set<Runnable> set = listeners.get(channel);
            if (set != null) {
                confirmed.add(channel);
                toCall.addAll(set);
            }
        }
        toCall.forEach(ReleaseSubscription::callQuietly);
    }

    private void onReleased(String channel) {
        List<Runnable> toCall;
        synchronized (this) {
            Set<Runnable> set = listeners.get(channel);
            toCall = set == null ? List.of() : new ArrayList<>(set);
        }
        toCall.forEach(ReleaseSubscription::callQuietly);
    }

    private static void callQuietly(Runnable listener) {
        try {
            listener.run();
        } catch (RuntimeException e) {
            LOG.warn("release listener failed", e);
        }
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
