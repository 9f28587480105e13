package dev.baton.lock.redis;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Release announcements for the Redisson adapter's recipes, on Redisson's own pub/sub connection
 * ({@link RTopic}): a channel is subscribed while a request or observer listens on it. Its mark is
 * -1 until Redisson confirms the subscription, and moves with every message and confirmation.
 *
 * <p>Listeners run on Redisson's threads and must not block. Thread-safe.
 */
final class RedissonWakeups implements Wakeups {

    private static final Logger LOG = LoggerFactory.getLogger(RedissonWakeups.class);

    private final RedissonClient redisson;
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    RedissonWakeups(RedissonClient redisson) {
        this.redisson = redisson;
    }

    @Override
    public long mark(String channel) {
        Channel subscribed = channels.get(channel);
        return subscribed == null ? -1 : subscribed.mark;
    }

    @Override
    public synchronized boolean watch(String channel, Runnable listener, long mark) {
        Channel subscribed = channels.computeIfAbsent(channel, this::subscribe);
        subscribed.listeners.add(listener);
        return mark < 0 || subscribed.mark != mark;
    }

    @Override
    public synchronized void unwatch(String channel, Runnable listener) {
        Channel subscribed = channels.get(channel);
        if (subscribed == null || !subscribed.listeners.remove(listener) || !subscribed.listeners.isEmpty()) {
            return;
        }
        channels.remove(channel);
        subscribed.unsubscribe();
    }

    /** Removes every subscription; idempotent. */
    synchronized void close() {
        channels.values().forEach(Channel::unsubscribe);
        channels.clear();
    }

    private Channel subscribe(String name) {
        Channel channel = new Channel(redisson.getTopic(name, StringCodec.INSTANCE));
        channel.topic.addListenerAsync(String.class, (ch, message) -> channel.moved())
                .whenComplete((id, error) -> channel.subscribed(id, error));
        return channel;
    }

    /** One channel: its listeners, its mark, and Redisson's listener id once known. */
    private static final class Channel {
        private final RTopic topic;
        private final Set<Runnable> listeners = new CopyOnWriteArraySet<>();
        private volatile long mark = -1;
        private @Nullable Integer listenerId; // guarded by this
        private boolean unsubscribed; // guarded by this

        Channel(RTopic topic) {
            this.topic = topic;
        }

        void subscribed(@Nullable Integer id, @Nullable Throwable error) {
            if (error != null || id == null) {
                LOG.debug("subscribing to {} failed; waiters fall back to their timers", topic.getChannelNames(), error);
                return;
            }
            boolean late;
            synchronized (this) {
                listenerId = id;
                late = unsubscribed;
            }
            if (late) {
                topic.removeListenerAsync(id);
            } else {
                moved(); // a release may have passed before the subscription took effect
            }
        }

        void moved() {
            synchronized (this) {
                mark = mark < 0 ? 1 : mark + 1;
            }
            for (Runnable listener : listeners) {
                try {
                    listener.run();
                } catch (RuntimeException e) {
                    LOG.warn("a release listener threw", e);
                }
            }
        }

        void unsubscribe() {
            Integer id;
            synchronized (this) {
                unsubscribed = true;
                id = listenerId;
            }
            if (id != null) {
                topic.removeListenerAsync(id);
            }
        }
    }
}
