package dev.baton.lock.spi.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.spi.lifecycle.AbstractService.State;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The service lifecycle's transitions, with no server and no threads of its own. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AbstractServiceTest {

    /** A service that records what it was asked to do, and can be told to fail. */
    private static final class Recorder extends AbstractService {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        volatile RuntimeException startFailure;
        volatile RuntimeException stopFailure;
        volatile CountDownLatch startGate;
        final CountDownLatch startEntered = new CountDownLatch(1);

        Recorder() {
            super("recorder");
            addListener(new Listener() {
                @Override
                public void starting() {
                    events.add("starting");
                }

                @Override
                public void running() {
                    events.add("running");
                }

                @Override
                public void stopping() {
                    events.add("stopping");
                }

                @Override
                public void terminated(State from) {
                    events.add("terminated from " + from);
                }

                @Override
                public void failed(State from, Throwable cause) {
                    events.add("failed from " + from + ": " + cause.getMessage());
                }
            });
        }

        @Override
        protected void doStart() throws Exception {
            calls.add("doStart");
            startEntered.countDown();
            if (startGate != null) {
                startGate.await();
            }
            if (startFailure != null) {
                throw startFailure;
            }
        }

        @Override
        protected void doStop() {
            calls.add("doStop");
            if (stopFailure != null) {
                throw stopFailure;
            }
        }

        void failNow(String why) {
            notifyFailed(new IllegalStateException(why));
        }
    }

    @Test
    void aServiceRunsAfterStartAndTerminatesAfterStop() {
        Recorder service = new Recorder();
        assertThat(service.state()).isEqualTo(State.NEW);

        service.start();
        assertThat(service.state()).isEqualTo(State.RUNNING);
        assertThat(service.isRunning()).isTrue();
        service.checkRunning();

        service.stop();
        assertThat(service.state()).isEqualTo(State.TERMINATED);
        assertThat(service.isShutDown()).isTrue();
        assertThat(service.calls).containsExactly("doStart", "doStop");
        assertThat(service.events).containsExactly("starting", "running", "stopping", "terminated from STOPPING");
    }

    @Test
    void stopIsIdempotentAndStopsOnlyOnce() {
        Recorder service = new Recorder();
        service.start();
        service.stop();
        service.stop();
        assertThat(service.calls).containsExactly("doStart", "doStop");
        assertThat(service.state()).isEqualTo(State.TERMINATED);
    }

    @Test
    void aServiceStoppedBeforeItStartedTerminatesWithoutStopping() {
        Recorder service = new Recorder();
        service.stop();
        assertThat(service.state()).isEqualTo(State.TERMINATED);
        assertThat(service.calls).isEmpty();
        assertThat(service.events).containsExactly("terminated from NEW");
        assertThatThrownBy(service::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TERMINATED");
    }

    @Test
    void aServiceStartsOnlyOnce() {
        Recorder service = new Recorder();
        service.start();
        assertThatThrownBy(service::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("started before");
        assertThat(service.calls).containsExactly("doStart");
    }

    @Test
    void aFailedStartIsFailedCleansUpAndRethrows() {
        Recorder service = new Recorder();
        service.startFailure = new IllegalArgumentException("no root node");
        service.stopFailure = new IllegalStateException("cleanup failed too");

        assertThatThrownBy(service::start).isSameAs(service.startFailure);
        assertThat(service.state()).isEqualTo(State.FAILED);
        assertThat(service.failureCause()).isSameAs(service.startFailure);
        assertThat(service.failureCause().getSuppressed()).extracting(Throwable::getMessage)
                .containsExactly("cleanup failed too");
        assertThat(service.calls).containsExactly("doStart", "doStop");
        assertThat(service.events).containsExactly("starting", "failed from STARTING: no root node");
        service.stop();
        assertThat(service.state()).as("terminal").isEqualTo(State.FAILED);
        assertThat(service.calls).containsExactly("doStart", "doStop");
    }

    @Test
    void aRunningServiceThatFailsStopsOnceAndSaysWhyWhenUsed() {
        Recorder service = new Recorder();
        service.start();
        service.failNow("session gone for good");
        service.failNow("again");
        service.stop();

        assertThat(service.state()).isEqualTo(State.FAILED);
        assertThat(service.failureCause()).hasMessage("session gone for good");
        assertThat(service.calls).containsExactly("doStart", "doStop");
        assertThatThrownBy(service::checkRunning).isInstanceOf(IllegalStateException.class)
                .hasMessage("this recorder has failed: java.lang.IllegalStateException: session gone for good");
    }

    @Test
    void aFailingStopIsFailedAndDoesNotThrow() {
        Recorder service = new Recorder();
        service.start();
        service.stopFailure = new IllegalStateException("could not close");
        service.stop();
        assertThat(service.state()).isEqualTo(State.FAILED);
        assertThat(service.failureCause()).hasMessage("could not close");
        assertThat(service.events).endsWith("failed from STOPPING: could not close");
    }

    @Test
    void aStopDuringStartStopsTheServiceOnceItHasStarted() throws Exception {
        Recorder service = new Recorder();
        service.startGate = new CountDownLatch(1);
        CompletableFuture<Void> starting = CompletableFuture.runAsync(service::start);
        assertThat(service.startEntered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(service.state()).isEqualTo(State.STARTING);

        service.stop();
        assertThat(service.state()).as("stop returns at once while starting").isEqualTo(State.STARTING);
        service.startGate.countDown();
        starting.get(10, TimeUnit.SECONDS);

        assertThat(service.state()).isEqualTo(State.TERMINATED);
        assertThat(service.calls).containsExactly("doStart", "doStop");
    }

    @Test
    void misuseSaysWhatStateTheServiceIsIn() {
        Recorder service = new Recorder();
        assertThatThrownBy(service::checkRunning).hasMessage("this recorder is not started");
        assertThatThrownBy(service::failureCause).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has not failed");
        service.start();
        service.stop();
        assertThatThrownBy(service::checkRunning).hasMessage("this recorder is closed");
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheService() {
        Recorder service = new Recorder();
        AtomicInteger told = new AtomicInteger();
        service.addListener(new AbstractService.Listener() {
            @Override
            public void running() {
                told.incrementAndGet();
                throw new IllegalStateException("listener bug");
            }
        });
        service.start();
        assertThat(told).hasValue(1);
        assertThat(service.isRunning()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(State.class)
    void terminalStatesHaveNoWayOutAndOthersHaveOne(State state) {
        EnumSet<State> next = EnumSet.noneOf(State.class);
        for (State candidate : State.values()) {
            if (state.canMoveTo(candidate)) {
                next.add(candidate);
            }
        }
        assertThat(next.isEmpty()).isEqualTo(state.isTerminal());
        assertThat(next).doesNotContain(state);
    }

    @Test
    void theLegalTransitionsAreExactlyTheDocumentedOnes() {
        assertThat(legal()).containsExactlyInAnyOrder(
                "NEW->STARTING", "NEW->TERMINATED", "STARTING->RUNNING", "STARTING->FAILED",
                "RUNNING->STOPPING", "RUNNING->FAILED", "STOPPING->TERMINATED", "STOPPING->FAILED");
    }

    private static List<String> legal() {
        List<String> legal = new ArrayList<>();
        for (State from : State.values()) {
            for (State to : State.values()) {
                if (from.canMoveTo(to)) {
                    legal.add(from + "->" + to);
                }
            }
        }
        return legal;
    }
}
