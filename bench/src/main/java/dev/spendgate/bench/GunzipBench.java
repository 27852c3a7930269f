package dev.spendgate.bench;

import dev.spendgate.domain.io.GzipMembers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * How fast the usage-log reader's gzip decoder ({@link GzipMembers}) decompresses a stored object, beside the JDK's
 * {@link GZIPInputStream} on the same bytes: each round reads the object once with each, alternating which goes first,
 * into the 8,192-char reads a {@code BufferedReader} makes. Prints MB/s of decompressed output.
 *
 * <pre>
 *   GunzipBench FILE.ndjson.gz [rounds]
 * </pre>
 */
public final class GunzipBench {
    private GunzipBench() {}

    public static void main(String[] args) throws IOException {
        byte[] object = Files.readAllBytes(Path.of(args[0]));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        System.out.printf("object %d bytes%n", object.length);
        for (int round = 1; round <= rounds; round++) {
            boolean membersFirst = round % 2 == 1;
            long[] members = new long[2];
            long[] jdk = new long[2];
            for (int turn = 0; turn < 2; turn++) {
                boolean doMembers = (turn == 0) == membersFirst;
                long t0 = System.nanoTime();
                long bytes = doMembers
                        ? drain(new GzipMembers(new ByteArrayInputStream(object), 16384))
                        : drain(new GZIPInputStream(new ByteArrayInputStream(object), 16384));
                long[] into = doMembers ? members : jdk;
                into[0] = System.nanoTime() - t0;
                into[1] = bytes;
            }
            if (members[1] != jdk[1]) {
                throw new IllegalStateException("decoders disagree: " + members[1] + " != " + jdk[1] + " bytes");
            }
            System.out.printf(
                    "RESULT round=%d first=%s bytes=%d gzip_members_s=%.3f (%.0f MB/s) jdk_s=%.3f (%.0f MB/s)%n",
                    round,
                    membersFirst ? "members" : "jdk",
                    members[1],
                    members[0] / 1e9,
                    members[1] / 1e6 / (members[0] / 1e9),
                    jdk[0] / 1e9,
                    jdk[1] / 1e6 / (jdk[0] / 1e9));
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] chunk = new byte[8192];
        long total = 0;
        try (in) {
            for (int n = in.read(chunk); n != -1; n = in.read(chunk)) {
                total += n;
            }
        }
        return total;
    }
}
