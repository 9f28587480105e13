package dev.baton.txn.internal.store;

import java.util.List;

/**
 * The COMMIT of an in-process XA transaction: the session ({@code owner}, its live node's name)
 * that decided it, and the resources whose branches are to be committed. There is no ABORT node:
 * a prepared branch without a decision is rolled back (presumed abort).
 */
public record XaDecision(String txnId, String owner, List<String> resources) {

    public XaDecision {
        resources = List.copyOf(resources);
    }
}
