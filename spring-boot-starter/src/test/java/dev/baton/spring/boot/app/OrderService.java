package dev.baton.spring.boot.app;

import dev.baton.lock.Lease;
import dev.baton.spring.boot.Leases;
import dev.baton.spring.boot.WithLock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts how many callers are inside its locked method at once, and the tokens they saw in order. */
public class OrderService {

    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger mostInside = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();
    private final List<Long> tokens = new CopyOnWriteArrayList<>();
    private int unsafeCounter;

    /** Ships an order under lock {@code orders/<id>}; the lease comes in as the second argument. */
    @WithLock(name = "orders/#{#orderId}", maxWait = "60s")
    public long ship(String orderId, Lease lease) {
        int now = inside.incrementAndGet();
        mostInside.accumulateAndGet(now, Math::max);
        try {
            if (Leases.current() != lease) {
                throw new AssertionError("Leases.current() is not the lease passed in");
            }
            tokens.add(lease.fencingToken());
            unsafeCounter++; // a lost update here would show a second caller inside
            calls.incrementAndGet();
            return lease.fencingToken();
        } finally {
            inside.decrementAndGet();
        }
    }

    /** Gives up after 100 ms if report {@code name} is locked elsewhere. */
    @WithLock(name = "reports/#{#p0}", maxWait = "100ms")
    public String report(String name) {
        return name;
    }

    public int mostInside() {
        return mostInside.get();
    }

    public int calls() {
        return calls.get();
    }

    public int unsafeCounter() {
        return unsafeCounter;
    }

    public List<Long> tokens() {
        return tokens;
    }
}
