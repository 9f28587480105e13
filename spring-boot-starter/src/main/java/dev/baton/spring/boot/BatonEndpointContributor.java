package dev.baton.spring.boot;

/**
 * A section of the {@code /actuator/baton} endpoint. The transaction auto-configuration adds one,
 * so the endpoint itself knows nothing of transactions.
 */
public interface BatonEndpointContributor {

    /** The section's key in the endpoint's answer. */
    String section();

    /** The section's content: maps, lists, strings and numbers only. */
    Object describe();
}
