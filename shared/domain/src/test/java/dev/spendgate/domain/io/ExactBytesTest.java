package dev.spendgate.domain.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExactBytesTest {
    @Test
    void write_randomWrites_keepsTheBytesAByteArrayOutputStreamKeeps() {
        SplittableRandom random = new SplittableRandom(7);
        for (int n = 0; n < 500; n++) {
            ExactBytes exact = new ExactBytes();
            ByteArrayOutputStream reference = new ByteArrayOutputStream();
            int writes = random.nextInt(5);
            for (int w = 0; w < writes; w++) {
                byte[] source = new byte[random.nextInt(3_000)];
                random.nextBytes(source);
                if (random.nextInt(4) == 0) {
                    exact.write(source.length == 0 ? 7 : source[0]);
                    reference.write(source.length == 0 ? 7 : source[0]);
                } else {
                    int off = source.length == 0 ? 0 : random.nextInt(source.length);
                    int len = random.nextInt(source.length - off + 1);
                    exact.write(source, off, len);
                    reference.write(source, off, len);
                }
            }
            assertThat(exact.toByteArray()).isEqualTo(reference.toByteArray());
        }
    }
}
