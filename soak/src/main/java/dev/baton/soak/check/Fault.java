package dev.baton.soak.check;

import dev.baton.soak.FaultKind;

/** One injection as the nemesis recorded it; times in µs. */
record Fault(int number, FaultKind kind, String target, long start, long heal, long end, boolean progressed) {

    boolean workerFault() {
        return kind.scope() == FaultKind.Scope.WORKER;
    }
}
