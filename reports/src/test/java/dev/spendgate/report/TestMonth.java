package dev.spendgate.report;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** A seeded month of usage records priced with the real bundled catalog, written to a store like the gateway does. */
final class TestMonth {
    static final PricingCatalog CATALOG = PricingCatalog.bundled();
    static final String[][] MODELS = {
        {"openai", "gpt-4o-2024-08-06"},
        {"openai", "gpt-4o-mini"},
        {"anthropic", "claude-sonnet-4-5-20250929"},
        {"bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0"}
    };
    static final String[] DEPARTMENTS = {"support", "eng", "platform", null};
    static final String[] FEATURES = {"chatbot", "search", "summarise"};

    final List<UsageRecord> records = new ArrayList<>();

    /** {@code calls} priced calls over the month's first {@code days} days, plus one unpriced call. */
    static TestMonth generate(YearMonth month, int calls, int days, long seed) {
        TestMonth m = new TestMonth();
        Random random = new Random(seed);
        Instant start = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        for (int i = 0; i < calls; i++) {
            String[] model = MODELS[random.nextInt(MODELS.length)];
            String department = DEPARTMENTS[random.nextInt(DEPARTMENTS.length)];
            String feature = FEATURES[random.nextInt(FEATURES.length)];
            String team = department == null ? null : department + "-" + (random.nextInt(2) + 1);
            long input = 100 + random.nextInt(5000);
            TokenUsage tokens = model[0].equals("openai")
                    ? TokenUsage.openAi(input, random.nextInt((int) input / 2), 10 + random.nextInt(800), 0)
                    : TokenUsage.anthropic(
                            input,
                            random.nextInt(2000),
                            random.nextInt(300),
                            random.nextInt(50),
                            10 + random.nextInt(800));
            Instant ts = start.plusSeconds(random.nextInt(days * 86_400));
            m.records.add(record(
                    "req-" + seed + "-" + i,
                    ts,
                    model[0],
                    model[1],
                    tokens,
                    department,
                    team,
                    feature,
                    "s-" + (i % 50)));
        }
        m.records.add(UsageRecord.builder()
                .requestId("req-unpriced-" + seed)
                .tsStart(start.plusSeconds(3600))
                .tsEnd(start.plusSeconds(3601))
                .provider("openai")
                .modelRequested("private-model-x")
                .tokens(TokenUsage.openAi(100, 0, 10, 0))
                .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .statusCode(200)
                .build());
        return m;
    }

    static UsageRecord record(
            String id,
            Instant ts,
            String provider,
            String model,
            TokenUsage tokens,
            String department,
            String team,
            String feature,
            String session) {
        ModelPrice price = CATALOG.find(provider, model).orElseThrow();
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(ts)
                .tsEnd(ts.plusMillis(900))
                .keyId("key-1")
                .attribution(new Attribution(feature, department, team, "prod", session, null, null))
                .provider(provider)
                .endpoint("/v1/chat/completions")
                .modelRequested(model)
                .modelServed(model)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(price.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(CATALOG.version())
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    BigDecimal totalCost() {
        return records.stream()
                .map(UsageRecord::costUsd)
                .filter(c -> c != null)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** Writes the records as gzip NDJSON objects, one per hour, under the usage layout. */
    TestMonth writeTo(ObjectStore store) {
        java.util.Map<String, List<UsageRecord>> byHour = new java.util.TreeMap<>();
        for (UsageRecord r : records) {
            byHour.computeIfAbsent(UsageLayout.hourPrefix(r.tsStart()), k -> new ArrayList<>())
                    .add(r);
        }
        int n = 0;
        for (var e : byHour.entrySet()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                for (UsageRecord r : e.getValue()) {
                    UsageRecordCodec.write(r, gz);
                }
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            store.put(e.getKey() + "part-" + (n++) + ".ndjson.gz", bytes.toByteArray());
        }
        return this;
    }
}
