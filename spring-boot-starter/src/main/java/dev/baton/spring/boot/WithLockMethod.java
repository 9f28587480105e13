package dev.baton.spring.boot;

import dev.baton.lock.Lease;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.ParserContext;
import org.springframework.expression.common.CompositeStringExpression;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * One {@link WithLock} method, checked once: its name expression parsed (and every variable in it
 * matched to a parameter), its wait parsed, and the position of its {@link Lease} parameter found.
 *
 * <p>Immutable and thread-safe.
 */
final class WithLockMethod {

    private static final SpelExpressionParser PARSER = new SpelExpressionParser();
    private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

    private final Method method;
    private final Expression name;
    private final Duration wait;
    private final int leaseParameter;

    private WithLockMethod(Method method, Expression name, Duration wait, int leaseParameter) {
        this.method = method;
        this.name = name;
        this.wait = wait;
        this.leaseParameter = leaseParameter;
    }

    /**
     * Checks an annotated method.
     *
     * @throws IllegalStateException saying what is wrong and where
     */
    static WithLockMethod of(Method method) {
        WithLock annotation = AnnotatedElementUtils.findMergedAnnotation(method, WithLock.class);
        if (annotation == null) {
            throw new IllegalStateException(describe(method) + " has no @WithLock");
        }
        int modifiers = method.getModifiers();
        if (Modifier.isPrivate(modifiers) || Modifier.isStatic(modifiers) || Modifier.isFinal(modifiers)) {
            throw new IllegalStateException("@WithLock on " + describe(method) + " would never run: a "
                    + (Modifier.isPrivate(modifiers) ? "private" : Modifier.isStatic(modifiers) ? "static" : "final")
                    + " method is not called through the bean's proxy");
        }
        if (annotation.name().isBlank()) {
            throw new IllegalStateException("@WithLock on " + describe(method) + " has an empty name");
        }
        Expression expression;
        try {
            expression = PARSER.parseExpression(annotation.name(), ParserContext.TEMPLATE_EXPRESSION);
        } catch (ParseException e) {
            throw new IllegalStateException("@WithLock on " + describe(method) + " has an unparsable name '"
                    + annotation.name() + "': " + e.getMessage(), e);
        }
        checkVariables(method, expression, annotation.name());
        Duration wait = null;
        if (!annotation.maxWait().isBlank()) {
            try {
                wait = DurationStyle.detectAndParse(annotation.maxWait());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("@WithLock on " + describe(method) + " has a malformed maxWait '"
                        + annotation.maxWait() + "': expected a duration such as 5s, 250ms or PT1M", e);
            }
            if (wait.isNegative()) {
                throw new IllegalStateException("@WithLock on " + describe(method) + " has a negative maxWait");
            }
        }
        int leaseParameter = -1;
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            if (types[i] == Lease.class) {
                if (leaseParameter >= 0) {
                    throw new IllegalStateException("@WithLock on " + describe(method) + " has two Lease parameters");
                }
                leaseParameter = i;
            }
        }
        return new WithLockMethod(method, expression, wait, leaseParameter);
    }

    /** The lock name for one call. */
    String lockName(Object target, Object[] arguments) {
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(target, method, arguments, PARAMETER_NAMES);
        String value = name.getValue(context, String.class);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("@WithLock on " + describe(method) + " gave an empty lock name for"
                    + " these arguments");
        }
        return value;
    }

    /** How long to wait, or null to wait as long as it takes. */
    Duration waitTime() {
        return wait;
    }

    /** The position of the {@link Lease} parameter, or -1. */
    int leaseParameter() {
        return leaseParameter;
    }

    static String describe(Method method) {
        return method.getDeclaringClass().getName() + "." + method.getName() + "()";
    }

    /** A {@code #name} that is no parameter would only fail at the first call; say so now. */
    private static void checkVariables(Method method, Expression expression, String text) {
        Set<String> allowed = new HashSet<>(Set.of("root", "this"));
        String[] names = PARAMETER_NAMES.getParameterNames(method);
        for (int i = 0; i < method.getParameterCount(); i++) {
            allowed.add("p" + i);
            allowed.add("a" + i);
            if (names != null) {
                allowed.add(names[i]);
            }
        }
        List<String> used = new ArrayList<>();
        collectVariables(expression, used);
        for (String variable : used) {
            if (!allowed.contains(variable)) {
                throw new IllegalStateException("@WithLock on " + describe(method) + " uses #" + variable + " in '" + text
                        + "', but the method has no parameter of that name"
                        + (names == null ? " (its parameter names are not known: compile with -parameters, or use #p0)"
                                : " (parameters: " + String.join(", ", names) + "; or #p0, #a0)"));
            }
        }
    }

    private static void collectVariables(Expression expression, List<String> into) {
        if (expression instanceof CompositeStringExpression composite) {
            for (Expression part : composite.getExpressions()) {
                collectVariables(part, into);
            }
        } else if (expression instanceof SpelExpression spel) {
            collectVariables(spel.getAST(), into);
        }
    }

    private static void collectVariables(SpelNode node, List<String> into) {
        if (node instanceof VariableReference) {
            into.add(node.toStringAST().substring(1));
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            collectVariables(node.getChild(i), into);
        }
    }
}
