package dev.spendgate.domain.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.routing.CacheRule;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CacheKeysTest {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String exact(String body) {
        return CacheKeys.exact("chat.completions", "p", json(body));
    }

    @Test
    void exact_streamedAndNotStreamed_shareAKey() {
        assertThat(exact("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .isEqualTo(
                        exact(
                                "{\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"gpt-4o\",\"user\":\"u1\"}"));
    }

    @Test
    void exact_sameNumberWrittenTwoWays_isOneKey() {
        assertThat(exact("{\"model\":\"m\",\"temperature\":0,\"max_tokens\":100}"))
                .isEqualTo(exact("{\"model\":\"m\",\"temperature\":0.0,\"max_tokens\":1E+2}"));
    }

    @Test
    void number_ordinaryAndHugeExponents_equalNumbersOneTextOfBoundedLength() {
        assertThat(CacheKeys.number(new java.math.BigDecimal("1.0")))
                .isEqualTo(CacheKeys.number(new java.math.BigDecimal("1e0")))
                .isEqualTo("1");
        assertThat(CacheKeys.number(new java.math.BigDecimal("1E+2"))).isEqualTo("100");
        assertThat(CacheKeys.number(new java.math.BigDecimal("0.70"))).isEqualTo("0.7");
        assertThat(CacheKeys.number(new java.math.BigDecimal("1e400000000"))).isEqualTo("1E+400000000");
        assertThat(CacheKeys.number(new java.math.BigDecimal("10.0e399999999")))
                .isEqualTo(CacheKeys.number(new java.math.BigDecimal("1e400000000")));
        assertThat(CacheKeys.number(new java.math.BigDecimal("-2.5e-400000000")))
                .isEqualTo("-2.5E-400000000");
    }

    @Test
    void exact_anythingThatChangesTheAnswer_changesTheKey() {
        String base = "{\"model\":\"gpt-4o\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        assertThat(exact(base.replace("gpt-4o", "gpt-4o-mini"))).isNotEqualTo(exact(base));
        assertThat(exact(base.replace("\"hi\"", "\"hi!\""))).isNotEqualTo(exact(base));
        assertThat(exact(base.replace("\"temperature\":0", "\"temperature\":0.2")))
                .isNotEqualTo(exact(base));
        assertThat(exact(base.replace("}]}", "}],\"tools\":[{\"type\":\"function\"}]}")))
                .isNotEqualTo(exact(base));
        assertThat(CacheKeys.exact("messages", "p", json(base))).isNotEqualTo(exact(base));
    }

    @Test
    void partition_byDefault_separatesKeysAndDepartments() {
        CacheRule rule = new CacheRule(
                "faq",
                CacheRule.Mode.EXACT,
                Duration.ofMinutes(5),
                10,
                1000,
                null,
                CacheRule.Share.KEY,
                null,
                false,
                null);
        Attribution support = new Attribution("faq", "support", null, null, null, null, null);
        Attribution sales = new Attribution("faq", "sales", null, null, null, null, null);

        assertThat(CacheKeys.partition(rule, support, "k1", null))
                .isNotEqualTo(CacheKeys.partition(rule, support, "k2", null));
        assertThat(CacheKeys.partition(rule, support, "k1", null))
                .isNotEqualTo(CacheKeys.partition(rule, sales, "k1", null));
        CacheRule shared = new CacheRule(
                "faq",
                CacheRule.Mode.EXACT,
                Duration.ofMinutes(5),
                10,
                1000,
                null,
                CacheRule.Share.FEATURE,
                null,
                false,
                null);
        assertThat(CacheKeys.partition(shared, support, "k1", null))
                .isEqualTo(CacheKeys.partition(shared, sales, "k2", null));
    }

    @Test
    void partition_shareDepartment_isTheKeysOwnDepartmentNotTheHeaders() {
        CacheRule rule = new CacheRule(
                "faq",
                CacheRule.Mode.EXACT,
                Duration.ofMinutes(5),
                10,
                1000,
                null,
                CacheRule.Share.DEPARTMENT,
                null,
                false,
                null);
        Attribution legal = new Attribution("faq", "legal", null, null, null, null, null);
        Attribution engineering = new Attribution("faq", "engineering", null, null, null, null, null);

        // two keys of legal share; a key of engineering sending X-Cost-Department: legal does not join them
        assertThat(CacheKeys.partition(rule, legal, "k1", "legal"))
                .isEqualTo(CacheKeys.partition(rule, legal, "k2", "legal"));
        assertThat(CacheKeys.partition(rule, legal, "k3", "engineering"))
                .isNotEqualTo(CacheKeys.partition(rule, legal, "k1", "legal"))
                .isEqualTo(CacheKeys.partition(rule, engineering, "k4", "engineering"));
        // a key with no department of its own shares with no other key, whatever it claims
        assertThat(CacheKeys.partition(rule, legal, "k5", null))
                .isNotEqualTo(CacheKeys.partition(rule, legal, "k1", "legal"))
                .isNotEqualTo(CacheKeys.partition(rule, legal, "k6", null));
    }

    @Test
    void prefix_differentLastQuestionsBehindOneSystemPrompt_shareThePrefixKey() {
        String a = "{\"model\":\"claude-sonnet-4-5\",\"system\":\"You are a helpdesk.\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"How do I reset my password?\"}]}";
        String b = a.replace("How do I reset my password?", "What are your opening hours?");
        String otherSystem = a.replace("helpdesk", "travel agent");

        assertThat(CacheKeys.prefix("messages", "p", json(a))).isEqualTo(CacheKeys.prefix("messages", "p", json(b)));
        assertThat(CacheKeys.prefix("messages", "p", json(a)))
                .isNotEqualTo(CacheKeys.prefix("messages", "p", json(otherSystem)));
        assertThat(CacheKeys.question(json(b))).isEqualTo("What are your opening hours?");
    }

    @Test
    void question_lastMessageWithAnImage_isNotComparable() {
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                + "\"what is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]}]}";

        assertThat(CacheKeys.question(json(body))).isNull();
        assertThat(CacheKeys.prefix("chat.completions", "p", json(body))).isNull();
    }

    @Test
    void exact_keyOfTheFirstRelease_isUnchangedSoKeptAnswersStayReachable() throws Exception {
        // the digest the cache's first release (before the faster canonical form) gave for this body, with escapes,
        // a non-ASCII letter, integers small and past a long, and decimals with trailing zeros
        String body = "{\"model\":\"gpt-4o-mini\",\"temperature\":0.0,\"max_tokens\":256,\"seed\":-12,"
                + "\"big\":123456789012345678901234567890,\"top_p\":1.50,\"messages\":[{\"role\":\"system\","
                + "\"content\":\"Quote \\\"this\\\" \\\\ and\\nthat \u00e9\"},{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream\":true}";

        assertThat(CacheKeys.exact("chat.completions", "feature=faq", new ObjectMapper().readTree(body)))
                .isEqualTo("0b696a96b2142acbb9e04f7546abae6c9d1bad202f5708bed360e022eef107ef");
    }
}
