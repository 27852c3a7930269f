package dev.spendgate.domain.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PromptFingerprintsTest {
    private static final String TICKET = "Our nightly batch job that summarises support tickets started costing about"
            + " twice as much last week. The job calls the chat completions endpoint once per ticket with the full"
            + " ticket thread as context. Nothing in the code changed, but the ticket volume went up by about 15"
            + " percent. What are the most likely reasons for the cost increase, and how should we check each?";

    @Test
    void simhash_nearDuplicatePrompts_areMoreSimilarThanUnrelatedOnes() {
        long base = PromptFingerprints.simhash(TICKET);
        long nearDuplicate = PromptFingerprints.simhash(TICKET.replace("15 percent", "16 percent"));
        long unrelated = PromptFingerprints.simhash(
                "Translate the following product description into German and keep the brand names unchanged.");
        assertThat(PromptFingerprints.similarity(base, nearDuplicate)).isGreaterThanOrEqualTo(0.85);
        assertThat(PromptFingerprints.similarity(base, unrelated)).isLessThan(0.75);
        assertThat(PromptFingerprints.simhash(TICKET)).isEqualTo(base);
    }

    @Test
    void hash_valuesAlreadyInUsageLogs_stayTheSame() {
        // the first 128 bits of SHA-256 (sha256sum of the same UTF-8 bytes); waste detection matches new hashes
        // against logged ones, so the digest helper may change but never the value
        assertThat(PromptFingerprints.hash("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e");
        assertThat(PromptFingerprints.compute("Grüße, Zoë!", null, null, null).systemHash())
                .isEqualTo("f14c5e7f4fd73b69556a1ae30e303733");
    }

    @Test
    void simhash_sketchesAlreadyInUsageLogs_stayTheSame() {
        // values written by the first implementation (per-bit counting); waste detection compares new sketches with
        // logged ones, so the algorithm may get faster but never different
        assertThat(String.format("%016x", PromptFingerprints.simhash(TICKET))).isEqualTo("39bc952105f95643");
        assertThat(String.format("%016x", PromptFingerprints.simhash("Grüße, Zoë!")))
                .isEqualTo("d43847445e196cff");
        assertThat(String.format("%016x", PromptFingerprints.simhash("hello"))).isEqualTo("10efeb0edb5fba16");
        assertThat(PromptFingerprints.compute(null, null, null, "hello").simhash())
                .isEqualTo("10efeb0edb5fba16");
        // ties (a bit set in exactly half the shingles stays out), and longer texts
        assertThat(String.format("%016x", PromptFingerprints.simhash("a b c d")))
                .isEqualTo("44051494c9000800");
        assertThat(String.format("%016x", PromptFingerprints.simhash("one two three four five six")))
                .isEqualTo("16210c68b10c86df");
        assertThat(String.format("%016x", PromptFingerprints.simhash("alpha beta")))
                .isEqualTo("eaa2bc32f9541f99");
        assertThat(String.format("%016x", PromptFingerprints.simhash(words(301))))
                .isEqualTo("e4fbc4cb1142deeb");
        assertThat(String.format("%016x", PromptFingerprints.simhash(words(1000))))
                .isEqualTo("e47bc4cb11425aeb");
    }

    private static String words(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("w").append(i * 7919 % 113).append(i % 3 == 0 ? ", " : " ");
        }
        return b.toString();
    }

    @Test
    void compute_sameSystemPromptDifferentQuestions_shareSystemHashOnly() {
        byte[] r1 = "{\"q\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] r2 = "{\"q\":2}".getBytes(StandardCharsets.UTF_8);
        Fingerprints a = PromptFingerprints.compute("You are terse.", "You are terse.", r1, "You are terse. Q1");
        Fingerprints b = PromptFingerprints.compute("You are terse.", "You are terse.", r2, "You are terse. Q2");
        assertThat(a.systemHash()).isEqualTo(b.systemHash()).hasSize(32);
        assertThat(a.requestHash()).isNotEqualTo(b.requestHash());
        assertThat(a.simhash()).hasSize(16);
    }

    @Test
    void compute_noSystemPrompt_leavesSystemHashNull() {
        Fingerprints f = PromptFingerprints.compute(null, "", new byte[] {1}, "hi");
        assertThat(f.systemHash()).isNull();
        assertThat(f.prefixHash()).isNull();
    }

    @Test
    void compute_longSharedSystemPromptDifferentQuestions_wholeSketchesMatchButVaryingPartsDoNot() {
        String system = longSystemPrompt();
        String q1 = "user: How do I reset the password of my account when the reset email never arrives?";
        String q2 = "user: Can I move my invoices from the old workspace to the new one, and keep their numbers?";
        Fingerprints a = PromptFingerprints.compute(system, system, new byte[] {1}, system + "\n" + q1, q1);
        Fingerprints b = PromptFingerprints.compute(system, system, new byte[] {2}, system + "\n" + q2, q2);

        // the whole-prompt sketch is dominated by the shared prefix: a response cache keyed on it would mix answers
        assertThat(similarity(a.simhash(), b.simhash())).isGreaterThanOrEqualTo(0.90);
        assertThat(similarity(a.varyingSimhash(), b.varyingSimhash())).isLessThan(0.85);
        assertThat(a.varyingHash()).isNotEqualTo(b.varyingHash()).hasSize(32);
        assertThat(a.systemSimhash()).isEqualTo(b.systemSimhash());
        assertThat(a.hasVaryingPart()).isTrue();
    }

    @Test
    void compute_timestampAtTheStartOfTheSystemPrompt_changesTheHashButNotTheSystemSketch() {
        String stable = longSystemPrompt();
        String s1 = "Current time: 2026-10-03T09:14:07Z. " + stable;
        String s2 = "Current time: 2026-10-03T09:19:55Z. " + stable;
        Fingerprints a = PromptFingerprints.compute(s1, s1, new byte[] {1}, s1 + " q", "q");
        Fingerprints b = PromptFingerprints.compute(s2, s2, new byte[] {1}, s2 + " q", "q");

        assertThat(a.systemHash()).isNotEqualTo(b.systemHash());
        assertThat(similarity(a.systemSimhash(), b.systemSimhash())).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void compute_withoutVaryingText_isSchema1Fingerprints() {
        Fingerprints f = PromptFingerprints.compute("s", "s", new byte[] {1}, "s q", null);
        assertThat(f.hasVaryingPart()).isFalse();
        assertThat(f).isEqualTo(PromptFingerprints.compute("s", "s", new byte[] {1}, "s q"));
    }

    private static double similarity(String a, String b) {
        return PromptFingerprints.similarity(Long.parseUnsignedLong(a, 16), Long.parseUnsignedLong(b, 16));
    }

    /** About 2,400 words of instructions, deterministic. */
    static String longSystemPrompt() {
        String[] words = {
            "answer",
            "customer",
            "billing",
            "account",
            "politely",
            "never",
            "promise",
            "refunds",
            "without",
            "checking",
            "the",
            "policy",
            "escalate",
            "security",
            "issues",
            "to",
            "a",
            "human",
            "agent",
            "cite",
            "article",
            "numbers",
            "keep",
            "replies",
            "short",
            "use",
            "plain",
            "language",
            "invoice",
            "workspace",
            "plan",
            "upgrade"
        };
        StringBuilder b = new StringBuilder("You are the support assistant of Example Corp. ");
        java.util.SplittableRandom r = new java.util.SplittableRandom(42);
        for (int i = 0; i < 2400; i++) {
            b.append(words[r.nextInt(words.length)]).append(i % 12 == 11 ? ". " : " ");
        }
        return b.toString();
    }
}
