package dev.baton.spring.boot;

import dev.baton.lock.LockClient;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.util.ClassUtils;

/**
 * Puts {@link WithLock} methods behind a proxy, and finds misuse at start-up: each annotated
 * method is checked when its bean is created ({@link WithLockMethod#of}), a bean with one needs a
 * {@link LockClient} bean (which it is then made to depend on, so that the client closes after it),
 * and once every singleton exists, the application's packages are scanned for annotated classes
 * that are no bean at all, whose annotations would silently do nothing.
 */
final class WithLockPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor
        implements SmartInitializingSingleton {

    private static final long serialVersionUID = 1L;

    private transient ConfigurableListableBeanFactory beans;
    private final Set<Class<?>> annotatedBeanTypes = ConcurrentHashMap.newKeySet();
    private volatile LockClient lockClient;

    WithLockPostProcessor() {
        setBeforeExistingAdvisors(true);
        setProxyTargetClass(true);
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        this.beans = (ConfigurableListableBeanFactory) beanFactory;
        this.advisor = new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, WithLock.class, true),
                new WithLockInterceptor(this::lockClient));
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> type = ClassUtils.getUserClass(AopUtils.getTargetClass(bean));
        Map<Method, WithLock> annotated = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<WithLock>) m -> AnnotatedElementUtils.findMergedAnnotation(m, WithLock.class));
        if (annotated.isEmpty()) {
            return bean;
        }
        annotated.keySet().forEach(WithLockMethod::of);
        String[] clients = beans.getBeanNamesForType(LockClient.class, false, false);
        if (clients.length == 0) {
            throw new IllegalStateException("@WithLock on " + WithLockMethod.describe(annotated.keySet().iterator().next())
                    + " needs a LockClient bean: set baton.backend and its keys (baton.zookeeper.connect, baton.redis.uri,"
                    + " ...), or define a LockClient bean");
        }
        beans.registerDependentBean(clients[0], beanName);
        annotatedBeanTypes.add(type);
        return super.postProcessAfterInitialization(bean, beanName);
    }

    private LockClient lockClient() {
        LockClient client = lockClient;
        if (client == null) {
            client = beans.getBean(LockClient.class);
            lockClient = client;
        }
        return client;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (!AutoConfigurationPackages.has(beans)) {
            return;
        }
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false) {
            @Override
            protected boolean isCandidateComponent(AnnotatedBeanDefinition definition) {
                return definition.getMetadata().isIndependent();
            }
        };
        ClassLoader classLoader = beans.getBeanClassLoader();
        scanner.setResourceLoader(new DefaultResourceLoader(classLoader));
        scanner.addIncludeFilter((reader, factory) -> reader.getAnnotationMetadata().hasAnnotatedMethods(WithLock.class.getName()));
        List<String> strays = new ArrayList<>();
        for (String basePackage : AutoConfigurationPackages.get(beans)) {
            for (var candidate : scanner.findCandidateComponents(basePackage)) {
                Class<?> type = ClassUtils.resolveClassName(candidate.getBeanClassName(), classLoader);
                if (!isBeanType(type)) {
                    strays.add(type.getName());
                }
            }
        }
        if (!strays.isEmpty()) {
            throw new IllegalStateException("@WithLock would never run on " + String.join(", ", strays)
                    + ": no Spring bean is of that class, and the annotation works only on beans called through"
                    + " their proxy. Make it a bean (@Component, @Service, a @Bean method) or remove the annotation");
        }
    }

    private boolean isBeanType(Class<?> type) {
        for (Class<?> bean : annotatedBeanTypes) {
            if (type.isAssignableFrom(bean)) {
                return true;
            }
        }
        return beans.getBeanNamesForType(type, true, false).length > 0;
    }
}
