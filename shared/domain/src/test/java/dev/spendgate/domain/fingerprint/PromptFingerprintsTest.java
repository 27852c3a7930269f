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
    void simhash_sketchesAlreadyInUsageLogs_stayTheSame() {
        // values written by the first implementation (per-bit counting); waste detection compares new sketches with
        // logged ones, so the algorithm may get faster but never different
        assertThat(String.format("%016x", PromptFingerprints.simhash(TICKET))).isEqualTo("39bc952105f95643");
        assertThat(String.format("%016x", PromptFingerprints.simhash("Grüße, Zoë!")))
                .isEqualTo("d43847445e196cff");
        assertThat(String.format("%016x", PromptFingerprints.simhash("hello"))).isEqualTo("10efeb0edb5fba16");
        assertThat(PromptFingerprints.compute(null, null, null, "hello").simhash())
                .isEqualTo("10efeb0edb5fba16");
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
}
