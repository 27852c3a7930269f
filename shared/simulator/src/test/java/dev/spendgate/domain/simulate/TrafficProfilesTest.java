package dev.spendgate.domain.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.TrafficProfiles.Profile;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TrafficProfilesTest {
    private static final String KEY = """
            {"ref": "support", "name": "support-prod", "environment": "production",
             "department": "support", "team": "cx"}""";

    private static String profile(String overrides) {
        String base = """
                "feature": "support-chat", "department": "support", "team": "cx", "provider": "anthropic",
                "model": "claude-sonnet-4-5", "served_model": "claude-sonnet-4-5-20250929", "endpoint": "messages",
                "weight": 0.22, "user_tokens": {"min": 150, "max": 1200}, "output_tokens": {"min": 120, "max": 600},
                "system_tokens": 1800, "prompt_caching": true, "max_turns": 6, "stream_share": 0.85, "key": "support",
                "role": "none", "max_output_tokens": 1024, "reasoning_share": 0""";
        return "{" + base + (overrides.isEmpty() ? "" : ", " + overrides) + "}";
    }

    private static TrafficProfiles parse(String profiles) {
        String doc = "{\"schema_version\": 1, \"keys\": [" + KEY + "], \"profiles\": [" + profiles + "]}";
        return TrafficProfiles.parse(new ByteArrayInputStream(doc.getBytes(StandardCharsets.UTF_8)), "test.json");
    }

    @Test
    void bundled_everyProfile_isAModelTheBundledCatalogPricesWithAKnownKey() {
        TrafficProfiles bundled = TrafficProfiles.bundled();
        PricingCatalog catalog = PricingCatalog.bundled();

        assertThat(bundled.profiles()).hasSize(17);
        assertThat(bundled.keys()).hasSize(10);
        assertThat(bundled.profiles()).allSatisfy(p -> assertThat(catalog.find(p.provider(), p.model()))
                .as(p.feature() + " " + p.model())
                .isPresent());
        assertThat(bundled.profiles().stream()
                        .filter(p -> p.weight() > 0)
                        .map(Profile::department)
                        .filter(d -> d != null)
                        .collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(
                        "support", "engineering", "sales", "finance", "marketing", "people", "legal", "research");
    }

    @Test
    void parse_namedFields_becomeTheProfile() {
        Profile p = parse(profile("")).profiles().get(0);

        assertThat(p.feature()).isEqualTo("support-chat");
        assertThat(p.served()).isEqualTo("claude-sonnet-4-5-20250929");
        assertThat(p.userMin()).isEqualTo(150);
        assertThat(p.userMax()).isEqualTo(1200);
        assertThat(p.outMax()).isEqualTo(600);
        assertThat(p.caching()).isTrue();
        assertThat(p.streamShare()).isEqualTo(0.85);
        assertThat(p.role()).isEqualTo(TrafficProfiles.Role.NONE);
        assertThat(p.maxOutput()).isEqualTo(1024);
    }

    @Test
    void parse_weightAboveOne_isRefusedNamingTheProfileAndField() {
        assertThatThrownBy(() -> parse(profile("\"weight\": 1.5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("test.json: profiles[0].weight must be a number from 0 to 1");
    }

    @Test
    void parse_unknownKey_isRefusedNamingTheKnownRefs() {
        assertThatThrownBy(() -> parse(profile("\"key\": \"nobody\"")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("profiles[0].key 'nobody'")
                .hasMessageContaining("support");
    }

    @Test
    void parse_minAboveMax_isRefused() {
        assertThatThrownBy(() -> parse(profile("\"user_tokens\": {\"min\": 900, \"max\": 100}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("test.json: profiles[0].user_tokens min 900 is above max 100");
    }

    @Test
    void parse_unknownProviderOrRole_isRefusedNamingTheField() {
        assertThatThrownBy(() -> parse(profile("\"provider\": \"mistral\"")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("profiles[0].provider 'mistral'");
        assertThatThrownBy(() -> parse(profile("\"role\": \"lazy\"")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("profiles[0].role 'lazy'");
    }

    @Test
    void parse_missingModel_isRefused() {
        assertThatThrownBy(() -> parse(profile("\"model\": null")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("test.json: profiles[0].model is required");
    }

    @Test
    void parse_sameFeatureTwice_isRefused() {
        assertThatThrownBy(() -> parse(profile("") + "," + profile("")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("profiles[1].feature 'support-chat' is listed twice");
    }

    @Test
    void parse_otherSchemaVersion_isRefused() {
        String doc = "{\"schema_version\": 2, \"keys\": [], \"profiles\": []}";
        assertThatThrownBy(() -> TrafficProfiles.parse(
                        new ByteArrayInputStream(doc.getBytes(StandardCharsets.UTF_8)), "future.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schema_version 2 is not supported");
    }
}
