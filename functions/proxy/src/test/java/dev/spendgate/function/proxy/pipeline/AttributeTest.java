package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKeys;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttributeTest {
    @TempDir
    Path dir;

    private CallContext authenticated(String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + Calls.SECRET;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return new Authenticate(Calls.keys(dir))
                .apply(Calls.post("/v1/chat/completions", "{}", all))
                .context();
    }

    @Test
    void apply_headers_overrideTheKeysDefaultsFieldByField() {
        Step step = new Attribute().apply(authenticated("X-Cost-Team", "search", "X-Cost-Feature", "summaries"));

        assertThat(step.refused()).isFalse();
        assertThat(step.context().attribution().team()).isEqualTo("search");
        assertThat(step.context().attribution().feature()).isEqualTo("summaries");
        assertThat(step.context().attribution().environment()).isEqualTo("prod");
    }

    @Test
    void apply_noHeaders_keepsTheKeysDefaults() {
        Step step = new Attribute().apply(authenticated());

        assertThat(step.context().attribution().feature()).isEqualTo("chatbot");
    }

    @Test
    void apply_headerSentTwice_refuses400NamingIt() {
        Step step = new Attribute().apply(authenticated("X-Cost-User", "u1", "X-Cost-User", "u2"));

        assertThat(step.refusal().status()).isEqualTo(400);
        assertThat(step.refusal().param()).isEqualTo("X-Cost-User");
        assertThat(step.refusal().message()).contains("must be sent once");
    }

    @Test
    void apply_invalidCharacters_refuses400NamingTheHeader() {
        Step step = new Attribute().apply(authenticated("X-Cost-Session", "has spaces"));

        assertThat(step.refusal().status()).isEqualTo(400);
        assertThat(step.refusal().param()).isEqualTo("X-Cost-Session");
    }

    @Test
    void apply_departmentHeaderNamingAnotherThanTheKeysStored_refuses403NamingIt() {
        Attribution stored = new Attribution("chatbot", "engineering", "platform", "prod", null, null, null);
        CallContext ctx = authenticated("X-Cost-Department", "legal").with(b -> b.key = keyWith(stored));

        Step step = new Attribute().apply(ctx);

        assertThat(step.refusal().status()).isEqualTo(403);
        assertThat(step.refusal().param()).isEqualTo("X-Cost-Department");
        assertThat(step.refusal().message()).contains("bound to its department 'engineering'");
    }

    @Test
    void apply_departmentHeaderEqualToTheKeysStored_proceeds() {
        Attribution stored = new Attribution("chatbot", "engineering", "platform", "prod", null, null, null);
        CallContext ctx = authenticated("X-Cost-Department", "engineering", "X-Cost-Team", "platform")
                .with(b -> b.key = keyWith(stored));

        Step step = new Attribute().apply(ctx);

        assertThat(step.refused()).isFalse();
        assertThat(step.context().attribution().department()).isEqualTo("engineering");
    }

    private static dev.spendgate.domain.keys.ProxyKey keyWith(Attribution defaults) {
        return new dev.spendgate.domain.keys.ProxyKey(
                "key_0000000000000001",
                ProxyKeys.hash(ProxyKeys.newSecret()),
                "eng-bot",
                "prod",
                null,
                defaults,
                true,
                java.time.Instant.parse("2026-11-01T00:00:00Z"));
    }
}
