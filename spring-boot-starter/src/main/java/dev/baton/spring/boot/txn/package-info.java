/**
 * The Spring Boot starter's transaction side: {@link dev.baton.spring.boot.txn.BatonTransactionAutoConfiguration}
 * and {@link dev.baton.spring.boot.txn.BatonParticipant}.
 */
package dev.baton.spring.boot.txn;
