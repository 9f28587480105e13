package dev.baton.shedlock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockInspection;
import java.util.List;

/** What the ShedLock suite's hooks ask: whether a lock is held right now, seen by another client. */
final class ShedLockSuiteSupport {

    private ShedLockSuiteSupport() {
    }

    static boolean isHeld(LockClient observer, String name) {
        List<LockInfo> held = ((LockInspection) observer).heldLocks(name);
        return held.stream().anyMatch(info -> info.name().equals(name));
    }

    static void assertLocked(LockClient observer, String name) {
        assertThat(isHeld(observer, name)).as("lock '%s' is held", name).isTrue();
    }

    static void assertUnlocked(LockClient observer, String name) {
        assertThat(isHeld(observer, name)).as("lock '%s' is free", name).isFalse();
    }
}
