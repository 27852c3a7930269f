package dev.spendgate.domain.simulate;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ScopeType;
import dev.spendgate.domain.cache.CacheableCalls;
import dev.spendgate.domain.fingerprint.PromptFingerprints;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.simulate.TrafficProfiles.KeySpec;
import dev.spendgate.domain.simulate.TrafficProfiles.Profile;
import dev.spendgate.domain.simulate.TrafficProfiles.Role;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.domain.waste.CacheMissFix;
import dev.spendgate.domain.waste.WasteCategory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A month of synthetic gateway traffic, the same for the same seed: twelve features in seven departments on OpenAI and
 * Anthropic models from the catalog, chat sessions, streaming, prompt caching where a feature uses it, rate-limit
 * errors with retries, and planted waste of every category with its exact ground truth. Who calls which model how is
 * data, not code: the bundled {@code profiles.json}, read by {@link TrafficProfiles}. Costs are the catalog's
 * ({@link ModelPrice#cost}), so every figure reconciles with the records.
 *
 * <p>Records are produced day by day in time order; memory holds one day of call drafts.
 */
public final class TrafficSimulator {
    public static final long DEFAULT_CALLS = 50_000;
    public static final long MIN_CALLS = 5_000;
    static final Duration PROMPT_CACHE_TTL = Duration.ofMinutes(5);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final java.util.HexFormat HEX = java.util.HexFormat.of();

    /**
     * @param calls roughly how many background calls the month has (planted incidents add a few hundred)
     * @param keepRequestIds keep every wasteful call's id in the ground truth (tests); off for large runs
     */
    public record Settings(YearMonth month, long seed, long calls, boolean keepRequestIds) {
        public Settings {
            Objects.requireNonNull(month, "month");
            if (calls < MIN_CALLS) {
                throw new IllegalArgumentException("calls must be at least " + MIN_CALLS + ", was " + calls);
            }
        }
    }

    /** Progress of a run: the day just finished and the records produced so far. */
    public interface Progress {
        void dayDone(LocalDate day, long records);
    }

    private static final TrafficProfiles ORGANISATION = TrafficProfiles.bundled();
    private static final List<Profile> PROFILES = ORGANISATION.profiles();

    /** The cheaper model the planted mismatches should move to (what a careful engineer would pick). */
    private static final Map<String, String> CHEAPER =
            Map.of("gpt-4o", "gpt-4o-mini", "claude-opus-4-1", "claude-haiku-4-5");

    private static final List<KeySpec> KEY_SPECS = ORGANISATION.keys();

    private static final List<String> BUDGETED_DEPARTMENTS =
            List.of("support", "engineering", "sales", "finance", "marketing", "people", "legal");

    private final PricingCatalog catalog;
    private final Settings settings;
    private final Map<String, ProxyKey> keys = new LinkedHashMap<>();
    private final List<BudgetPolicy> policies = new ArrayList<>();
    private final Map<String, Profile> byFeature = new HashMap<>();
    private final Map<String, ModelPrice> prices = new HashMap<>();
    private final List<Incident> incidents = new ArrayList<>();
    private final Map<String, Incident> featureIncidents = new HashMap<>();
    private final Map<LocalDate, List<Runnable>> scheduled = new HashMap<>();
    private final Map<String, Long> lastCacheUse = new HashMap<>();
    private final Map<String, String> systemHashes = new HashMap<>();
    private final Map<String, Long> systemSketches = new HashMap<>();
    private final Map<String, Long> promptSketches = new HashMap<>();
    private final Map<String, PendingWrite> pendingWrites = new HashMap<>();
    private final Map<String, Incident> unreadWrites = new LinkedHashMap<>();
    private final SplittableRandom idRandom;
    private List<Draft> day;
    private SplittableRandom random;

    private TrafficSimulator(PricingCatalog catalog, Settings settings) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.idRandom = new SplittableRandom(settings.seed() ^ 0x5DEECE66DL);
        SplittableRandom keyRandom = new SplittableRandom(settings.seed() * 31 + 7);
        Instant created = settings.month()
                .atDay(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .minus(Duration.ofDays(1));
        for (KeySpec spec : KEY_SPECS) {
            String id = String.format("key_%012x", keyRandom.nextLong() & 0xFFFFFFFFFFFFL);
            // simulated keys are created disabled, with the hash of a secret nobody knows: they can never call
            keys.put(
                    spec.ref(),
                    new ProxyKey(
                            id,
                            ProxyKeys.hash(ProxyKeys.newSecret()),
                            spec.name(),
                            spec.environment(),
                            "simulation",
                            new Attribution(null, spec.department(), spec.team(), spec.environment(), null, null, null),
                            false,
                            created));
        }
        for (String department : BUDGETED_DEPARTMENTS) {
            policies.add(new BudgetPolicy(
                    new BudgetScope(ScopeType.DEPARTMENT, department),
                    BudgetPeriod.MONTHLY,
                    BigDecimal.valueOf(Math.max(100, settings.calls() / 10)),
                    BudgetPolicy.Mode.ALERT,
                    null,
                    null,
                    null));
        }
        policies.add(new BudgetPolicy(
                new BudgetScope(ScopeType.KEY, keys.get("batch").id()),
                BudgetPeriod.MONTHLY,
                BigDecimal.valueOf(Math.max(50, settings.calls() / 100)),
                BudgetPolicy.Mode.ALERT,
                null,
                null,
                null));
        for (Profile p : PROFILES) {
            byFeature.put(p.feature() == null ? "(batch)" : p.feature(), p);
            prices.put(p.model(), price(p.provider(), p.model()));
            systemHashes.put(
                    p.feature() == null ? "(batch)" : p.feature(),
                    PromptFingerprints.hash(("system prompt of " + p.feature() + " #" + settings.seed())
                            .getBytes(StandardCharsets.UTF_8)));
            SplittableRandom sketches = new SplittableRandom(settings.seed() * 131 + byFeature.size());
            systemSketches.put(p.feature() == null ? "(batch)" : p.feature(), sketches.nextLong());
            promptSketches.put(p.feature() == null ? "(batch)" : p.feature(), sketches.nextLong());
        }
        CHEAPER.values().forEach(m -> prices.put(m, price(m.startsWith("claude") ? "anthropic" : "openai", m)));
        plan();
    }

    public static TrafficSimulator create(PricingCatalog catalog, Settings settings) {
        return new TrafficSimulator(catalog, settings);
    }

    /** The simulated keys (disabled: their secrets exist nowhere). */
    public List<ProxyKey> keys() {
        return List.copyOf(keys.values());
    }

    /** Department budgets for every department but research, and a key budget for the batch key. */
    public List<BudgetPolicy> policies() {
        return List.copyOf(policies);
    }

    private ModelPrice price(String provider, String model) {
        return catalog.find(provider, model)
                .orElseThrow(() -> new IllegalStateException("the pricing catalog has no " + provider + " " + model));
    }

    // ---------------------------------------------------------------- planning

    private void plan() {
        SplittableRandom r = new SplittableRandom(settings.seed() * 1_000_003L + 11);
        for (Profile p : PROFILES) {
            if (p.role() == Role.MISMATCH) {
                featureIncidents.put(
                        p.feature(),
                        new Incident(
                                WasteCategory.MODEL_MISMATCH,
                                "premium_model_for_simple_work",
                                "feature",
                                p.feature(),
                                p.model()));
            } else if (p.role() == Role.BLOAT || p.role() == Role.UNSTABLE) {
                Incident i = p.role() == Role.BLOAT
                        ? new Incident(
                                WasteCategory.CONTEXT_BLOAT,
                                "uncached_repeated_prefix",
                                "feature",
                                p.feature(),
                                p.model())
                        : new Incident(
                                WasteCategory.PROMPT_CACHE, "unstable_prefix", "feature", p.feature(), p.model());
                i.bloatPrice = prices.get(p.model());
                i.prefixTokens = p.systemTokens();
                featureIncidents.put(p.feature(), i);
            } else if (p.role() == Role.BATCH) {
                featureIncidents.put(
                        p.feature(),
                        new Incident(WasteCategory.BATCH_TIER, "batch_eligible", "feature", p.feature(), p.model()));
            } else if (p.role() == Role.AT_RISK) {
                String keyRef = p.keyRef();
                featureIncidents.put(
                        p.feature() == null ? "(batch)" : p.feature(),
                        new Incident(
                                WasteCategory.UNGOVERNED_KEY,
                                p.feature() == null ? "unattributed" : "no_budget",
                                "key",
                                keys.get(keyRef).id(),
                                null));
            }
        }
        incidents.addAll(featureIncidents.values());
        Incident multiEnv = new Incident(
                WasteCategory.UNGOVERNED_KEY,
                "multiple_environments",
                "key",
                keys.get("engineering-staging").id(),
                null);
        Incident nonProd = new Incident(
                WasteCategory.UNGOVERNED_KEY,
                "nonprod_on_prod_key",
                "key",
                keys.get("marketing").id(),
                null);
        featureIncidents.put("env:code-review", multiEnv);
        featureIncidents.put("env:marketing-copy", nonProd);
        incidents.add(multiEnv);
        incidents.add(nonProd);

        int days = settings.month().lengthOfMonth();
        for (int i = 0; i < 8; i++) {
            String feature = i % 2 == 0 ? "support-chat" : "marketing-copy";
            int repeats = i == 0 ? 40 : 4 + r.nextInt(20);
            long gap = i == 0 ? 1_500 : 6_000;
            schedule(r, days, (t) -> duplicateLoop(feature, repeats, gap, t));
        }
        for (int i = 0; i < 4; i++) {
            int attempts = 7 + r.nextInt(9);
            schedule(r, days, (t) -> errorLoop(attempts, t));
        }
        for (int i = 0; i < 2; i++) {
            int calls = 80 + r.nextInt(60);
            schedule(r, days, (t) -> runawayBurst(calls, t));
        }
        for (String feature : List.of("sales-email", "marketing-copy", "support-chat")) {
            Profile p = byFeature.get(feature);
            Incident cache = new Incident(WasteCategory.CACHE_MISS, "near_duplicates", "feature", feature, p.model());
            incidents.add(cache);
            for (int g = 0; g < 12; g++) {
                schedule(r, days, (t) -> cacheGroup(p, cache, t));
            }
        }
        // shapes added with the varying-part fingerprints; scheduled after the others so their traffic is unchanged
        for (int i = 0; i < 10; i++) {
            schedule(r, days, (t) -> sharedPrefixEpisode(byFeature.get("help-center"), 60, 30_000, 120_000, t));
            schedule(r, days, (t) -> sharedPrefixEpisode(byFeature.get("kb-assistant"), 40, 30_000, 120_000, t));
            schedule(r, days, (t) -> sharedPrefixEpisode(byFeature.get("sales-assist"), 30, 60_000, 180_000, t));
        }
        for (int i = 0; i < 8; i++) {
            schedule(r, days, (t) -> sharedPrefixEpisode(byFeature.get("due-diligence"), 12, 480_000, 1_920_000, t));
        }
        for (int i = 0; i < 5; i++) {
            int calls = 60 + r.nextInt(61);
            LocalDate date = settings.month().atDay(1 + r.nextInt(days));
            long start = date.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
                    + Duration.ofHours(1).toMillis()
                    + (long) (r.nextDouble() * Duration.ofHours(3).toMillis());
            scheduled.computeIfAbsent(date, d -> new ArrayList<>()).add(() -> batchJob(calls, start));
        }
    }

    private interface Planted {
        void at(long startMillis);
    }

    private void schedule(SplittableRandom r, int days, Planted planted) {
        LocalDate date = settings.month().atDay(1 + r.nextInt(days));
        long start = date.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
                + Duration.ofHours(8).toMillis()
                + (long) (r.nextDouble() * Duration.ofHours(10).toMillis());
        scheduled.computeIfAbsent(date, d -> new ArrayList<>()).add(() -> planted.at(start));
    }

    // ---------------------------------------------------------------- running

    /** Produces the month's records in time order; returns what was planted. */
    public GroundTruth run(Consumer<UsageRecord> sink, Progress progress) {
        long records = 0;
        BigDecimal spend = BigDecimal.ZERO;
        YearMonth month = settings.month();
        long monthStart =
                month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long monthEnd = month.plusMonths(1)
                .atDay(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .toEpochMilli();
        double[] dayWeights = new double[month.lengthOfMonth()];
        double total = 0;
        for (int d = 0; d < dayWeights.length; d++) {
            DayOfWeek dow = month.atDay(d + 1).getDayOfWeek();
            dayWeights[d] = dow == DayOfWeek.SATURDAY || dow == DayOfWeek.SUNDAY ? 0.45 : 1.0;
            total += dayWeights[d];
        }
        for (int d = 0; d < dayWeights.length; d++) {
            LocalDate date = month.atDay(d + 1);
            random = new SplittableRandom(settings.seed() * 7_919L + d);
            day = new ArrayList<>();
            double share = dayWeights[d] / total;
            for (Profile p : PROFILES) {
                long n = Math.round(settings.calls() * p.weight() * share);
                background(p, date, n);
            }
            environmentLeaks(date, Math.round(settings.calls() * 0.01 * share));
            for (Runnable planted : scheduled.getOrDefault(date, List.of())) {
                planted.run();
            }
            day.sort(Comparator.comparingLong((Draft x) -> x.ts).thenComparing(x -> x.requestId));
            for (Draft draft : day) {
                if (draft.ts < monthStart || draft.ts >= monthEnd) {
                    continue; // a session running over midnight at the month's edge: keep the month whole
                }
                UsageRecord record = finish(draft);
                if (record.costUsd() != null) {
                    spend = spend.add(record.costUsd());
                }
                records++;
                sink.accept(record);
            }
            day = null;
            progress.dayDone(date, records);
        }
        List<PlantedWaste> planted = new ArrayList<>();
        for (Incident i : incidents) {
            planted.add(i.toPlanted());
        }
        for (Map.Entry<String, PendingWrite> e : pendingWrites.entrySet()) {
            PendingWrite w = e.getValue();
            if (w.record() != null) {
                unread(
                        w.feature(),
                        w.record(),
                        prices.get(byFeature.get(w.feature()).model()));
            }
        }
        for (Incident i : unreadWrites.values()) {
            // what the detector's rule calls waste: >= 10 unread writes and at least half of the writes unread
            if (i.calls >= 10 && 2 * i.calls >= i.writes) {
                planted.add(i.toPlanted());
            }
        }
        return new GroundTruth(month, settings.seed(), records, spend, planted);
    }

    private void background(Profile p, LocalDate date, long n) {
        String featureKey = p.feature() == null ? "(batch)" : p.feature();
        Role role = p.role();
        long made = 0;
        while (made < n) {
            long start = businessTime(date);
            boolean staging = "code-review".equals(p.feature()) && random.nextDouble() < 0.1;
            String keyRef = staging ? "engineering-staging" : p.keyRef();
            String env = staging ? "staging" : keys.get(keyRef).environment();
            if (p.maxTurns() == 0) {
                Draft d = call(p, keyRef, env, null, start, 0);
                d.role = role;
                d.incident = featureIncidents.get(featureKey);
                made++;
                maybeRetried(d);
                continue;
            }
            String session = "s-" + hex(5);
            String user = p.department() + "-u" + random.nextInt(400);
            int turns = 1 + random.nextInt(p.maxTurns());
            long t = start;
            for (int turn = 0; turn < turns && made < n; turn++) {
                Draft d = call(p, keyRef, env, session, t, turn);
                d.user = user;
                d.role = role;
                d.incident = featureIncidents.get(featureKey);
                made++;
                maybeRetried(d);
                t += 20_000 + random.nextInt(160_000);
            }
        }
    }

    /** Calls that say they come from an environment their key does not belong to. */
    private void environmentLeaks(LocalDate date, long n) {
        for (int i = 0; i < n; i++) {
            Draft d = call(byFeature.get("code-review"), "engineering-staging", "dev", null, businessTime(date), 0);
            d.role = Role.AT_RISK;
            d.incident = featureIncidents.get("env:code-review");
            Draft m = call(byFeature.get("marketing-copy"), "marketing", "dev", "s-" + hex(5), businessTime(date), 0);
            m.role = Role.AT_RISK;
            m.incident = featureIncidents.get("env:marketing-copy");
        }
    }

    /** 1.5 % of calls fail first (rate limit, overload) and are retried a few seconds later: legitimate retries. */
    private void maybeRetried(Draft d) {
        double x = random.nextDouble();
        if (x < 0.015) {
            Draft failed = copy(d, d.ts - 1_000 - random.nextInt(7_000));
            boolean anthropic = "anthropic".equals(d.profile.provider());
            failed.status = random.nextBoolean() ? 429 : anthropic ? 529 : 500;
            failed.errorType =
                    failed.status == 429 ? "rate_limit_error" : anthropic ? "overloaded_error" : "server_error";
            failed.billable = false;
        } else if (x < 0.019) {
            d.status = 400;
            d.errorType = "invalid_request_error";
            d.billable = false;
        }
    }

    /**
     * One burst of single-turn calls that share the feature's system prompt and differ in a short question: whole-
     * prompt sketches within 0-2 bits of each other (the prefix dominates them), different questions. help-center has
     * the prompt cached (no waste), kb-assistant sends it uncached (context bloat), sales-assist starts it with a
     * timestamp (unstable prefix: a new system hash on every call, the same system sketch within 2 bits), and
     * due-diligence caches it with gaps longer than the 5-minute TTL (unread cache writes).
     */
    private void sharedPrefixEpisode(Profile p, int calls, long minGap, long maxGap, long start) {
        Incident incident = featureIncidents.get(p.feature());
        long t = start;
        for (int i = 0; i < calls; i++) {
            Draft d = call(p, p.keyRef(), "production", null, t, 0);
            d.sketch = promptSketches.get(p.feature()) ^ flips(random.nextInt(3));
            if (p.role() == Role.UNSTABLE) {
                d.systemHash = hex(16);
                d.prefixHash = d.systemHash;
                d.systemSketch = systemSketches.get(p.feature()) ^ flips(random.nextInt(3));
            }
            if (incident != null) {
                d.role = p.role();
                d.incident = incident;
            }
            t += minGap + (long) (random.nextDouble() * (maxGap - minGap));
        }
    }

    /** A nightly job: one run, none streamed, calls 10-40 s apart, at 01:00-04:00 UTC. */
    private void batchJob(int calls, long start) {
        Profile p = byFeature.get("invoice-backfill");
        String run = "job-" + hex(4);
        long t = start;
        for (int i = 0; i < calls; i++) {
            Draft d = call(p, p.keyRef(), "production", null, t, 0);
            d.run = run;
            d.stream = false;
            d.role = Role.BATCH;
            d.incident = featureIncidents.get(p.feature());
            t += 10_000 + random.nextInt(30_000);
        }
    }

    /** SplitMix64 finaliser: an unrelated-looking sketch derived from another. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private long flips(int bits) {
        long mask = 0;
        while (Long.bitCount(mask) < bits) {
            mask |= 1L << random.nextInt(64);
        }
        return mask;
    }

    private void duplicateLoop(String feature, int repeats, long gapMillis, long start) {
        Profile p = byFeature.get(feature);
        Incident incident = new Incident(WasteCategory.RETRY_WASTE, "duplicate_repeats", "session", null, null);
        Draft first = call(p, p.keyRef(), "production", "s-" + hex(5), start, 0);
        incident.scopeValue = first.keyId + "/" + first.session; // a session is its key's own
        incidents.add(incident);
        long t = start;
        for (int i = 0; i < repeats; i++) {
            t += gapMillis / 2 + random.nextInt((int) gapMillis);
            Draft again = copy(first, t);
            again.role = Role.REDUNDANT;
            again.incident = incident;
        }
    }

    /**
     * An agent session gone runaway: many different requests about a second apart. The calls past the 30th of each
     * clock minute are the waste (a 30-per-minute session breaker would have refused them).
     */
    private void runawayBurst(int calls, long start) {
        Profile p = byFeature.get("support-chat");
        Incident incident = new Incident(WasteCategory.RETRY_WASTE, "runaway_burst", "session", null, null);
        String session = "agent-" + hex(5);
        incident.scopeValue = keys.get(p.keyRef()).id() + "/" + session; // a session is its key's own
        incidents.add(incident);
        long t = start;
        long minute = -1;
        int inMinute = 0;
        for (int i = 0; i < calls; i++) {
            Draft d = call(p, p.keyRef(), "production", session, t, 0);
            d.run = session;
            if (t / 60_000 != minute) {
                minute = t / 60_000;
                inMinute = 0;
            }
            if (++inMinute > 30) {
                d.role = Role.REDUNDANT;
                d.incident = incident;
            }
            t += 400 + random.nextInt(1_200);
        }
    }

    private void errorLoop(int attempts, long start) {
        Profile p = byFeature.get("code-review");
        Incident incident = new Incident(WasteCategory.RETRY_WASTE, "error_loop", "session", null, null);
        String run = "run-" + hex(4);
        Draft first = call(p, "engineering", "production", run, start, 0);
        first.run = run;
        first.status = 499;
        first.errorType = "client_disconnected";
        first.estimated = true;
        incident.scopeValue = first.keyId + "/" + run; // a session is its key's own
        incidents.add(incident);
        long t = start;
        for (int i = 1; i < attempts; i++) {
            t += 5_000 + random.nextInt(15_000);
            Draft again = copy(first, t);
            if (i >= 3) {
                again.role = Role.REDUNDANT;
                again.incident = incident;
            }
        }
    }

    /**
     * One frequently asked request: the first call, three exact repeats, and four rewordings whose sketches differ in
     * 2, 2, 5 and 8 bits (disjoint bits, so rewordings are never closer to each other than to the first call), all by
     * different sessions within the next 50 minutes, at least 4 minutes apart. Never streamed where the gateway's
     * cache would bypass a stream ({@link CacheableCalls}: the Responses API).
     */
    private void cacheGroup(Profile p, Incident incident, long start) {
        Draft base = call(p, p.keyRef(), "production", p.maxTurns() == 0 ? null : "s-" + hex(5), start, 0);
        if (CacheableCalls.bypass(p.endpoint(), base.stream).isPresent()) {
            base.stream = false; // planted repeats are ones a cache answers: it never answers a streamed Responses call
        }
        int[] bits = permutation64();
        int next = 0;
        Role[] roles = {
            Role.CACHE_EXACT, Role.CACHE_EXACT, Role.CACHE_EXACT, Role.CACHE_2, Role.CACHE_2, Role.CACHE_5, Role.CACHE_8
        };
        for (int i = 0; i < roles.length; i++) {
            long t = start + (i + 1) * 6 * 60_000L + random.nextInt(60_000);
            Draft d = copy(base, t);
            d.session = p.maxTurns() == 0 ? null : "s-" + hex(5);
            d.user = p.department() + "-u" + random.nextInt(400);
            d.role = roles[i];
            d.incident = incident;
            int flips =
                    switch (roles[i]) {
                        case CACHE_2 -> 2;
                        case CACHE_5 -> 5;
                        case CACHE_8 -> 8;
                        default -> 0;
                    };
            if (flips > 0) {
                d.requestHash = hex(16);
                d.varyingHash = d.requestHash;
                for (int f = 0; f < flips; f++) {
                    d.sketch ^= 1L << bits[next];
                    d.varyingSketch ^= 1L << bits[next++];
                }
                d.userTokens = Math.max(p.userMin(), d.userTokens + random.nextInt(21) - 10);
                d.outTokens = p.outMin() + random.nextInt(p.outMax() - p.outMin() + 1);
            }
        }
    }

    private int[] permutation64() {
        int[] bits = new int[64];
        for (int i = 0; i < 64; i++) {
            bits[i] = i;
        }
        for (int i = 63; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = bits[i];
            bits[i] = bits[j];
            bits[j] = tmp;
        }
        return bits;
    }

    private long businessTime(LocalDate date) {
        long dayStart = date.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        // two thirds of the calls in working hours (07:00-19:00 UTC), the rest spread over the day
        long offset = random.nextDouble() < 0.67
                ? Duration.ofHours(7).toMillis()
                        + (long) (random.nextDouble() * Duration.ofHours(12).toMillis())
                : (long) (random.nextDouble() * Duration.ofDays(1).toMillis());
        return dayStart + offset;
    }

    private Draft call(Profile p, String keyRef, String env, String session, long ts, int turn) {
        Draft d = new Draft();
        d.profile = p;
        d.ts = ts;
        d.keyId = keys.get(keyRef).id();
        d.environment = env;
        d.session = session;
        d.user = p.department() == null ? null : p.department() + "-u" + random.nextInt(400);
        d.requestId = "req_" + hex(10);
        d.userTokens = p.userMin() + random.nextInt(p.userMax() - p.userMin() + 1) + turn * (300 + random.nextInt(400));
        d.outTokens = p.outMax() == 0 ? 0 : p.outMin() + random.nextInt(p.outMax() - p.outMin() + 1);
        d.stream = random.nextDouble() < p.streamShare();
        d.status = 200;
        d.billable = true;
        d.requestHash = hex(16);
        d.prefixHash = p.systemTokens() == 0 ? null : turn == 0 ? systemHashOf(p) : hex(16);
        d.sketch = random.nextLong();
        // derived, not drawn, so the random streams (and every other field of the month) stay as they were
        d.varyingHash = d.requestHash;
        d.varyingSketch = mix(d.sketch);
        d.systemHash = p.systemTokens() == 0 ? null : systemHashOf(p);
        d.systemSketch = systemSketches.get(p.feature() == null ? "(batch)" : p.feature());
        day.add(d);
        return d;
    }

    private Draft copy(Draft from, long ts) {
        Draft d = new Draft();
        d.profile = from.profile;
        d.ts = ts;
        d.keyId = from.keyId;
        d.environment = from.environment;
        d.session = from.session;
        d.user = from.user;
        d.run = from.run;
        d.requestId = "req_" + hex(10);
        d.userTokens = from.userTokens;
        d.outTokens = from.outTokens;
        d.stream = from.stream;
        d.status = from.status;
        d.errorType = from.errorType;
        d.billable = from.billable;
        d.estimated = from.estimated;
        d.requestHash = from.requestHash;
        d.prefixHash = from.prefixHash;
        d.sketch = from.sketch;
        d.varyingHash = from.varyingHash;
        d.varyingSketch = from.varyingSketch;
        d.systemHash = from.systemHash;
        d.systemSketch = from.systemSketch;
        day.add(d);
        return d;
    }

    private String systemHashOf(Profile p) {
        return systemHashes.get(p.feature() == null ? "(batch)" : p.feature());
    }

    private String hex(int bytes) {
        byte[] b = new byte[bytes];
        idRandom.nextBytes(b);
        return HEX.formatHex(b);
    }

    // ---------------------------------------------------------------- records

    private UsageRecord finish(Draft d) {
        Profile p = d.profile;
        ModelPrice price = prices.get(p.model());
        Instant start = Instant.ofEpochMilli(d.ts);
        TokenUsage tokens = TokenUsage.ZERO;
        BigDecimal cost = null;
        if (d.billable) {
            long input = p.systemTokens() + d.userTokens;
            long cached = 0;
            long written = 0;
            if (p.caching() && d.status == 200) {
                Long last = lastCacheUse.get(p.model() + d.systemHash);
                boolean warm = last != null && d.ts - last <= PROMPT_CACHE_TTL.toMillis();
                if (warm) {
                    cached = "openai".equals(p.provider()) ? p.systemTokens() / 128 * 128 : p.systemTokens();
                } else if (!"openai".equals(p.provider())) {
                    written = p.systemTokens();
                }
                lastCacheUse.put(p.model() + d.systemHash, d.ts);
            }
            long out = d.estimated ? Math.max(1, d.outTokens / 3) : d.outTokens;
            tokens = new TokenUsage(input, cached, written, 0, out, Math.round(out * p.reasoningShare()));
            cost = price.cost(tokens);
        }
        long latency = d.billable ? 300 + tokens.outputTokens() * 12 + tokens.inputTokens() / 50 : 80 + d.ts % 200;
        String feature = p.feature();
        UsageRecord record = UsageRecord.builder()
                .requestId(d.requestId)
                .tsStart(start)
                .tsEnd(start.plusMillis(latency))
                .keyId(d.keyId)
                .attribution(
                        new Attribution(feature, p.department(), p.team(), d.environment, d.session, d.user, d.run))
                .provider(p.provider())
                .endpoint(p.endpoint())
                .modelRequested(p.model())
                .modelServed(d.billable ? p.served() : null)
                .stream(d.stream)
                .statusCode(d.status)
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(d.billable ? PricingStatus.PRICED : PricingStatus.NOT_BILLABLE)
                .pricingVersion(catalog.version())
                .usageSource(
                        !d.billable ? UsageSource.NONE : d.estimated ? UsageSource.ESTIMATED : UsageSource.PROVIDER)
                .latencyMs(latency)
                .upstreamMs(Math.max(0, latency - 3))
                .overheadMs(Math.min(3, latency))
                .maxOutputTokens(p.maxOutput() == 0 ? null : p.maxOutput())
                .errorType(d.errorType)
                .fingerprints(new Fingerprints(
                        d.systemHash,
                        d.prefixHash,
                        d.requestHash,
                        String.format("%016x", d.sketch),
                        d.varyingHash,
                        String.format("%016x", d.varyingSketch),
                        d.systemHash == null ? null : String.format("%016x", d.systemSketch)))
                .build();
        account(d, record);
        cacheWrites(d, record, price);
        return record;
    }

    /** A cache write not yet read by a later call of the same system prompt and model. */
    private record PendingWrite(UsageRecord record, String feature) {}

    /**
     * Ground truth of unread cache writes, from every answered call in time order: a write is unread when the next
     * write of the same prompt comes (or the month ends) without a read in between. The waste is its premium over
     * the input price.
     */
    private void cacheWrites(Draft d, UsageRecord r, ModelPrice price) {
        if (r.costUsd() == null || d.status != 200 || d.systemHash == null) {
            return;
        }
        String key = d.profile.model() + d.systemHash;
        TokenUsage t = r.tokens();
        PendingWrite pending = pendingWrites.get(key);
        if (t.cachedInputTokens() > 0 && pending != null) {
            pendingWrites.put(key, new PendingWrite(null, pending.feature()));
            return;
        }
        if (t.cacheWriteTokens() == 0) {
            return;
        }
        if (pending != null && pending.record() != null) {
            unread(pending.feature(), pending.record(), price);
        }
        Incident i = unreadIncident(d.profile.feature() == null ? "(batch)" : d.profile.feature(), price);
        i.writes++;
        pendingWrites.put(key, new PendingWrite(r, d.profile.feature() == null ? "(batch)" : d.profile.feature()));
    }

    private void unread(String feature, UsageRecord r, ModelPrice price) {
        BigDecimal write = price.cacheWrite5m() == null ? price.input() : price.cacheWrite5m();
        BigDecimal premium = write.subtract(price.input())
                .multiply(BigDecimal.valueOf(r.tokens().cacheWrite5mTokens()))
                .divide(MILLION);
        unreadIncident(feature, price).add(r, premium);
    }

    private Incident unreadIncident(String feature, ModelPrice price) {
        return unreadWrites.computeIfAbsent(
                feature,
                f -> new Incident(WasteCategory.PROMPT_CACHE, "unread_cache_writes", "feature", f, price.model()));
    }

    private void account(Draft d, UsageRecord r) {
        Incident i = d.incident;
        if (i == null || d.role == Role.NONE) {
            return;
        }
        boolean ok = d.status == 200 && r.costUsd() != null && r.costUsd().signum() > 0;
        BigDecimal cost = r.costUsd() == null ? BigDecimal.ZERO : r.costUsd();
        switch (d.role) {
            case MISMATCH -> {
                if (ok) {
                    i.add(
                            r,
                            cost.subtract(
                                    prices.get(CHEAPER.get(d.profile.model())).cost(r.tokens())));
                }
            }
            case BATCH -> {
                if (ok) {
                    i.add(r, cost.divide(BigDecimal.valueOf(2)));
                }
            }
            case BLOAT, UNSTABLE -> {
                if (ok) {
                    if (i.lastTs < 0 || d.ts - i.lastTs > PROMPT_CACHE_TTL.toMillis()) {
                        i.writes++;
                    }
                    i.lastTs = Math.max(i.lastTs, d.ts);
                    i.add(r, BigDecimal.ZERO);
                }
            }
            case REDUNDANT -> i.add(r, cost);
            case CACHE_EXACT, CACHE_2, CACHE_5, CACHE_8 -> {
                i.add(r, BigDecimal.ZERO);
                i.threshold("0.85", cost);
                if (d.role != Role.CACHE_8) {
                    i.threshold("0.90", cost);
                    i.hitsAt090++;
                }
                if (d.role == Role.CACHE_EXACT) {
                    i.threshold("exact", cost); // an exact repeat within the TTL of the group's first call
                    i.exactRepeats++;
                }
                if (d.role == Role.CACHE_EXACT || d.role == Role.CACHE_2) {
                    i.threshold("0.95", cost);
                }
            }
            case AT_RISK -> {
                if (cost.signum() > 0) {
                    i.add(r, BigDecimal.ZERO);
                    i.atRisk = i.atRisk.add(cost);
                }
            }
            default -> {}
        }
    }

    private final class Incident {
        final WasteCategory category;
        final String kind;
        final String scopeType;
        String scopeValue;
        final String model;
        long calls;
        BigDecimal savings = BigDecimal.ZERO;
        BigDecimal atRisk = BigDecimal.ZERO;
        final Map<String, BigDecimal> byThreshold = new LinkedHashMap<>();
        final List<String> ids = new ArrayList<>();
        ModelPrice bloatPrice;
        long prefixTokens;
        long writes;
        long lastTs = -1;
        /** Cache misses: the exact repeats and the hits at 0.90 (exact ones included), which pick the fix's cache. */
        long exactRepeats;

        long hitsAt090;

        Incident(WasteCategory category, String kind, String scopeType, String scopeValue, String model) {
            this.category = category;
            this.kind = kind;
            this.scopeType = scopeType;
            this.scopeValue = scopeValue;
            this.model = model;
        }

        void add(UsageRecord r, BigDecimal saving) {
            calls++;
            savings = savings.add(saving);
            if (settings.keepRequestIds() || ids.size() < 10) {
                ids.add(r.requestId());
            }
        }

        void threshold(String label, BigDecimal cost) {
            byThreshold.merge(label, cost, BigDecimal::add);
        }

        PlantedWaste toPlanted() {
            BigDecimal windowSavings = savings;
            if (category == WasteCategory.CACHE_MISS) {
                // what the cache the finding's fix sets up saves: semantic at 0.90, or exact
                windowSavings = byThreshold.getOrDefault(
                        CacheMissFix.semantic(exactRepeats, hitsAt090) ? "0.90" : "exact", BigDecimal.ZERO);
            } else if (bloatPrice != null) {
                ModelPrice pr = bloatPrice;
                BigDecimal cachedPrice = pr.cachedInput() == null ? pr.input() : pr.cachedInput();
                BigDecimal writePrice = pr.cacheWrite5m() == null ? pr.input() : pr.cacheWrite5m();
                BigDecimal prefix = BigDecimal.valueOf(prefixTokens);
                windowSavings = BigDecimal.valueOf(calls - writes)
                        .multiply(prefix)
                        .multiply(pr.input().subtract(cachedPrice))
                        .subtract(BigDecimal.valueOf(writes).multiply(prefix).multiply(writePrice.subtract(pr.input())))
                        .divide(MILLION);
            }
            return new PlantedWaste(
                    category, kind, scopeType, scopeValue, model, calls, windowSavings, atRisk, byThreshold, ids);
        }
    }

    private static final class Draft {
        Profile profile;
        long ts;
        String requestId;
        String keyId;
        String environment;
        String session;
        String user;
        String run;
        int userTokens;
        int outTokens;
        boolean stream;
        int status;
        String errorType;
        boolean billable;
        boolean estimated;
        String requestHash;
        String prefixHash;
        long sketch;
        String varyingHash;
        long varyingSketch;
        String systemHash;
        long systemSketch;
        Role role = Role.NONE;
        Incident incident;
    }
}
