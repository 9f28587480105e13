package dev.baton.spring.boot;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockInspection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/baton}: what {@code baton locks} and {@code baton txn list} show, for this
 * application's backend. {@code locks} lists the held locks (name, holder, fencing token, since,
 * waiters); every {@link BatonEndpointContributor} bean adds a section ({@code transactions} with
 * the transaction coordinator).
 */
@Endpoint(id = "baton")
public class BatonEndpoint {

    private final ObjectProvider<LockClient> locks;
    private final ObjectProvider<BatonEndpointContributor> contributors;

    /** An endpoint over the application's lock client, if any, and contributors. */
    public BatonEndpoint(ObjectProvider<LockClient> locks, ObjectProvider<BatonEndpointContributor> contributors) {
        this.locks = locks;
        this.contributors = contributors;
    }

    /** The held locks and every contributor's section. */
    @ReadOperation
    public Map<String, Object> baton() {
        Map<String, Object> answer = new LinkedHashMap<>();
        LockClient client = locks.getIfAvailable();
        if (client != null) {
            answer.put("locks", describeLocks(client));
        }
        contributors.orderedStream().forEach(c -> answer.put(c.section(), c.describe()));
        return answer;
    }

    private static Map<String, Object> describeLocks(LockClient client) {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("backend", client.backend());
        if (!(client instanceof LockInspection inspection)) {
            section.put("error", "this backend cannot list its locks");
            return section;
        }
        try {
            List<Map<String, Object>> held = new ArrayList<>();
            for (LockInfo info : inspection.heldLocks("")) {
                Map<String, Object> lock = new LinkedHashMap<>();
                lock.put("name", info.name());
                lock.put("holder", info.holder());
                lock.put("fencingToken", info.fencingToken());
                info.since().ifPresent(since -> lock.put("since", since.toString()));
                if (info.waiters() >= 0) {
                    lock.put("waiters", info.waiters());
                }
                held.add(lock);
            }
            section.put("held", held);
        } catch (LockException e) {
            section.put("error", e.getMessage());
        }
        return section;
    }
}
