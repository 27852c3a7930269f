package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpendgateCliTest {
    @TempDir
    Path dir;

    @Test
    void keysCreate_printsSecretOnceAndStoresOnlyItsHash() throws Exception {
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
                "engineering",
                "--data-dir",
                dir.toString());

        assertThat(created.code()).isZero();
        Matcher m = Pattern.compile("Secret \\(shown once, store it now\\): (sg-[0-9a-f]{64})")
                .matcher(created.out());
        assertThat(m.find()).as(created.out()).isTrue();
        String secret = m.group(1);
        String stored = Files.readString(dir.resolve("keys.json"));
        assertThat(stored).doesNotContain(secret).contains(dev.spendgate.domain.keys.ProxyKeys.hash(secret));

        CliRun listed = CliRun.of("keys", "list", "--data-dir", dir.toString());
        assertThat(listed.out()).contains("chatbot-prod").contains("active").doesNotContain(secret);
    }

    @Test
    void keysRevoke_disablesTheKeyAndUnknownIdFails() throws Exception {
        CliRun.of("keys", "create", "--name", "batch", "--environment", "dev", "--data-dir", dir.toString());
        String id = new FileKeyStore(dir.resolve("keys.json")).list().get(0).id();

        assertThat(CliRun.of("keys", "revoke", id, "--data-dir", dir.toString()).code())
                .isZero();
        assertThat(CliRun.of("keys", "list", "--data-dir", dir.toString()).out())
                .contains("revoked");
        CliRun unknown = CliRun.of("keys", "revoke", "key_000000000000", "--data-dir", dir.toString());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("no key with id");
    }

    @Test
    void keysCreate_missingEnvironment_failsWithUsage() throws Exception {
        CliRun r = CliRun.of("keys", "create", "--name", "x", "--data-dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--environment");
    }

    @Test
    void wasteOutNamingADirectory_errorSaysWhatIsWrongWithThePath() throws Exception {
        // waste --out takes a file; a directory there fails on writing, and the one line printed says why
        Path folder = Files.createDirectories(dir.resolve("findings"));

        CliRun r = CliRun.of(
                "waste",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-02",
                "--overrides",
                "",
                "--out",
                folder.toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).isEqualTo(1);
        // before: "spendgate: cannot write <path>" and nothing on what is wrong with it
        assertThat(r.err()).contains("cannot write " + folder).containsIgnoringCase("is a directory");
    }

    @Test
    void usage_groupsByFeatureAndModelAndTotalsExactly() throws Exception {
        Instant t = Instant.parse("2026-10-05T10:00:00Z");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(record("a", t, "chatbot", "gpt-4o", "0.000001"));
            writer.append(record("b", t.plusSeconds(60), "chatbot", "gpt-4o", "0.000002"));
            writer.append(record("c", t.plusSeconds(120), "search", "gpt-4o-mini", "0.1"));
            writer.append(record("d", Instant.parse("2026-11-01T00:00:00Z"), "search", "gpt-4o-mini", "5"));
        }

        CliRun r = CliRun.of(
                "usage",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--group-by",
                "feature,model",
                "--data-dir",
                dir.toString());

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("3 calls");
        assertThat(r.out()).containsPattern("search\\s+gpt-4o-mini\\s+1\\s+.*0\\.1\\b");
        assertThat(r.out()).containsPattern("chatbot\\s+gpt-4o\\s+2\\s+.*0\\.000003");
        assertThat(r.out()).containsPattern("TOTAL\\s+3\\s+.*0\\.100003");
    }

    @Test
    void usage_negativeCostRecord_leftOutOfTheTotalAndCounted() throws Exception {
        Instant t = Instant.parse("2026-10-05T10:00:00Z");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(record("a", t, "chatbot", "gpt-4o", "1.50"));
            writer.append(record("b", t.plusSeconds(60), "chatbot", "gpt-4o", "-500"));
        }

        CliRun r = CliRun.of("usage", "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", dir.toString());

        assertThat(r.code()).isZero();
        assertThat(r.out()).containsPattern("TOTAL\\s+1\\s+.*1\\.50\\b");
        assertThat(r.out()).contains("Left out: 1 records with a negative cost");
    }

    @Test
    void usage_implausibleCostRecord_leftOutAsTheMonthlyReportDoes() throws Exception {
        Instant t = Instant.parse("2026-10-05T10:00:00Z");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(record("a", t, "chatbot", "gpt-4o", "1.50"));
            // $999,995 for 1.1 M gpt-4o tokens: above any of its rates (at most $18.70 for them)
            writer.append(record("b", t.plusSeconds(60), "chatbot", "gpt-4o", "999995"));
        }

        CliRun r = CliRun.of("usage", "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("TOTAL\\s+1\\s+.*1\\.50\\b");
        assertThat(r.out()).contains("Left out: 1 records with a cost above the model's maximum for its tokens");
    }

    @Test
    void usage_unknownGroupBy_namesTheChoices() throws Exception {
        CliRun r = CliRun.of("usage", "--group-by", "colour", "--data-dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("colour").contains("feature");
    }

    private static UsageRecord record(String id, Instant t, String feature, String model, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(300))
                .keyId("key_1")
                .attribution(new Attribution(feature, "eng", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(model)
                .statusCode(200)
                // enough tokens that every cost these tests use is plausible for them (CostCheck's maximum)
                .tokens(TokenUsage.openAi(1_000_000, 0, 100_000, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.PROVIDER)
                .build();
    }
}
