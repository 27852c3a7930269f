package dev.spendgate.domain.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fingerprints computed a chunk at a time (no copy of the texts as bytes or chars, the request as its digest) are
 * the values the copying implementation wrote to usage logs: waste detection compares them with logged ones.
 */
class PromptFingerprintsCopyFreeTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void compute_randomTexts_equalsTheCopyingImplementation() throws Exception {
        SplittableRandom random = new SplittableRandom(13);
        for (int n = 0; n < 3_000; n++) {
            String system = random.nextInt(4) == 0 ? (random.nextBoolean() ? null : "") : text(random);
            String prefix = random.nextInt(4) == 0 ? (random.nextBoolean() ? null : "") : text(random);
            String full = random.nextInt(3) == 0 || prefix == null ? text(random) : prefix + text(random);
            byte[] request = text(random).getBytes(StandardCharsets.UTF_8);
            String varying = prefix == null || prefix.isEmpty() || !full.startsWith(prefix)
                    ? full
                    : full.substring(prefix.length()); // as PromptText.varying()
            Fingerprints expected = Reference.compute(system, prefix, request, full, varying);

            assertThat(PromptFingerprints.compute(system, prefix, request, full, varying))
                    .as("text %d", n)
                    .isEqualTo(expected);
            assertThat(PromptFingerprints.ofRequestDigest(
                            system, prefix, MessageDigest.getInstance("SHA-256").digest(request), full))
                    .as("text %d", n)
                    .isEqualTo(expected);
            assertThat(PromptFingerprints.compute(system, prefix, request, full))
                    .isEqualTo(Reference.compute(system, prefix, request, full, null));
            assertThat(PromptFingerprints.simhash(full)).isEqualTo(Reference.simhash(full));
            assertThat(Sha256.digestUtf8(full))
                    .isEqualTo(MessageDigest.getInstance("SHA-256").digest(full.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void ofRequestDigest_systemAndVaryingPartInsideThePrompt_equalsTheSketchesOfEachTextAlone() throws Exception {
        // The prompt as PromptText builds it (the system prompt after a role label or at the start, the prefix a
        // leading part): the sketches of the system prompt and the varying part come from the prompt's one scan
        // when they sit at word boundaries in it, and must equal the sketches of each text scanned alone.
        SplittableRandom random = new SplittableRandom(29);
        String[] labels = {"", "system: ", "developer: ", "s: ", "system", "x", "systemsystemsystem: "};
        for (int n = 0; n < 3_000; n++) {
            String system = random.nextInt(10) == 0 ? "" : text(random);
            if (random.nextBoolean()) {
                system = system + "\n";
            }
            String full = labels[random.nextInt(labels.length)] + system + text(random);
            int cut = random.nextInt(full.length() + 1);
            String prefix =
                    switch (random.nextInt(4)) {
                        case 0 -> null;
                        case 1 -> text(random); // seldom a leading part: the varying part is the whole prompt
                        default -> full.substring(0, cut); // sometimes inside a word or a surrogate pair
                    };
            byte[] request = text(random).getBytes(StandardCharsets.UTF_8);
            String varying = prefix == null || prefix.isEmpty() || !full.startsWith(prefix)
                    ? full
                    : full.substring(prefix.length());

            assertThat(PromptFingerprints.ofRequestDigest(
                            system, prefix, MessageDigest.getInstance("SHA-256").digest(request), full))
                    .as("prompt %d", n)
                    .isEqualTo(Reference.compute(system, prefix, request, full, varying));
        }
    }

    /** Words, spaces, punctuation, non-Latin letters, paired and unpaired surrogates; 0 to 1,300 characters. */
    private static String text(SplittableRandom random) {
        int length = random.nextInt(8) == 0 ? random.nextInt(4) : random.nextInt(1_300);
        StringBuilder b = new StringBuilder(length);
        while (b.length() < length) {
            switch (random.nextInt(12)) {
                case 0 -> b.append(' ');
                case 1 -> b.append(".,;:!?-\n\"".charAt(random.nextInt(9)));
                case 2 -> b.append((char) ('À' + random.nextInt(200))); // Latin-1 and Latin Extended
                case 3 -> b.append((char) ('一' + random.nextInt(500))); // three UTF-8 bytes
                case 4 -> b.appendCodePoint(0x1F600 + random.nextInt(60)); // a surrogate pair
                case 5 -> b.append((char) (random.nextBoolean() ? 0xD83D : 0xDE00)); // an unpaired surrogate
                case 6 -> b.append((char) random.nextInt(32));
                default -> b.append((char) ((random.nextBoolean() ? 'a' : 'A') + random.nextInt(26)));
            }
        }
        return b.toString();
    }

    /** The implementation before this change, kept verbatim as the oracle. */
    private static final class Reference {
        private static final long FNV_OFFSET = 0xcbf29ce484222325L;
        private static final long FNV_PRIME = 0x100000001b3L;

        static Fingerprints compute(
                String systemText, String prefixText, byte[] request, String promptText, String varyingText) {
            Fingerprints base = new Fingerprints(
                    systemText == null || systemText.isEmpty()
                            ? null
                            : hash(systemText.getBytes(StandardCharsets.UTF_8)),
                    prefixText == null || prefixText.isEmpty()
                            ? null
                            : hash(prefixText.getBytes(StandardCharsets.UTF_8)),
                    request == null ? null : hash(request),
                    promptText == null ? null : HEX.toHexDigits(simhash(promptText)));
            if (varyingText == null) {
                return base;
            }
            return new Fingerprints(
                    base.systemHash(),
                    base.prefixHash(),
                    base.requestHash(),
                    base.simhash(),
                    hash(varyingText.getBytes(StandardCharsets.UTF_8)),
                    HEX.toHexDigits(simhash(varyingText)),
                    systemText == null || systemText.isEmpty() ? null : HEX.toHexDigits(simhash(systemText)));
        }

        static String hash(byte[] bytes) {
            try {
                return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        static long simhash(String text) {
            long[] planes = new long[33];
            long w1 = 0;
            long w2 = 0;
            int words = 0;
            int shingles = 0;
            int i = 0;
            char[] chars = text.toCharArray();
            int n = chars.length;
            while (i < n) {
                while (i < n && !Character.isLetterOrDigit(chars[i])) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                long h = FNV_OFFSET;
                while (i < n && Character.isLetterOrDigit(chars[i])) {
                    char c = chars[i];
                    h = (h ^ (c < 128 ? (c >= 'A' && c <= 'Z' ? (char) (c + 32) : c) : Character.toLowerCase(c)))
                            * FNV_PRIME;
                    i++;
                }
                words++;
                if (words >= 3) {
                    add(planes, mix(w1 * 31 + w2 * 17 + h));
                    shingles++;
                }
                w1 = w2;
                w2 = h;
            }
            if (words > 0 && words < 3) {
                add(planes, mix(w1 * 31 + w2 * 17));
                shingles++;
            }
            long half = shingles >>> 1;
            long greater = 0;
            long equal = -1L;
            for (int k = planes.length - 1; k >= 0; k--) {
                long threshold = ((half >>> k) & 1L) == 0 ? 0L : -1L;
                greater |= equal & planes[k] & ~threshold;
                equal &= ~(planes[k] ^ threshold);
            }
            return greater;
        }

        private static void add(long[] planes, long h) {
            long carry = h;
            for (int k = 0; carry != 0; k++) {
                long next = planes[k] & carry;
                planes[k] ^= carry;
                carry = next;
            }
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }
    }
}
