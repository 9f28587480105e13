package dev.baton.spring.boot.txn;

import dev.baton.spring.boot.BatonEndpointContributor;
import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.TransactionException;
import dev.baton.txn.admin.TransactionAdmin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Open transactions with their state, then the most recent outcomes, as {@code baton txn list} prints them. */
final class TransactionsSection implements BatonEndpointContributor {

    private static final int RECENT = 20;

    private final TransactionCoordinator coordinator;
    private final TransactionAdmin admin;

    TransactionsSection(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
        this.admin = coordinator.admin();
    }

    @Override
    public String section() {
        return "transactions";
    }

    @Override
    public Object describe() {
        Map<String, Object> section = new LinkedHashMap<>();
        try {
            List<Map<String, Object>> open = new ArrayList<>();
            for (String id : admin.openTransactions()) {
                Map<String, Object> txn = new LinkedHashMap<>();
                txn.put("id", id);
                txn.put("state", admin.state(id).map(Enum::name).orElse("ENDED"));
                open.add(txn);
            }
            section.put("open", open);
            List<Map<String, Object>> recent = new ArrayList<>();
            for (Outcome outcome : admin.recentOutcomes(RECENT)) {
                Map<String, Object> txn = new LinkedHashMap<>();
                txn.put("id", outcome.txnId());
                txn.put("state", outcome.state().name());
                txn.put("reason", outcome.reason());
                outcome.finishedAt().ifPresent(at -> txn.put("finishedAt", at.toString()));
                recent.add(txn);
            }
            section.put("recent", recent);
        } catch (TransactionException e) {
            section.put("error", e.getMessage());
        }
        return section;
    }
}
