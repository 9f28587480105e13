package dev.baton.micrometer;

import dev.baton.txn.Outcome;
import dev.baton.txn.OutcomeUnknownException;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.TxnListener;
import dev.baton.txn.Vote;
import dev.baton.txn.participant.ParticipantHost;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Records two-phase commit in Micrometer meters. Give it to the builders:
 *
 * <pre>{@code
 * MicrometerTxnListener metrics = new MicrometerTxnListener(meterRegistry);
 * TransactionCoordinator coordinator = TransactionCoordinator.builder(curator).listener(metrics).start();
 * ParticipantHost host = ParticipantHost.builder(coordinator).listener(metrics).participant("orders", orders).start();
 * metrics.bindTo(coordinator);
 * metrics.bindTo(host);
 * }</pre>
 *
 * <table>
 * <caption>Meters; participant names are tagged (they are few and configured, unlike lock names)</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>meaning</th></tr>
 * <tr><td>{@value #COMMIT}</td><td>timer</td><td>{@code path}: distributed, in-process; {@code outcome}:
 *     committed, aborted, unknown, not-begun</td><td>callers' commits, by answer, and how long they waited</td></tr>
 * <tr><td>{@value #OUTCOMES}</td><td>counter</td><td>{@code path}; {@code state}: committed, aborted;
 *     {@code cause}: an {@link Outcome.Cause}, as all-prepared, refused, deadline, operator, rolled-back</td>
 *     <td>transactions ended, each counted once in the cluster</td></tr>
 * <tr><td>{@value #TAKEOVERS}</td><td>counter</td><td>{@code path}</td>
 *     <td>transactions this instance finished for another that began them</td></tr>
 * <tr><td>{@value #PREPARE}</td><td>timer</td><td>{@code participant}; {@code vote}: yes, no</td>
 *     <td>prepares of the participants hosted here</td></tr>
 * <tr><td>{@value #APPLY}</td><td>timer</td><td>{@code participant}; {@code decision}: commit, abort</td>
 *     <td>decisions applied by the participants hosted here</td></tr>
 * <tr><td>{@value #IN_DOUBT}</td><td>gauge</td><td>{@code participant}</td>
 *     <td>branches voted YES whose decision this host does not know yet ({@link #bindTo(ParticipantHost)})</td></tr>
 * <tr><td>{@value #IN_DOUBT_OLDEST}</td><td>gauge, seconds</td><td>{@code participant}</td>
 *     <td>how long the oldest of those has waited</td></tr>
 * <tr><td>{@value #OPEN}</td><td>gauge</td><td></td>
 *     <td>transactions begun and not yet collected that this coordinator follows ({@link #bindTo(TransactionCoordinator)})</td></tr>
 * </table>
 *
 * <p>Thread-safe; after the first event of a kind, an event costs a map look-up and no allocation of meters.
 */
public final class MicrometerTxnListener implements TxnListener {

    /** Timer of callers' commits. */
    public static final String COMMIT = "baton.txn.commit";
    /** Counter of ended transactions. */
    public static final String OUTCOMES = "baton.txn.outcomes";
    /** Counter of takeovers. */
    public static final String TAKEOVERS = "baton.txn.takeovers";
    /** Timer of participants' prepares. */
    public static final String PREPARE = "baton.txn.prepare";
    /** Timer of participants' commits and aborts. */
    public static final String APPLY = "baton.txn.apply";
    /** Gauge of in-doubt branches. */
    public static final String IN_DOUBT = "baton.txn.in-doubt";
    /** Gauge of the oldest in-doubt branch's age, in seconds. */
    public static final String IN_DOUBT_OLDEST = "baton.txn.in-doubt.oldest";
    /** Gauge of open transactions. */
    public static final String OPEN = "baton.txn.open";

    private final MeterRegistry registry;
    private final Map<Tags, Timer> timers = new ConcurrentHashMap<>();
    private final Map<Tags, Counter> counters = new ConcurrentHashMap<>();

    /** @throws NullPointerException if {@code registry} is null */
    public MicrometerTxnListener(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void commitEnded(Path path, @Nullable Outcome outcome, @Nullable TransactionException failure,
            Duration latency) {
        String answer = outcome != null ? word(outcome.state().name())
                : failure instanceof OutcomeUnknownException ? "unknown" : "not-begun";
        timer(COMMIT, Tags.of("path", word(path.name()), "outcome", answer)).record(latency);
    }

    @Override
    public void finished(Path path, Outcome outcome) {
        counter(OUTCOMES, Tags.of("path", word(path.name()), "state", word(outcome.state().name()), "cause",
                word(outcome.cause().name()))).increment();
    }

    @Override
    public void tookOver(Path path, String txnId) {
        counter(TAKEOVERS, Tags.of("path", word(path.name()))).increment();
    }

    @Override
    public void prepared(String participant, Vote vote, Duration took) {
        timer(PREPARE, Tags.of("participant", participant, "vote", vote.isYes() ? "yes" : "no")).record(took);
    }

    @Override
    public void applied(String participant, TransactionState decision, Duration took) {
        timer(APPLY, Tags.of("participant", participant, "decision",
                decision == TransactionState.COMMITTED ? "commit" : "abort")).record(took);
    }

    /**
     * Registers the in-doubt gauges of every participant {@code host} runs. The gauges hold the
     * host weakly: a closed and dropped host stops being measured.
     *
     * @return this listener
     */
    public MicrometerTxnListener bindTo(ParticipantHost host) {
        for (String participant : host.participants()) {
            Gauge.builder(IN_DOUBT, host, h -> h.inDoubt(participant).branches())
                    .tags("participant", participant).register(registry);
            Gauge.builder(IN_DOUBT_OLDEST, host, h -> h.inDoubt(participant).oldest().toMillis() / 1000.0)
                    .tags("participant", participant).baseUnit("seconds").register(registry);
        }
        return this;
    }

    /**
     * Registers the open-transactions gauge of {@code coordinator}, held weakly.
     *
     * @return this listener
     */
    public MicrometerTxnListener bindTo(TransactionCoordinator coordinator) {
        Gauge.builder(OPEN, coordinator, TransactionCoordinator::openTransactions).register(registry);
        return this;
    }

    private Timer timer(String name, Tags tags) {
        return timers.computeIfAbsent(tags.and("meter", name), k -> Timer.builder(name).tags(tags)
                .register(registry));
    }

    private Counter counter(String name, Tags tags) {
        return counters.computeIfAbsent(tags.and("meter", name), k -> Counter.builder(name).tags(tags)
                .register(registry));
    }

    private static String word(String enumName) {
        return enumName.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return "MicrometerTxnListener[" + registry.getClass().getSimpleName() + "]";
    }
}
