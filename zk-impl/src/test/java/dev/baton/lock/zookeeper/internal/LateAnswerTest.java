package dev.baton.lock.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Weak spot 14 (RELIABILITY.md): an answer ZooKeeper delivers on its send thread (its event thread
 * has ended) must not run there, where it would hold the client's outgoing-queue lock while it
 * waits for ours. The shape of K27's deadlock, rebuilt with plain monitors: a thread named as
 * ZooKeeper names its send thread holds "the queue" and delivers an answer that needs "the
 * attempt", which another thread holds while it waits for "the queue".
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LateAnswerTest {

    @Test
    void anAnswerOnTheSendThreadRunsElsewhereSoItCannotDeadlockTheClient() throws Exception {
        Object queue = new Object();
        Object attempt = new Object();
        CountDownLatch attemptHeld = new CountDownLatch(1);
        CountDownLatch queueHeld = new CountDownLatch(1);
        CompletableFuture<String> answeredOn = new CompletableFuture<>();

        Thread sender = new Thread(() -> {
            synchronized (queue) {
                queueHeld.countDown();
                await(attemptHeld);
                CuratorSession.answer(() -> {
                    synchronized (attempt) {
                        answeredOn.complete(Thread.currentThread().getName());
                    }
                });
            }
        }, "main-SendThread(127.0.0.1:2181)");
        Thread caller = new Thread(() -> {
            synchronized (attempt) {
                attemptHeld.countDown();
                await(queueHeld);
                synchronized (queue) { // as queuePacket does: waits until the send thread lets go
                    assertThat(Thread.holdsLock(queue)).isTrue();
                }
            }
        }, "caller");
        assertThat(CuratorSession.isSendThread(sender)).isTrue();
        sender.setDaemon(true); // were they to deadlock, they must not keep the test JVM alive
        caller.setDaemon(true);
        sender.start();
        caller.start();

        assertThat(answeredOn.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .isEqualTo("baton-zk-late-answers");
        sender.join(Timing.scaledMillis(10_000));
        caller.join(Timing.scaledMillis(10_000));
        assertThat(sender.isAlive() || caller.isAlive()).as("a thread is still blocked").isFalse();
    }

    @Test
    void anAnswerOnAnyOtherThreadRunsInPlace() {
        Thread here = Thread.currentThread();
        Thread[] ranOn = new Thread[1];
        CuratorSession.answer(() -> ranOn[0] = Thread.currentThread());
        assertThat(ranOn[0]).isSameAs(here);
        assertThat(CuratorSession.isSendThread(new Thread(() -> { }, "main-EventThread"))).isFalse();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
