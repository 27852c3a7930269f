package dev.spendgate.bench;

import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.testing.aws.LocalS3;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What reading one stored day aggregate three times costs over the S3 wire protocol (s3proxy in this JVM, loopback):
 * three GETs, each streamed to its end (the window run opening the object again for each pass), against one GET
 * streamed to a temporary file and the file read three times (the run's way). Only the bytes are read (no gunzip,
 * no JSON): the difference between the two is what the choice costs.
 *
 * <pre>
 *   StoredDayRead FILE [rounds]   e.g. /tmp/spendgate-scale-bench/window-caps/aggregates/v1/day=2026-10-15/waste.json.gz
 * </pre>
 */
public final class StoredDayRead {
    private StoredDayRead() {}

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (LocalS3 s3 = LocalS3.start()) {
            ObjectStore store = new S3ObjectStore(s3.client(), s3.createUniqueBucket("days"));
            String key = "aggregates/v1/day=2026-10-15/waste.json.gz";
            store.put(key, Files.readAllBytes(file));
            System.out.printf("object %d bytes%n", Files.size(file));
            for (int round = 1; round <= rounds; round++) {
                long t0 = System.nanoTime();
                long reopened = 0;
                for (int pass = 0; pass < 3; pass++) {
                    try (InputStream in = store.open(key).orElseThrow()) {
                        reopened += in.transferTo(OutputStream.nullOutputStream());
                    }
                }
                long t1 = System.nanoTime();
                Path spool = Files.createTempFile("spendgate-bench-", ".spool");
                long spooled = 0;
                try {
                    try (InputStream in = store.open(key).orElseThrow();
                            OutputStream out = Files.newOutputStream(spool)) {
                        in.transferTo(out);
                    }
                    long t2 = System.nanoTime();
                    for (int pass = 0; pass < 3; pass++) {
                        try (InputStream in = Files.newInputStream(spool)) {
                            spooled += in.transferTo(OutputStream.nullOutputStream());
                        }
                    }
                    long t3 = System.nanoTime();
                    System.out.printf(
                            "RESULT round=%d reopen_3_gets_s=%.3f spool_1_get_s=%.3f spool_3_file_reads_s=%.3f"
                                    + " spool_total_s=%.3f bytes=%d/%d%n",
                            round,
                            (t1 - t0) / 1e9,
                            (t2 - t1) / 1e9,
                            (t3 - t2) / 1e9,
                            (t3 - t1) / 1e9,
                            reopened,
                            spooled);
                } finally {
                    Files.deleteIfExists(spool);
                }
            }
        }
    }
}
