package dev.baton.lock.redis;

import dev.baton.lock.CoordinationInfo;
import dev.baton.lock.CoordinationInfo.Kind;
import dev.baton.lock.LockNames;
import dev.baton.lock.redis.internal.Scripts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Lists the read-write locks, semaphores and elections held on Redis, for both clients: SCAN for
 * their keys, then one read-only script per name.
 */
final class RecipeInspection {

    private RecipeInspection() {
    }

    static List<CoordinationInfo> list(ScriptBackend backend, Function<String, Set<String>> scan, String namePrefix) {
        String ns = backend.runtime().options().namespace();
        List<CoordinationInfo> found = new ArrayList<>();
        Set<String> rwNames = new TreeSet<>(names(scan, ns + ":" + RecipeKeys.READ_WRITE + ":"));
        rwNames.addAll(names(scan, ns + ":" + RecipeKeys.READ_WRITE + "-writer:"));
        for (String name : rwNames) {
            if (!name.startsWith(namePrefix)) {
                continue;
            }
            List<?> reply = (List<?>) backend.eval(Scripts.RW_INSPECT, RecipeKeys.readWrite(ns, name), List.of());
            int readers = number(reply.get(0));
            boolean writer = number(reply.get(1)) == 1;
            if (readers > 0 || writer) {
                found.add(new CoordinationInfo(Kind.READ_WRITE_LOCK, name, writer ? 1 : readers, -1, number(reply.get(2)),
                        Long.parseLong(String.valueOf(reply.get(3))), writer ? "write" : "read"));
            }
        }
        for (String name : names(scan, ns + ":" + RecipeKeys.SEMAPHORE + ":")) {
            if (!name.startsWith(namePrefix)) {
                continue;
            }
            List<?> reply = (List<?>) backend.eval(Scripts.PERMIT_INSPECT, RecipeKeys.semaphore(ns, name), List.of());
            int used = number(reply.get(0));
            if (used > 0) {
                found.add(new CoordinationInfo(Kind.SEMAPHORE, name, used, number(reply.get(1)), -1,
                        Long.parseLong(String.valueOf(reply.get(2))), ""));
            }
        }
        for (String name : names(scan, ns + ":" + RecipeKeys.ELECTION + ":")) {
            if (!name.startsWith(namePrefix)) {
                continue;
            }
            RedisElection.Leader leader = new RedisElection(backend, name, "").inspect();
            if (leader != null) {
                found.add(new CoordinationInfo(Kind.ELECTION, name, 1, 1, -1, leader.info().term(),
                        leader.info().payload()));
            }
        }
        found.sort(Comparator.comparing(CoordinationInfo::kind).thenComparing(CoordinationInfo::name));
        return found;
    }

    private static Set<String> names(Function<String, Set<String>> scan, String keyPrefix) {
        Set<String> names = new TreeSet<>();
        for (String key : scan.apply(keyPrefix + "{*}")) {
            String name = LockKeys.nameOf(key, keyPrefix);
            if (name != null) {
                names.add(name);
            }
        }
        return names;
    }

    private static int number(Object value) {
        return value instanceof Number ? ((Number) value).intValue() : Integer.parseInt(String.valueOf(value));
    }
}
