package dev.spendgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * One day of synthetic usage records made to overflow every per-day bound of a {@code DayAggregate} with scopes of
 * its own (no prompt, job, session or request id recurs on another day), so the day pass's own cap logic decides what
 * the aggregate keeps. Three populations, spread over the day from a seeded generator:
 *
 * <ul>
 *   <li>{@code prompts} system prompts (64-hex hash, 16-hex SimHash) of four prompt-caching features, 3 calls each:
 *       a cache write, a read 1-4 min later, a second write 20-50 min later (left unread). More than the 200,000
 *       prompts a day pass follows across midnight ({@code PromptCacheDetector.MAX_HEADS}) and the 100,000 prefix
 *       fingerprints the context-bloat rule keeps ({@code ContextBloatDetector.MAX_GROUPS}); the prompts' pending
 *       cache writes ({@code promptCache.prompts}) have no cap;
 *   <li>{@code jobs} batch runs of one feature (20 calls every tenth job, 3 the others): more than the 100,000 jobs
 *       past which the batch rule drops single-call jobs ({@code BatchTierDetector.MAX_JOBS}); each run is also a
 *       key-and-attribution combination of the governance rule (no cap);
 *   <li>{@code sessions} agent sessions that repeat an answered request twice within 16 s: one retry scope each (no
 *       cap).
 * </ul>
 *
 * Every call carries request, prefix and varying-part fingerprints, so the response-cache index sees it too.
 */
final class CappedDay {
    /** The populations of one day. */
    record Sizes(int prompts, int jobs, int sessions) {
        /** Past every cap: 200,000 prompts, 100,000 prefix fingerprints, 100,000 jobs. */
        static final Sizes PAST_CAPS = new Sizes(262_000, 110_000, 100_000);

        long records() {
            return 3L * prompts
                    + (jobs + 9L) / 10 * JOB_CALLS_LONG
                    + (jobs - (jobs + 9L) / 10) * JOB_CALLS
                    + 3L * sessions;
        }
    }

    private static final int PROMPT = 0;
    private static final int JOB = 1;
    private static final int SESSION = 2;
    private static final int JOB_CALLS = 3;
    /** {@code ContextBloatDetector.MAX_GROUPS}, and how far below it the one-off prompts fill it. */
    static final int BLOAT_GROUPS = 100_000;

    private static final int BLOAT_MARGIN = 500;
    /** The call number of a one-off prompt's only call (a cache write). */
    private static final int ONE_OFF = 3;

    private static final int JOB_CALLS_LONG = 20;
    private static final HexFormat HEX = HexFormat.of();

    /** feature, provider, model, department, team, key name, system prompt tokens. */
    private record Feature(
            String feature, String provider, String model, String department, String team, String key, int system) {}

    private static final Feature[] CACHING = {
        new Feature("policy-qa", "anthropic", "claude-sonnet-4-5", "people", "hr", "people-prod", 5200),
        new Feature("help-center", "anthropic", "claude-haiku-4-5", "support", "cx", "support-prod", 3200),
        new Feature("kb-assistant", "anthropic", "claude-haiku-4-5", "people", "hr", "people-prod", 3000),
        new Feature("due-diligence", "anthropic", "claude-sonnet-4-5", "legal", "commercial", "legal-prod", 2200)
    };
    private static final Feature BATCH =
            new Feature("invoice-backfill", "openai", "gpt-4.1-mini", "finance", "ap", "finance-prod", 600);
    private static final Feature AGENT =
            new Feature("support-chat", "anthropic", "claude-sonnet-4-5", "support", "cx", "support-prod", 1800);

    private final PricingCatalog catalog;
    private final Map<String, String> keyIds;
    private final Map<String, ModelPrice> prices = new LinkedHashMap<>();

    /** {@code keyIds}: key name (the simulator's keys, e.g. {@code support-prod}) to the key id the records carry. */
    CappedDay(PricingCatalog catalog, Map<String, String> keyIds) {
        this.catalog = catalog;
        this.keyIds = keyIds;
    }

    /** The day's records in time order (the order of the usage log). */
    void emit(LocalDate day, long seed, Sizes sizes, Consumer<UsageRecord> out) {
        long dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long[] events = new long[Math.toIntExact(sizes.records() + BLOAT_GROUPS)];
        int n = 0;
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + day.toEpochDay());
        // an event: millisecond of the day (27 bits) | population (2) | entity (20) | call (5)
        for (int i = 0; i < sizes.prompts(); i++) {
            long t = random.nextLong(82_800_000L); // every call before 23:00 + 60 min
            events[n++] = event(t, PROMPT, i, 0);
            events[n++] = event(t + 60_000 + random.nextLong(180_000), PROMPT, i, 1);
            events[n++] = event(t + 1_200_000 + random.nextLong(1_800_000), PROMPT, i, 2);
        }
        for (int j = 0; j < sizes.jobs(); j++) {
            long t = random.nextLong(82_800_000L);
            int calls = j % 10 == 0 ? JOB_CALLS_LONG : JOB_CALLS;
            for (int c = 0; c < calls; c++) {
                t += 30_000 + random.nextLong(60_000);
                events[n++] = event(t, JOB, j, c);
            }
        }
        for (int s = 0; s < sizes.sessions(); s++) {
            long t = random.nextLong(86_000_000L);
            for (int c = 0; c < 3; c++) {
                events[n++] = event(t + c * 8_000L, SESSION, s, c);
            }
        }
        Arrays.sort(events, 0, n);
        // The context-bloat rule drops its least-seen groups whenever it holds 100,000, and with groups seen alike that
        // empties it (lossy counting): the day would end anywhere below the cap. One-off prompts after its last drop
        // fill it to just below the cap, so every day's aggregate holds (nearly) the most the rule keeps.
        long[] last = lastBloatDrop(events, n);
        int fill = (int) Math.max(0, BLOAT_GROUPS - BLOAT_MARGIN - last[1]);
        long from = last[0] + 1;
        for (int i = 0; i < fill; i++) {
            events[n++] = event(from + random.nextLong(86_400_000L - from), PROMPT, sizes.prompts() + i, ONE_OFF);
        }
        Arrays.sort(events, 0, n);
        for (int i = 0; i < n; i++) {
            out.accept(record(day, seed, dayStart, events[i]));
        }
    }

    /**
     * What the context-bloat rule does with the day's prompts and sessions (every call of a prompt, the first of a
     * session: the repeats are redundant retries, which it leaves to the retry rule), as {@code
     * ContextBloatDetector} does it: {the millisecond of its last drop (-1 for none), the groups it holds at the end}.
     */
    static long[] lastBloatDrop(long[] events, int n) {
        Map<Long, int[]> groups = new LinkedHashMap<>();
        long pruneBelow = 2;
        long lastDrop = -1;
        for (int i = 0; i < n; i++) {
            long e = events[i];
            int population = (int) (e >>> 25) & 3;
            int call = (int) e & 31;
            if (population == JOB || population == SESSION && call > 0) {
                continue;
            }
            if (groups.size() >= BLOAT_GROUPS) {
                while (groups.size() >= BLOAT_GROUPS) {
                    long below = pruneBelow;
                    groups.values().removeIf(g -> g[0] < below);
                    pruneBelow++;
                }
                lastDrop = e >>> 27;
            }
            groups.computeIfAbsent(e & ~31L & ((1L << 27) - 1), k -> new int[1])[0]++;
        }
        return new long[] {lastDrop, groups.size()};
    }

    private static long event(long millis, int population, int entity, int call) {
        if (millis >= 86_400_000L || entity >= 1 << 20) {
            throw new IllegalArgumentException("event out of range: " + millis + " " + entity);
        }
        return millis << 27 | (long) population << 25 | (long) entity << 5 | call;
    }

    private UsageRecord record(LocalDate day, long seed, long dayStart, long e) {
        long millis = e >>> 27;
        int population = (int) (e >>> 25) & 3;
        int entity = (int) (e >>> 5) & ((1 << 20) - 1);
        int call = (int) e & 31;
        // the entity's fields from its own generator (the same for each of its calls), the call's from another
        SplittableRandom scope =
                new SplittableRandom((seed * 31 + day.toEpochDay()) * 1_000_003L + (long) population << 21 | entity);
        SplittableRandom callRandom = new SplittableRandom(scope.nextLong() + call * 0x9E3779B97F4A7C15L);
        Instant start = Instant.ofEpochMilli(dayStart + millis);
        return switch (population) {
            case PROMPT -> prompt(entity, call, scope, callRandom, start);
            case JOB -> job(scope, callRandom, start);
            default -> session(call, scope, callRandom, start);
        };
    }

    private UsageRecord prompt(int entity, int call, SplittableRandom scope, SplittableRandom r, Instant start) {
        Feature f = CACHING[entity % CACHING.length];
        String systemHash = hex(scope, 32);
        String systemSimhash = hex(scope, 8);
        String prefixHash = hex(scope, 32);
        long user = 200 + r.nextInt(600);
        long input = f.system() + user;
        long cached = call == 1 ? f.system() : 0; // calls 0, 2 and a one-off prompt's only call write the cache
        long written = call == 1 ? 0 : f.system();
        long out = 100 + r.nextInt(300);
        TokenUsage tokens = new TokenUsage(input, cached, written, 0, out, 0);
        return base(f, start, tokens, r, "/v1/messages")
                .attribution(new Attribution(
                        f.feature(), f.department(), f.team(), "production", "s-" + hex(scope, 5), null, null))
                .fingerprints(new UsageRecord.Fingerprints(
                        systemHash, prefixHash, hex(r, 32), hex(r, 8), hex(r, 32), hex(r, 8), systemSimhash))
                .build();
    }

    private UsageRecord job(SplittableRandom scope, SplittableRandom r, Instant start) {
        Feature f = BATCH;
        String run = "job-" + hex(scope, 8);
        long input = f.system() + 300 + r.nextInt(900);
        long out = 50 + r.nextInt(250);
        TokenUsage tokens = new TokenUsage(input, 0, 0, 0, out, 0);
        return base(f, start, tokens, r, "/v1/chat/completions")
                .attribution(new Attribution(f.feature(), f.department(), f.team(), "production", null, null, run))
                // no system prompt and one turn: no prefix fingerprint either
                .fingerprints(
                        new UsageRecord.Fingerprints(null, null, hex(r, 32), hex(r, 8), hex(r, 32), hex(r, 8), null))
                .build();
    }

    private UsageRecord session(int call, SplittableRandom scope, SplittableRandom r, Instant start) {
        Feature f = AGENT;
        String session = "s-" + hex(scope, 10);
        String requestHash = hex(scope, 32); // the same request, repeated
        long input = f.system() + 400 + scope.nextInt(1200);
        long out = 150 + scope.nextInt(500);
        TokenUsage tokens = new TokenUsage(input, 0, 0, 0, out, 0);
        return base(f, start, tokens, r, "/v1/messages")
                .attribution(new Attribution(f.feature(), f.department(), f.team(), "production", session, null, null))
                .fingerprints(new UsageRecord.Fingerprints(
                        null, hex(scope, 32), requestHash, hex(scope, 8), hex(scope, 32), hex(scope, 8), null))
                .build();
    }

    private UsageRecord.Builder base(Feature f, Instant start, TokenUsage tokens, SplittableRandom r, String endpoint) {
        ModelPrice price =
                prices.computeIfAbsent(f.provider() + "/" + f.model(), k -> catalog.find(f.provider(), f.model())
                        .orElseThrow(() -> new IllegalStateException("the catalog has no " + k)));
        BigDecimal cost = price.cost(tokens);
        long latency = 300 + tokens.outputTokens() * 12 + tokens.inputTokens() / 50;
        return UsageRecord.builder()
                .requestId("req_" + hex(r, 10))
                .tsStart(start)
                .tsEnd(start.plusMillis(latency))
                .keyId(keyIds.get(f.key()))
                .provider(f.provider())
                .endpoint(endpoint)
                .modelRequested(f.model())
                .modelServed(f.model())
                .statusCode(200)
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(catalog.version())
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .latencyMs(latency)
                .upstreamMs(latency - 3)
                .overheadMs(3);
    }

    private static String hex(SplittableRandom r, int bytes) {
        byte[] b = new byte[bytes];
        r.nextBytes(b);
        return HEX.formatHex(b);
    }

    /**
     * The sizes of a day aggregate's collections (from its gzip JSON, as stored): the bounded ones and the unbounded
     * ones, by the JSON path of each ({@code promptCache.heads}, {@code batchTier}, ...), plus the heads' gaps.
     */
    static Map<String, Long> collections(byte[] gzipJson) {
        JsonNode root;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipJson))) {
            root = new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("calls", root.get("calls").asLong());
        out.put("contextBloat", (long) root.get("contextBloat").size());
        out.put("promptCache.heads", (long) root.get("promptCache").get("heads").size());
        out.put(
                "promptCache.headsDropped",
                root.get("promptCache").get("headsDropped").asLong());
        out.put("promptCache.prompts", (long)
                root.get("promptCache").get("prompts").size());
        out.put("promptCache.unstable", (long)
                root.get("promptCache").get("unstable").size());
        out.put("batchTier", (long) root.get("batchTier").size());
        out.put("retry.scopes", (long) root.get("retry").get("scopes").size());
        out.put("ungoverned", (long) root.get("ungoverned").size());
        out.put("departmentsByKey", (long) root.get("departmentsByKey").size());
        long gaps = 0;
        for (JsonNode h : root.get("promptCache").get("heads")) {
            gaps += h.get("preGaps").size();
        }
        out.put("promptCache.heads.preGaps", gaps);
        return out;
    }
}
