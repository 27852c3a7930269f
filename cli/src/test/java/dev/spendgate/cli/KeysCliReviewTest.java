package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.embedded.FileKeyStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review (session 28, proxy keys): the CLI's side of R28D-2 (see AdminKeysReviewIT in the proxy). */
class KeysCliReviewTest {
    @TempDir
    Path dir;

    @Test
    void budgetsSet_keyScopeOfARevokedKey_exits2NamingTheEnabledKey() {
        // README, Budgets: "a budget on a revoked key governs nothing"; the key: budget that governs nothing is refused
        assertThat(CliRun.of("keys", "create", "--name", "chatbot-prod", "--environment", "prod", "--data-dir", dir())
                        .code())
                .isZero();
        String old = only();
        assertThat(CliRun.of("keys", "revoke", old, "--data-dir", dir()).code()).isZero();
        assertThat(CliRun.of("keys", "create", "--name", "chatbot-prod", "--environment", "prod", "--data-dir", dir())
                        .code())
                .isZero();

        CliRun set = CliRun.of(
                "budgets",
                "set",
                "--scope",
                "key:" + old,
                "--period",
                "monthly",
                "--limit-usd",
                "200",
                "--mode",
                "block",
                "--data-dir",
                dir());

        assertThat(set.code()).as(set.out() + set.err()).isEqualTo(2);
        assertThat(set.err()).contains("revoked");
    }

    @Test
    void keysCreate_nameOfIdeographicSpace_exits2AndStoresNothing() {
        // README: a bad name exits 2 and stores nothing; a name of only U+3000 used to reach ProxyKey and exit 1
        CliRun create = CliRun.of("keys", "create", "--name", "\u3000", "--environment", "prod", "--data-dir", dir());

        assertThat(create.code()).as(create.out() + create.err()).isEqualTo(2);
        assertThat(create.err()).contains("--name");
        assertThat(new FileKeyStore(dir.resolve("keys.json")).list()).isEmpty();
    }

    private String dir() {
        return dir.toString();
    }

    private String only() {
        return new FileKeyStore(dir.resolve("keys.json"))
                .list().stream().map(ProxyKey::id).findFirst().orElseThrow();
    }
}
