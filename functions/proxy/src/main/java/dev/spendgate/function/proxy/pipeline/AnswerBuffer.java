package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.function.proxy.http.BodyMemory;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a provider's non-streamed answer whole (its usage is read and its record made durable before it is relayed),
 * holding what passes {@link BodyMemory#SMALL_BODY_BYTES} on the call's share of the body memory pool. An answer
 * larger than the pool can give (a misbehaving self-hosted server sending gigabytes) then fails this call alone,
 * instead of running the process out of memory with every other call in it. The batch API reads its provider answers
 * (results files among them) the same way.
 */
public final class AnswerBuffer {
    /** The first buffer, doubled as the answer fills it: most answers are a few KB. */
    private static final int FIRST = 8 * 1024;

    private AnswerBuffer() {}

    /** The answer grew past what the pool could give this call. */
    public static final class TooLarge extends Exception {
        public final long bytesRead;

        TooLarge(long bytesRead) {
            super(null, null, false, false);
            this.bytesRead = bytesRead;
        }
    }

    /** All of {@code in}; the array's growth (and the copy it makes) is held on {@code lease}. */
    public static byte[] read(InputStream in, BodyMemory.Lease lease) throws IOException, TooLarge {
        byte[] buffer = new byte[FIRST];
        int size = 0;
        long held = BodyMemory.SMALL_BODY_BYTES; // free: ordinary answers never touch the pool
        while (true) {
            if (size == buffer.length) {
                int grown = buffer.length * 2;
                if (grown < 0) {
                    throw new TooLarge(size);
                }
                // the new array and the old one live together while the copy is made
                long need = (long) grown + buffer.length;
                if (need > held) {
                    if (!lease.take(need - held)) {
                        throw new TooLarge(size);
                    }
                    held = need;
                }
                buffer = Arrays.copyOf(buffer, grown);
            }
            int n = in.read(buffer, size, buffer.length - size);
            if (n < 0) {
                return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
            }
            size += n;
        }
    }
}
