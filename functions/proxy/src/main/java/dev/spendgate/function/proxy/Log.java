package dev.spendgate.function.proxy;

import dev.spendgate.logging.JsonLogger;
import java.util.Locale;

/**
 * The proxy's short-hand for {@link JsonLogger} (service {@code proxy}): JSON lines on standard error with the request
 * id, in the same shape as every other Spendgate function. A call without an event name gets one from its call site
 * ({@code proxy.<class>.<method>} in snake case, e.g. {@code proxy.gateway_runtime.sweep_quietly}), so a log search can
 * group lines by where they come from. Never pass prompts, completions or keys here.
 */
public final class Log {
    static final JsonLogger LOG = JsonLogger.create("proxy");

    private static final StackWalker CALLER = StackWalker.getInstance();

    private Log() {}

    public static void info(String requestId, String message) {
        LOG.info(callSite()).requestId(requestId).log(message);
    }

    public static void warn(String requestId, String message) {
        LOG.warn(callSite()).requestId(requestId).log(message);
    }

    public static void error(String requestId, String message, Throwable error) {
        LOG.error(callSite()).requestId(requestId).error(error).log(message);
    }

    /** The shared logger itself, for lines with a stable event name, a duration and named fields. */
    public static JsonLogger logger() {
        return LOG;
    }

    /** {@code proxy.<caller class>.<caller method>}: two frames up, past this class. */
    private static String callSite() {
        return CALLER.walk(frames -> frames.skip(2)
                .findFirst()
                .map(f -> "proxy." + snake(simpleName(f.getClassName())) + "." + snake(method(f.getMethodName())))
                .orElse("proxy.log"));
    }

    private static String simpleName(String className) {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        // a nested class names itself: GatewayRuntime$LoggingFlushListener -> LoggingFlushListener
        String[] parts = simple.split("\\$");
        for (int i = parts.length - 1; i >= 0; i--) {
            if (!parts[i].isEmpty() && !Character.isDigit(parts[i].charAt(0))) {
                return parts[i];
            }
        }
        return simple;
    }

    private static String method(String name) {
        // lambda$start$0 -> start
        if (name.startsWith("lambda$")) {
            String inner = name.substring("lambda$".length());
            int dollar = inner.indexOf('$');
            return dollar < 0 ? inner : inner.substring(0, dollar);
        }
        return name;
    }

    static String snake(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 8);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                boolean wordStart = i > 0
                        && (!Character.isUpperCase(camel.charAt(i - 1))
                                || (i + 1 < camel.length() && Character.isLowerCase(camel.charAt(i + 1))));
                if (wordStart) {
                    out.append('_');
                }
                out.append(Character.toLowerCase(c));
            } else if (Character.isLetterOrDigit(c)) {
                out.append(c);
            } else {
                out.append('_');
            }
        }
        String s = out.toString().toLowerCase(Locale.ROOT).replaceAll("_+", "_");
        s = s.replaceAll("^_|_$", "");
        return s.isEmpty() ? "unknown" : s;
    }
}
