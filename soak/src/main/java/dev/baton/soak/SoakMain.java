package dev.baton.soak;

import dev.baton.soak.check.CheckResult;
import dev.baton.soak.check.Checker;
import dev.baton.soak.check.TransferChecker;
import dev.baton.soak.check.Violation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar soak/target/baton-soak.jar [options]}: the long soak, or a self-test, or a check
 * of a saved history. Exit code 0 when no safety violation was found (a self-test: when one was).
 */
@Command(name = "baton-soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fault-injection soak of Baton's locks: worker JVMs, a fenced resource, a nemesis, a checker.",
        footer = {"", "Examples:",
                "  java -jar soak/target/baton-soak.jar --backend zookeeper --injections 1000",
                "  java -jar soak/target/baton-soak.jar --backend redis --faults redis-restart,worker-pause --injections 50",
                "  java -jar soak/target/baton-soak.jar --backend redis --self-test resource --faults worker-pause --injections 5",
                "  java -jar soak/target/baton-soak.jar --backend xa --injections 50",
                "  java -jar soak/target/baton-soak.jar --backend xa --self-test 2pc --injections 2",
                "  java -jar soak/target/baton-soak.jar --check target/soak/zookeeper/history.log"})
public final class SoakMain implements Callable<Integer> {

    /** The arguments as given, for the report's command line. */
    private final List<String> rawArgs = new ArrayList<>();

    @Option(names = "--backend", split = ",", description = "zookeeper, redis, redisson, redis-sentinel, redis-cluster,"
            + " or for 2PC, transfers between two PostgreSQL databases: xa (the in-process XA path) or 2pc (the"
            + " distributed path: coordinator and participant-host JVMs) (several, comma-separated, run one after the other). Default: zookeeper,redis,redis-sentinel,redis-cluster")
    private List<String> backends = List.of("zookeeper", "redis", "redis-sentinel", "redis-cluster");

    @Option(names = "--faults", split = ",", description = "fault kinds, one phase each, in order (default: all that apply): "
            + "worker-pause, worker-kill, worker-partition, zk-server-kill, zk-leader-kill, zk-leader-pause, zk-quorum-loss,"
            + " redis-pause,"
            + " redis-restart, sentinel-failover, cluster-failover; for xa: coordinator-kill, coordinator-pause,"
            + " zk-leader-kill (its default), zk-server-kill, zk-leader-pause, zk-quorum-loss; for 2pc also participant-kill,"
            + " participant-pause")
    private List<String> faults = List.of();

    @Option(names = "--injections", description = "injections per fault kind (default: ${DEFAULT-VALUE})")
    private int injections = 20;

    @Option(names = "--duration", description = "at most this long per fault kind, e.g. 30m (default: ${DEFAULT-VALUE})")
    private String duration = "24h";

    @Option(names = "--workers", description = "worker JVMs (default: ${DEFAULT-VALUE})")
    private int workers = 3;

    @Option(names = "--locks", description = "lock names the workers share (default: ${DEFAULT-VALUE})")
    private int locks = 2;

    @Option(names = "--writes", description = "writes per critical section (default: ${DEFAULT-VALUE})")
    private int writes = 20;

    @Option(names = "--hold", description = "work between a validity check and its write, in ms (default: ${DEFAULT-VALUE})")
    private long hold = 100;

    @Option(names = "--horizon", description = "ZooKeeper session timeout / Redis lease time (default: ${DEFAULT-VALUE})")
    private String horizon = "2s";

    @Option(names = "--quiet", description = "time without faults after grants resumed, before the next fault"
            + " (default: ${DEFAULT-VALUE})")
    private String quiet = "2s";

    @Option(names = "--zk-lost-on", description = "baton.zookeeper.lost-on: suspended or session-lost (default: ${DEFAULT-VALUE})")
    private String lostOn = "suspended";

    @Option(names = "--zk-list-client-addresses", description = "ZooKeeper servers' configuration lists client addresses")
    private boolean listClientAddresses;

    @Option(names = "--client", description = "a baton.* key for every worker, over the harness's own, e.g."
            + " --client baton.redis.timeout=3s (repeatable)")
    private java.util.Map<String, String> clientOverrides = new java.util.LinkedHashMap<>();

    @Option(names = "--accounts", description = "xa, 2pc: accounts in each bank (default: ${DEFAULT-VALUE})")
    private int accounts = 50;

    @Option(names = "--recovery-grace", description = "xa: the workers' XA recovery grace; 2pc: the hosts' abort grace (default: ${DEFAULT-VALUE})")
    private String recoveryGrace = "1s";

    @Option(names = {"--self-test", "--break"}, description = "break on purpose: resource, lock or lost (locks), 2pc (xa only)"
            + " (default: none)")
    private String selfTest = "none";

    @Option(names = "--out", description = "directory for histories, logs and the report (default: target/soak-<time>)")
    private Path out;

    @Option(names = "--report", description = "append the Markdown report to this file too")
    private Path report;

    @Option(names = "--check", description = "only check a saved history.log and print its report")
    private Path check;

    /** Entry point. */
    public static void main(String[] args) {
        // The harness's own clients (the 2PC run's final recovery) would log every connection at INFO.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        SoakMain main = new SoakMain();
        main.rawArgs.addAll(Arrays.asList(args));
        System.exit(new CommandLine(main).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String command = "java -jar soak/target/baton-soak.jar " + String.join(" ", rawArgs);
        if (check != null) {
            List<String> lines = Files.readAllLines(check, StandardCharsets.UTF_8);
            boolean transfers = lines.contains("RUN\tbackend\t" + Soak.XA) || lines.contains("RUN\tbackend\t" + Soak.TWO_PC);
            CheckResult result = transfers ? TransferChecker.check(lines)
                    : Checker.check(lines);
            SoakOptions options = SoakOptions.defaults(result.run().getOrDefault("backend", "?"), List.of(), check.getParent());
            String md = Report.markdown(new Soak.Result(options, result, result.run().getOrDefault("servers", "?"), 0, check),
                    command);
            System.out.println(md);
            return result.violations().isEmpty() ? 0 : 1;
        }
        Path root = out != null ? out : Path.of("target", "soak-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        SoakOptions.SelfTest test = SoakOptions.SelfTest.of(selfTest);
        int exit = 0;
        for (String backend : backends) {
            List<FaultKind> kinds = faults.stream().map(FaultKind::of).toList();
            SoakOptions options = SoakOptions.defaults(backend, kinds, root.resolve(backend))
                    .withInjections(injections).withMaxPhase(parse(duration)).withWorkers(workers).withLocks(locks)
                    .withHorizon(parse(horizon)).withLostOn(lostOn).withListClientAddresses(listClientAddresses)
                    .withSelfTest(test).withSections(writes, hold)
                    .withClientOverrides(clientOverrides).withQuiet(parse(quiet))
                    .withAccounts(accounts).withRecoveryGrace(parse(recoveryGrace));
            Soak.Result result = Soak.run(options, line -> System.out.println("[" + backend + "] " + line));
            String md = Report.markdown(result, command);
            System.out.println(md);
            Files.writeString(root.resolve(backend).resolve("report.md"), md, StandardCharsets.UTF_8);
            if (report != null) {
                Files.writeString(report, md + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
            List<Violation> violations = result.check().violations();
            boolean ok = test == SoakOptions.SelfTest.NONE ? violations.isEmpty() : !violations.isEmpty();
            if (!ok) {
                exit = 1;
            }
        }
        return exit;
    }

    private static Duration parse(String text) {
        String t = text.trim().toLowerCase();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("a duration like 500ms, 30s, 10m or 2h: " + text);
        };
    }
}
