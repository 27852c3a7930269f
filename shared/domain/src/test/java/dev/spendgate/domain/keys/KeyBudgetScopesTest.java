package dev.spendgate.domain.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hint a {@code key:} budget naming a key's name gets: which id to use, after rotations too. */
class KeyBudgetScopesTest {
    private static final ProxyKey OLD = key("key_0000000000a1", "chatbot-prod", false, "2025-12-01T09:00:00Z");
    private static final ProxyKey NEW = key("key_0000000000b2", "chatbot-prod", true, "2026-12-01T09:00:00Z");
    private static final ProxyKey OTHER = key("key_0000000000c3", "search-prod", true, "2026-01-01T09:00:00Z");

    @Test
    void named_rotatedKey_listsBothWithTheirStatusAndAdvisesTheEnabledOne() {
        assertThat(KeyBudgetScopes.named("chatbot-prod", List.of(OLD, OTHER, NEW)))
                .isEqualTo("; the keys named 'chatbot-prod' are key_0000000000b2 (enabled), key_0000000000a1 (revoked):"
                        + " use key:key_0000000000b2");
    }

    @Test
    void named_onlyRevokedKeys_advisesNoId() {
        assertThat(KeyBudgetScopes.named("chatbot-prod", List.of(OLD, OTHER)))
                .isEqualTo("; the key named 'chatbot-prod' is key_0000000000a1 (revoked): a budget on a revoked key"
                        + " governs nothing")
                .doesNotContain("use key:");
    }

    @Test
    void named_noKeyOfThatName_pointsAtKeysList() {
        assertThat(KeyBudgetScopes.named("billing", List.of(OLD, NEW))).isEqualTo("; `keys list` shows each key's id");
    }

    private static ProxyKey key(String id, String name, boolean enabled, String createdAt) {
        return new ProxyKey(
                id,
                ProxyKeys.hash("sg-" + id),
                name,
                "prod",
                null,
                new Attribution("chatbot", "support", null, "prod", null, null, null),
                enabled,
                Instant.parse(createdAt));
    }
}
