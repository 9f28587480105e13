package dev.baton.spring.boot.txn;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the {@link dev.baton.txn.participant.Participant} bean it is on (a class, or a {@code @Bean} method)
 * for the auto-configured {@link dev.baton.txn.participant.ParticipantHost}: coordinators address it by this
 * name. Without it the bean's name is used. Names are 1 to 48 characters of {@code [A-Za-z0-9_.-]},
 * not starting with '.'.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface BatonParticipant {

    /** The participant's name. */
    String value();
}
