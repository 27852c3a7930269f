package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.embedded.FileKeyStore;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 26, proxy keys): rotating a key. Spendgate has no rotate command, so a platform team rotates by
 * creating a replacement of the same name and revoking the old key ({@code keys create}, {@code keys revoke}); a
 * year on, {@code keys list} holds both, one revoked. A {@code key:} budget naming the key's name is refused with a
 * hint (README, Budgets: "both saying which id a key of that name has"): that hint is what the team copies.
 */
class KeyBudgetHintAfterRotationReviewTest {
    @TempDir
    Path dir;

    @Test
    void set_keyScopeNamingARotatedKeysName_hintNamesTheActiveKeysId() {
        FileKeyStore keys = new FileKeyStore(dir.resolve("keys.json"));
        ProxyKey old = new ProxyKey(
                ProxyKeys.newId(),
                ProxyKeys.hash(ProxyKeys.newSecret()),
                "chatbot-prod",
                "prod",
                null,
                new Attribution("chatbot", "support", null, "prod", null, null, null),
                true,
                Instant.parse("2025-12-01T09:00:00Z"));
        keys.create(old); // created a year ago
        CliRun created = CliRun.of(
                "keys",
                "create",
                "--name",
                "chatbot-prod",
                "--environment",
                "prod",
                "--feature",
                "chatbot",
                "--department",
                "support",
                "--data-dir",
                dir.toString());
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(CliRun.of("keys", "revoke", old.id(), "--data-dir", dir.toString())
                        .code())
                .isZero();
        // a fresh store: this one may still show the file as it was before the CLI's writes (FileKeyStore sees
        // another process's change within about a second)
        String active = new FileKeyStore(dir.resolve("keys.json"))
                .list().stream()
                        .filter(ProxyKey::enabled)
                        .findFirst()
                        .orElseThrow()
                        .id();

        CliRun byName = CliRun.of(
                "budgets",
                "set",
                "--scope",
                "key:chatbot-prod",
                "--period",
                "monthly",
                "--limit-usd",
                "200",
                "--mode",
                "block",
                "--data-dir",
                dir.toString());

        assertThat(byName.code()).isEqualTo(2);
        assertThat(byName.err())
                .as("the hint the team copies, with the active key %s and the revoked %s", active, old.id())
                .contains("key:" + active)
                .doesNotContain("use key:" + old.id());
    }
}
