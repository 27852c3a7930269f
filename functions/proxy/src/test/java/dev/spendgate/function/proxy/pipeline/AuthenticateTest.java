package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.function.proxy.http.Headers;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticateTest {
    @TempDir
    Path dir;

    KeyStore keys;
    Authenticate authenticate;

    @BeforeEach
    void setUp() {
        keys = Calls.keys(dir);
        authenticate = new Authenticate(keys);
    }

    @Test
    void apply_validKey_proceedsWithTheKeysDefaultAttribution() {
        Step step =
                authenticate.apply(Calls.post("/v1/chat/completions", "{}", "Authorization", "Bearer " + Calls.SECRET));

        assertThat(step.refused()).isFalse();
        assertThat(step.context().key().name()).isEqualTo("chatbot");
        assertThat(step.context().attribution().feature()).isEqualTo("chatbot");
    }

    @Test
    void apply_xApiKeyHeader_isAcceptedLikeBearer() {
        Step step = authenticate.apply(Calls.post("/v1/messages", "{}", "x-api-key", Calls.SECRET));

        assertThat(step.refused()).isFalse();
        assertThat(step.context().authenticated()).isTrue();
    }

    @Test
    void apply_unknownPathWithValidKey_refuses404ButKeepsTheKeyForTheRecord() {
        Step step = authenticate.apply(Calls.post("/v1/images", "{}", "Authorization", "Bearer " + Calls.SECRET));

        assertThat(step.refusal().status()).isEqualTo(404);
        assertThat(step.refusal().param()).isEqualTo("path");
        assertThat(step.context().authenticated()).isTrue();
    }

    @Test
    void apply_unknownPathWithoutKey_refuses404BeforeAuthentication() {
        Step step = authenticate.apply(Calls.post("/v2/whatever", "{}"));

        assertThat(step.refusal().status()).isEqualTo(404);
        assertThat(step.context().authenticated()).isFalse();
    }

    @Test
    void apply_getOnAnEndpoint_refuses405WithAllowPost() {
        Step step = authenticate.apply(Calls.request("GET", "/v1/chat/completions", new Headers(), ""));

        assertThat(step.refusal().status()).isEqualTo(405);
        assertThat(step.refusal().headers()).containsEntry("Allow", "POST");
        assertThat(step.refusal().message()).contains("/v1/chat/completions");
    }

    @Test
    void apply_noKey_refuses401NamingBothHeaders() {
        Step step = authenticate.apply(Calls.post("/v1/chat/completions", "{}"));

        assertThat(step.refusal().status()).isEqualTo(401);
        assertThat(step.refusal().message()).contains("Authorization: Bearer").contains("x-api-key");
    }

    @Test
    void apply_noKeyOnBedrock_refusesWithTheAwsSdkHint() {
        Step step = authenticate.apply(Calls.post("/model/anthropic.claude-3-haiku/converse", "{}"));

        assertThat(step.refusal().status()).isEqualTo(401);
        assertThat(step.refusal().message()).contains("AWS SDK");
    }

    @Test
    void apply_unknownKey_refuses401Invalid() {
        Step step =
                authenticate.apply(Calls.post("/v1/chat/completions", "{}", "Authorization", "Bearer sg-not-a-key"));

        assertThat(step.refusal().message()).isEqualTo("Invalid Spendgate key.");
        assertThat(step.context().authenticated()).isFalse();
    }

    @Test
    void apply_revokedKey_refuses401RevokedAndLeavesNoRecord() {
        ((FileKeyStore) keys).create(Calls.key("sg-revoked-key-0123456789", false));

        Step step = authenticate.apply(
                Calls.post("/v1/chat/completions", "{}", "Authorization", "Bearer sg-revoked-key-0123456789"));

        assertThat(step.refusal().message()).isEqualTo("This Spendgate key has been revoked.");
        assertThat(step.context().authenticated()).isFalse();
    }
}
