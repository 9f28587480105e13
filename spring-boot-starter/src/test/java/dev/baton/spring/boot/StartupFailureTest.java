package dev.baton.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.boot.misuse.Misuses;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** Configuration mistakes and {@code @WithLock} misuse fail start-up, with a message that says what is wrong. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartupFailureTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BatonAutoConfiguration.class));

    @Test
    void aMisspelledKeyFailsWithTheKeyItMeant() {
        runner.withPropertyValues("baton.backend=zookeeper", "baton.zookeeper.conect=127.0.0.1:2181").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("unknown configuration key 'baton.zookeeper.conect'").contains("did you mean 'baton.zookeeper.connect'?");
        });
    }

    @Test
    void aMisspelledKeyFailsEvenWithoutABackend() {
        runner.withPropertyValues("baton.lock.leas-time=5s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("did you mean 'baton.lock.lease-time'?");
        });
    }

    @Test
    void aMissingKeyFailsNamingIt() {
        runner.withPropertyValues("baton.backend=zookeeper").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("configuration key baton.zookeeper.connect is required");
        });
    }

    @Test
    void aMalformedValueFailsNamingTheKey() {
        runner.withPropertyValues("baton.backend=zookeeper", "baton.zookeeper.connect=127.0.0.1:2181",
                "baton.zookeeper.session-timeout=soon").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(messages(context.getStartupFailure())).contains("baton.zookeeper.session-timeout has a malformed value 'soon'");
                });
    }

    @Test
    void nothingConfiguredMeansNoLockClientAndNoFailure() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(dev.baton.lock.LockClient.class);
        });
    }

    @Test
    void keysAreReadInSpringsRelaxedFormsWithSpringsPrecedence() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("app", Map.of(
                "baton.zookeeper.sessionTimeout", "7s", "baton.backend", "zookeeper")));
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("env", Map.of(
                "BATON_ZOOKEEPER_CONNECT", "zk:2181", "BATON_BACKEND", "redis", "BATON_FENCING_TOKEN", "17")));
        BatonSettings settings = BatonSettings.from(environment);
        assertThat(settings.asMap()).containsEntry("baton.zookeeper.session-timeout", "7s")
                .containsEntry("baton.zookeeper.connect", "zk:2181")
                .containsEntry("baton.backend", "redis")
                .doesNotContainKey("BATON_FENCING_TOKEN");
    }

    @Test
    void withLockOnAClassThatIsNoBeanFailsStartUp() {
        runner.withUserConfiguration(Misuses.WithLockClient.class)
                .withInitializer(context -> AutoConfigurationPackages.register(
                        (BeanDefinitionRegistry) context.getBeanFactory(), "dev.baton.spring.boot.misuse.stray"))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(messages(context.getStartupFailure())).contains("@WithLock would never run on dev.baton.spring.boot.misuse.stray.Stray");
                });
    }

    @Test
    void withLockWithAnUnparsableNameFailsStartUp() {
        failsWith(Misuses.BadExpressionBean.class, "has an unparsable name 'orders/#{#order.}'");
    }

    @Test
    void withLockNamingNoParameterFailsStartUp() {
        failsWith(Misuses.UnknownVariableBean.class, "uses #ordr in 'orders/#{#ordr.id}', but the method has no parameter"
                + " of that name (parameters: order");
    }

    @Test
    void withLockOnAPrivateMethodFailsStartUp() {
        failsWith(Misuses.PrivateMethodBean.class, "a private method is not called through the bean's proxy");
    }

    @Test
    void withLockOnAStaticOrFinalMethodFailsStartUp() {
        failsWith(Misuses.StaticMethodBean.class, "a static method is not called through the bean's proxy");
        failsWith(Misuses.FinalMethodBean.class, "a final method is not called through the bean's proxy");
    }

    @Test
    void withLockWithAMalformedWaitFailsStartUp() {
        failsWith(Misuses.BadWaitBean.class, "has a malformed maxWait 'soon'");
    }

    @Test
    void withLockWithoutALockClientFailsStartUp() {
        runner.withUserConfiguration(Misuses.BadWaitBean.class).run(context -> {
            assertThat(context).hasFailed();
        });
        runner.withBean(Misuses.UnknownVariable.class).run(context -> assertThat(context).hasFailed());
        runner.withBean("ok", OkService.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("needs a LockClient bean: set baton.backend");
        });
    }

    private void failsWith(Class<?> configuration, String message) {
        runner.withUserConfiguration(Misuses.WithLockClient.class, configuration).run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains(message);
        });
    }

    /** The messages of an exception and all its causes, for a check that does not care at which level. */
    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    /** A well-formed use, in an application with no lock client. */
    public static class OkService {
        @WithLock(name = "ok")
        public void work() {
        }
    }
}
