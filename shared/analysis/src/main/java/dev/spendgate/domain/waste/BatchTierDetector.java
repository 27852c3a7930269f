package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PriceQuote;
import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Non-interactive jobs billed at the standard tier. <b>Eligibility rule</b>: the calls of one job, that is one
 * {@code run} of a feature (or, without a run, the calls a feature makes with {@code environment: batch} on one key),
 * are batch-eligible when the job made at least {@value #MIN_JOB_CALLS} billed calls on a provider with a Batch API
 * (OpenAI, Anthropic, Bedrock), and none of them was streamed (nobody waits on a stream of a job). A Bedrock batch
 * inference job runs one model and takes at least {@value #BEDROCK_MIN_RECORDS} records (the quota "Minimum number of
 * records per batch inference job", docs.aws.amazon.com/bedrock/latest/userguide/batch-inference-data.html): an
 * eligible job's calls on a Bedrock model count only when it made at least that many on the model. Calls already
 * billed at the batch discount (results of a provider batch, or the batch or flex tier) are not counted, nor are
 * calls that never settled (their recorded cost is the worst case reserved, not what was billed). The Batch APIs
 * bill the tokens at the catalog's batch rates (half the standard input and output, results within 24 h), but not
 * every line of a bill: a web search's fee is the same at every tier, and where the catalog has no batch price for
 * cached input every input token is billed at the batch input rate. So savings = the recorded cost of the eligible
 * calls minus the same tokens at the model's batch rates ({@link ModelPrice#quote}). A (feature, model) with eligible
 * calls is a finding, unless they would cost as much or more through the Batch API; the share of its eligible calls
 * outside 07:00-19:00 UTC is evidence, not a condition. Eligibility is the job's, whatever models it called (a run
 * that streamed on one model was watched); savings and findings are per model, each of its (feature, model) groups
 * taking the job's calls on that model.
 *
 * <p>Memory: one counter per job and model it called; past {@value #MAX_JOBS} jobs, jobs with a single call are dropped (jobs with more
 * calls are kept: the bound is soft). The single-call jobs are known by key, so dropping them costs their number, not
 * a walk over every job for each new one past the bound.
 */
final class BatchTierDetector implements Detector {
    static final long MIN_JOB_CALLS = 20;
    /** Bedrock's default quota "Minimum number of records per batch inference job", per model. */
    static final long BEDROCK_MIN_RECORDS = 100;

    static final BigDecimal BATCH_DISCOUNT = new BigDecimal("0.5");
    static final Set<String> BATCH_PROVIDERS = Set.of("openai", "anthropic", "bedrock");
    static final int MAX_JOBS = 100_000;

    private final Map<String, Job> jobs = new LinkedHashMap<>();
    /** The keys of the jobs with fewer than two calls: what {@link #dropSingles()} drops. */
    private final Set<String> singles = new HashSet<>();
    /** Jobs made so far, in the order of {@link #jobs}: each job's place in it. */
    private long jobSeq;
    /** Days absorbed so far: a job of the merge remembers the last one that had it. */
    private int absorbed;
    /** Per feature and model, the eligible jobs settled so far (see {@link #settle}). */
    private final Map<String, Group> settledGroups = new LinkedHashMap<>();

    private long settled;

    @Override
    public void accept(Call c) {
        if (c.warmUp
                || !c.billed()
                || c.redundantRetry
                || c.price == null
                || !BATCH_PROVIDERS.contains(c.price.provider())
                || atBatchTier(c)) {
            return;
        }
        String run = c.record.attribution().run();
        String job;
        if (run != null) {
            job = c.feature + "\u0000run\u0000" + run;
        } else if ("batch".equalsIgnoreCase(c.record.attribution().environment())) {
            job = c.feature + "\u0000key\u0000" + c.record.keyId();
        } else {
            return;
        }
        if (jobs.size() >= MAX_JOBS && !jobs.containsKey(job)) {
            dropSingles();
        }
        Job j = jobs.computeIfAbsent(job, k -> new Job(jobSeq++, c.feature, run));
        if (c.record.worstCaseEstimate()) {
            // a call that never settled: its cost is the worst case reserved, never billed, so it is no billed call
            // of the job and the Batch API would save nothing of it; a stream still says someone waited on the job
            if (c.record.stream()) {
                j.streamed++;
            }
            single(job, j); // a job of such calls alone is dropped with the single-call jobs
            return;
        }
        Instant t = c.record.tsStart();
        j.calls++;
        single(job, j);
        if (c.record.stream()) {
            j.streamed++;
        }
        Part p = j.parts.computeIfAbsent(c.model, m -> new Part(m, c.price.provider()));
        p.calls++;
        p.cost = p.cost.add(c.cost);
        p.savings = p.savings.add(c.cost.subtract(batchCost(c)));
        int hour = t.atZone(ZoneOffset.UTC).getHour();
        if (hour < 7 || hour >= 19) {
            p.offHours++;
        }
        if (p.first == null || t.isBefore(p.first)) {
            p.first = t;
        }
        if (p.last == null || t.isAfter(p.last)) {
            p.last = t;
        }
        if (p.examples.size() < Evidence.MAX_EXAMPLES) {
            p.examples.add(c.record.requestId());
        }
    }

    /**
     * Whether the call was already billed at the batch discount: a result of a provider batch, or priced at the batch
     * or flex tier (flex bills what the Batch API bills). Moving it to the Batch API saves nothing.
     */
    private static boolean atBatchTier(Call c) {
        UsageRecord.Billing billing = c.record.billing();
        String tier = billing.pricedServiceTier();
        return billing.batchId() != null || ServiceTiers.BATCH.equals(tier) || ServiceTiers.FLEX.equals(tier);
    }

    /**
     * What the call's tokens cost at the model's batch rates, in the region it was priced in (web searches at their
     * fee); the recorded cost when the catalog has no batch rates for it (a long-context request, say): its saving is
     * then unknown and counted as none.
     */
    private static BigDecimal batchCost(Call c) {
        return c.price
                .quote(c.record.tokens(), ServiceTiers.BATCH, c.record.billing().inferenceGeo())
                .map(PriceQuote::cost)
                .orElse(c.cost);
    }

    /** Drops the jobs with a single call (what {@code jobs.values().removeIf(j -> j.calls < 2)} drops). */
    private void dropSingles() {
        for (String key : singles) {
            jobs.remove(key);
        }
        singles.clear();
    }

    private void single(String key, Job j) {
        if (j.calls < 2) {
            singles.add(key);
        } else {
            singles.remove(key);
        }
    }

    /**
     * Adds an eligible job to the (feature, model) group of each model it called, with its calls on that model;
     * examples and the example run go by the job's place.
     */
    private static void fold(Map<String, Group> groups, Job j) {
        if (j.calls < MIN_JOB_CALLS || j.streamed > 0) {
            return;
        }
        for (Part p : j.parts.values()) {
            if (p.calls < minRecords(p.provider)) {
                continue; // too few for the provider's batch job on this model
            }
            Group g = groups.computeIfAbsent(
                    j.feature + "\u0000" + p.model, k -> new Group(j.feature, p.model, minRecords(p.provider)));
            g.firstSeq = Math.min(g.firstSeq, j.seq);
            g.jobs++;
            g.tally.calls += p.calls;
            g.tally.wasteful += p.calls;
            g.tally.wasteUsd = g.tally.wasteUsd.add(p.cost);
            g.savings = g.savings.add(p.savings);
            g.offHours += p.offHours;
            g.tally.first = g.tally.first == null || p.first.isBefore(g.tally.first) ? p.first : g.tally.first;
            g.tally.last = g.tally.last == null || p.last.isAfter(g.tally.last) ? p.last : g.tally.last;
            for (int i = 0; i < p.examples.size(); i++) {
                g.examples.put(new long[] {j.seq, i}, p.examples.get(i));
                if (g.examples.size() > Evidence.MAX_EXAMPLES) {
                    g.examples.pollLastEntry();
                }
            }
            if (j.run != null && j.seq < g.exampleRunSeq) {
                g.exampleRun = j.run;
                g.exampleRunSeq = j.seq;
            }
        }
    }

    /** The fewest calls on one model a provider's batch job takes: Bedrock's minimum records, else none beyond the job's. */
    static long minRecords(String provider) {
        return "bedrock".equals(provider) ? BEDROCK_MIN_RECORDS : 0;
    }

    @Override
    public List<Finding> findings(WasteWindow window) {
        Map<String, Group> byKey = new LinkedHashMap<>();
        settledGroups.forEach((k, g) -> byKey.put(k, g.copy()));
        for (Job j : jobs.values()) {
            fold(byKey, j);
        }
        // in the order of each group's first eligible job, as one pass over the jobs makes them
        List<Group> groups = new ArrayList<>(byKey.values());
        groups.sort(java.util.Comparator.comparingLong(g -> g.firstSeq));
        for (Group g : groups) {
            g.tally.examples.addAll(g.examples.values());
        }
        List<Finding> out = new ArrayList<>();
        for (Group g : groups) {
            BigDecimal savings = g.savings;
            if (savings.signum() <= 0) {
                continue;
            }
            long offHoursPercent = Math.round(100.0 * g.offHours / g.tally.calls);
            Map<String, String> details = new LinkedHashMap<>();
            details.put("model", g.model);
            details.put("eligible_jobs", Long.toString(g.jobs));
            details.put("eligible_calls", Long.toString(g.tally.calls));
            details.put("eligible_cost_usd", g.tally.wasteUsd.toPlainString());
            details.put("off_hours_calls_percent_of_eligible_calls", Long.toString(offHoursPercent));
            details.put("batch_discount", BATCH_DISCOUNT.toPlainString());
            details.put(
                    "eligible_batch_cost_usd",
                    g.tally.wasteUsd.subtract(savings).toPlainString());
            if (g.exampleRun != null) {
                details.put("example_run", g.exampleRun);
            }
            out.add(new Finding(
                    WasteCategory.BATCH_TIER,
                    "batch_eligible",
                    "feature",
                    g.feature,
                    g.feature,
                    g.model,
                    g.tally.evidence(details),
                    savings,
                    window.monthly(savings),
                    BigDecimal.ZERO,
                    "recorded cost of the " + g.tally.calls + " calls of " + g.jobs + " job(s) with >= "
                            + MIN_JOB_CALLS + " billed calls of one run (or environment batch) and none streamed"
                            + (g.minRecords > 0
                                    ? ", each with >= " + g.minRecords + " on " + g.model
                                            + " (the provider's minimum records per batch job),"
                                    : ",")
                            + " minus the same tokens at " + g.model + "'s batch rates (web-search fees unchanged),"
                            + " x 30 days / window",
                    "Send the jobs of feature " + g.feature + " on " + g.model + " through the provider's Batch API"
                            + " (half the token price, results within 24 h): " + g.jobs + " job(s), " + g.tally.calls
                            + " calls, none streamed, " + offHoursPercent + " % of them outside 07:00-19:00 UTC."
                            + " Check first that nobody waits for these results within the day.",
                    null));
        }
        return out;
    }

    /** The jobs of one day, in the order they were first seen. */
    List<JobState> dayState() {
        List<JobState> out = new ArrayList<>();
        jobs.forEach((key, j) -> {
            List<PartState> parts = new ArrayList<>(j.parts.size());
            for (Part p : j.parts.values()) {
                parts.add(new PartState(
                        p.model,
                        p.provider,
                        p.calls,
                        p.offHours,
                        p.cost,
                        p.savings,
                        p.first,
                        p.last,
                        List.copyOf(p.examples)));
            }
            out.add(new JobState(key, j.feature, j.run, j.calls, j.streamed, parts));
        });
        return out;
    }

    /** Adds a later day's jobs: a run that crosses midnight is one job again. */
    void absorb(List<JobState> day) {
        day.forEach(this::absorbJob);
        endDay();
    }

    /** Adds one job of the day being merged (then {@link #endDay}). */
    void absorbJob(JobState d) {
        if (jobs.size() >= MAX_JOBS && !jobs.containsKey(d.key())) {
            dropSingles();
        }
        Job j = jobs.computeIfAbsent(d.key(), k -> new Job(jobSeq++, d.feature(), d.run()));
        j.lastDay = absorbed + 1;
        j.calls += d.calls();
        single(d.key(), j);
        j.streamed += d.streamed();
        for (PartState dp : d.parts()) {
            Part p = j.parts.computeIfAbsent(dp.model(), m -> new Part(m, dp.provider()));
            p.calls += dp.calls();
            p.offHours += dp.offHours();
            p.cost = p.cost.add(dp.cost());
            p.savings = p.savings.add(dp.savings());
            if (p.first == null || dp.first().isBefore(p.first)) {
                p.first = dp.first();
            }
            if (p.last == null || dp.last().isAfter(p.last)) {
                p.last = dp.last();
            }
            for (String id : dp.examples()) {
                if (p.examples.size() < Evidence.MAX_EXAMPLES) {
                    p.examples.add(id);
                }
            }
        }
    }

    /** Ends the merge of a day whose jobs were added. */
    void endDay() {
        absorbed++;
    }

    /**
     * Past {@code bound} jobs in a merge, settles the jobs that the last day added to had no call of: an eligible
     * one is added to its (feature, model) groups as one pass would add it at the end, the others are dropped. Exact
     * unless the run comes back on a later day; then its later calls are a job of their own ({@link #settled()} says
     * how many jobs were settled).
     */
    void settle(int bound) {
        if (jobs.size() <= bound) {
            return;
        }
        var it = jobs.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getValue().lastDay < absorbed) {
                fold(settledGroups, e.getValue());
                singles.remove(e.getKey());
                it.remove();
                settled++;
            }
        }
    }

    /** Jobs settled by {@link #settle}. */
    long settled() {
        return settled;
    }

    /** Jobs held. */
    int jobsHeld() {
        return jobs.size();
    }

    /**
     * One job of a day: its billed and streamed calls, whatever the model (what eligibility goes by), and its calls
     * on each model it called.
     */
    record JobState(String key, String feature, String run, long calls, long streamed, List<PartState> parts) {}

    /**
     * A job's calls on one model (priced as {@code provider}, the catalog's): what its (feature, model) group takes when
     * the job is eligible.
     */
    record PartState(
            String model,
            String provider,
            long calls,
            long offHours,
            BigDecimal cost,
            BigDecimal savings,
            Instant first,
            Instant last,
            List<String> examples) {}

    private static final class Job {
        final long seq;
        int lastDay;
        final String feature;
        final String run;
        long calls;
        long streamed;
        /** Per model, in the order the job first called it. */
        final Map<String, Part> parts = new LinkedHashMap<>(2);

        Job(long seq, String feature, String run) {
            this.seq = seq;
            this.feature = feature;
            this.run = run;
        }
    }

    private static final class Part {
        final String model;
        final String provider;
        long calls;
        long offHours;
        BigDecimal cost = BigDecimal.ZERO;
        /** The cost minus the same tokens at the batch rates. */
        BigDecimal savings = BigDecimal.ZERO;

        Instant first;
        Instant last;
        final List<String> examples = new ArrayList<>(4);

        Part(String model, String provider) {
            this.model = model;
            this.provider = provider;
        }
    }

    private static final class Group {
        final String feature;
        final String model;
        /** The fewest calls on the model a job's part needs ({@link #minRecords}). */
        final long minRecords;

        final Tally tally = new Tally();
        long jobs;
        long offHours;
        BigDecimal savings = BigDecimal.ZERO;
        String exampleRun;
        long exampleRunSeq = Long.MAX_VALUE;
        long firstSeq = Long.MAX_VALUE;
        /** (job's place, example's place in the job) to request id: the first {@link Evidence#MAX_EXAMPLES}. */
        final java.util.TreeMap<long[], String> examples = new java.util.TreeMap<>(java.util.Arrays::compare);

        Group(String feature, String model, long minRecords) {
            this.feature = feature;
            this.model = model;
            this.minRecords = minRecords;
        }

        Group copy() {
            Group g = new Group(feature, model, minRecords);
            g.tally.absorb(tally.state());
            g.jobs = jobs;
            g.offHours = offHours;
            g.savings = savings;
            g.exampleRun = exampleRun;
            g.exampleRunSeq = exampleRunSeq;
            g.firstSeq = firstSeq;
            g.examples.putAll(examples);
            return g;
        }
    }
}
