package dev.baton.spring.boot;

import dev.baton.lock.LockClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The {@code /actuator/baton} endpoint, when Actuator is present and the endpoint is exposed. */
@AutoConfiguration(after = BatonAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnAvailableEndpoint(BatonEndpoint.class)
public class BatonEndpointAutoConfiguration {

    /** The endpoint. */
    @Bean
    @ConditionalOnMissingBean
    public BatonEndpoint batonEndpoint(ObjectProvider<LockClient> locks, ObjectProvider<BatonEndpointContributor> contributors) {
        return new BatonEndpoint(locks, contributors);
    }
}
