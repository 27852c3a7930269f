package dev.spendgate.function.proxy.local;

import java.lang.reflect.Field;
import org.eclipse.jetty.http2.parser.HeaderParser;
import org.eclipse.jetty.http2.parser.Parser;

/**
 * Whether an HTTP/2 connection's parser is inside a request head: a HEADERS frame, or the CONTINUATION frames after
 * it, begun ({@link Parser#getBeginNanoTime()}) and not yet whole. Jetty notes when a frame began but says neither
 * whether it ended nor what it is, so this reads two of the parser's private fields: whether its begin time stands for
 * a frame still being read ({@code nanoTimeStored}, cleared once a frame and its continuations are whole) and its frame
 * header parser, whose type is that of the frame being read (0, DATA, until its 9-byte header is whole). Read from the
 * guard's sweep without a lock: a stale value only delays a close by a sweep, as the guard closes a head only once two
 * sweeps saw it unfinished with the same begin time.
 *
 * <p>When Jetty's fields are not there (another Jetty version; {@code H2HeadProbeTest} fails then): without the first,
 * only header blocks continued in CONTINUATION frames are watched, as the guard did before; without the second, every
 * unfinished frame counts as a head.
 */
final class H2HeadProbe {
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;

    private static final Field IN_FRAME = field("nanoTimeStored");
    private static final Field HEADER_PARSER = field("headerParser");

    private H2HeadProbe() {}

    /** Whether {@code parser} is inside a request head's frames, begun at its {@link Parser#getBeginNanoTime()}. */
    static boolean inHead(Parser parser) {
        if (IN_FRAME == null) {
            return false; // without it, only CONTINUATION frames are watched (ConnectionGuard)
        }
        try {
            if (!IN_FRAME.getBoolean(parser)) {
                return false;
            }
            if (HEADER_PARSER == null) {
                return true;
            }
            int type = ((HeaderParser) HEADER_PARSER.get(parser)).getFrameType();
            return type == HEADERS || type == CONTINUATION;
        } catch (IllegalAccessException | RuntimeException e) {
            return false;
        }
    }

    /** Whether Jetty's parser has the fields this reads (tests: a Jetty upgrade that renames them fails loudly). */
    static boolean available() {
        return IN_FRAME != null && HEADER_PARSER != null;
    }

    private static Field field(String name) {
        try {
            Field f = Parser.class.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
