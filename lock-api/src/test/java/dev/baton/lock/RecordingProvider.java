package dev.baton.lock;

import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.LockBackendProvider;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A provider that only records how it was configured; see {@link LockClientsTest}. */
public final class RecordingProvider implements LockBackendProvider {

    static final ConfigKey<String> VALUE = ConfigKey.string("baton.recording.value", null, "A value to record.");
    private static final AtomicReference<BatonConfig> LAST = new AtomicReference<>();
    private static final AtomicInteger OPENED = new AtomicInteger();

    static BatonConfig last() {
        return LAST.get();
    }

    static int opened() {
        return OPENED.get();
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(VALUE);
    }

    @Override
    public LockClient open(BatonConfig config) {
        LAST.set(config);
        OPENED.incrementAndGet();
        return new LockClient() {
            @Override
            public DistributedLock lock(String name) {
                throw new UnsupportedOperationException("this provider only records configuration");
            }

            @Override
            public String backend() {
                return "recording";
            }

            @Override
            public void close() {
            }
        };
    }
}
