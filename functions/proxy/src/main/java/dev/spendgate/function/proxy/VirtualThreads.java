package dev.spendgate.function.proxy;

import java.util.concurrent.ThreadFactory;

/** Virtual threads when the JVM has them (Java 21+); this code is compiled for Java 17, so they are reached by name. */
public final class VirtualThreads {
    private VirtualThreads() {}

    /** {@code Thread.ofVirtual().name(prefix, 1).factory()}, or null before Java 21. */
    public static ThreadFactory factory(String namePrefix) {
        if (Runtime.version().feature() < 21) {
            return null;
        }
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> type = Class.forName("java.lang.Thread$Builder");
            builder = type.getMethod("name", String.class, long.class).invoke(builder, namePrefix, 1L);
            return (ThreadFactory) type.getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
