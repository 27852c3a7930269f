package dev.spendgate.domain.waste;

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
 * (OpenAI, Anthropic, Bedrock), and none of them was streamed (nobody waits on a stream of a job). OpenAI's and
 * Anthropic's Batch APIs bill input and output at half the standard price (results within 24 h), so savings = 50 % of
 * the recorded cost of the eligible calls. A (feature, model) with eligible calls is a finding; the share of its
 * eligible calls outside 07:00-19:00 UTC is evidence, not a condition.
 *
 * <p>Memory: one counter per job; past {@value #MAX_JOBS} jobs, jobs with a single call are dropped (jobs with more
 * calls are kept: the bound is soft). The single-call jobs are known by key, so dropping them costs their number, not
 * a walk over every job for each new one past the bound.
 */
final class BatchTierDetector implements Detector {
    static final long MIN_JOB_CALLS = 20;
    static final BigDecimal BATCH_DISCOUNT = new BigDecimal("0.5");
    static final Set<String> BATCH_PROVIDERS = Set.of("openai", "anthropic", "bedrock");
    static final int MAX_JOBS = 100_000;

    private final Map<String, Job> jobs = new LinkedHashMap<>();
    /** The keys of the jobs with fewer than two calls: what {@link #dropSingles()} drops. */
    private final Set<String> singles = new HashSet<>();

    @Override
    public void accept(Call c) {
        if (c.warmUp
                || !c.billed()
                || c.redundantRetry
                || c.price == null
                || !BATCH_PROVIDERS.contains(c.price.provider())) {
            return;
        }
        String run = c.record.attribution().run();
        String job;
        if (run != null) {
            job = c.feature + "\u0000run\u0000" + run + "\u0000" + c.model;
        } else if ("batch".equalsIgnoreCase(c.record.attribution().environment())) {
            job = c.feature + "\u0000key\u0000" + c.record.keyId() + "\u0000" + c.model;
        } else {
            return;
        }
        if (jobs.size() >= MAX_JOBS && !jobs.containsKey(job)) {
            dropSingles();
        }
        Job j = jobs.computeIfAbsent(job, k -> new Job(c.feature, c.model, run));
        Instant t = c.record.tsStart();
        j.calls++;
        single(job, j);
        j.cost = j.cost.add(c.cost);
        if (c.record.stream()) {
            j.streamed++;
        }
        int hour = t.atZone(ZoneOffset.UTC).getHour();
        if (hour < 7 || hour >= 19) {
            j.offHours++;
        }
        if (j.first == null || t.isBefore(j.first)) {
            j.first = t;
        }
        if (j.last == null || t.isAfter(j.last)) {
            j.last = t;
        }
        if (j.examples.size() < Evidence.MAX_EXAMPLES) {
            j.examples.add(c.record.requestId());
        }
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

    @Override
    public List<Finding> findings(WasteWindow window) {
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Job j : jobs.values()) {
            if (j.calls < MIN_JOB_CALLS || j.streamed > 0) {
                continue;
            }
            Group g = groups.computeIfAbsent(j.feature + "\u0000" + j.model, k -> new Group(j.feature, j.model));
            g.jobs++;
            g.tally.calls += j.calls;
            g.tally.wasteful += j.calls;
            g.tally.wasteUsd = g.tally.wasteUsd.add(j.cost);
            g.offHours += j.offHours;
            g.tally.first = g.tally.first == null || j.first.isBefore(g.tally.first) ? j.first : g.tally.first;
            g.tally.last = g.tally.last == null || j.last.isAfter(g.tally.last) ? j.last : g.tally.last;
            for (String id : j.examples) {
                if (g.tally.examples.size() < Evidence.MAX_EXAMPLES) {
                    g.tally.examples.add(id);
                }
            }
            if (g.exampleRun == null) {
                g.exampleRun = j.run;
            }
        }
        List<Finding> out = new ArrayList<>();
        for (Group g : groups.values()) {
            BigDecimal savings = g.tally.wasteUsd.multiply(BATCH_DISCOUNT);
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
                    "50 % of the recorded cost of the " + g.tally.calls + " calls of " + g.jobs + " job(s) with >= "
                            + MIN_JOB_CALLS + " billed calls of one run (or environment batch) and none streamed,"
                            + " x 30 days / window",
                    "Send the jobs of feature " + g.feature + " on " + g.model + " through the provider's Batch API"
                            + " (half price, results within 24 h): " + g.jobs + " job(s), " + g.tally.calls
                            + " calls, none streamed, " + offHoursPercent + " % of them outside 07:00-19:00 UTC."
                            + " Check first that nobody waits for these results within the day.",
                    null));
        }
        return out;
    }

    /** The jobs of one day, in the order they were first seen. */
    List<JobState> dayState() {
        List<JobState> out = new ArrayList<>();
        jobs.forEach((key, j) -> out.add(new JobState(
                key,
                j.feature,
                j.model,
                j.run,
                j.calls,
                j.streamed,
                j.offHours,
                j.cost,
                j.first,
                j.last,
                List.copyOf(j.examples))));
        return out;
    }

    /** Adds a later day's jobs: a run that crosses midnight is one job again. */
    void absorb(List<JobState> day) {
        for (JobState d : day) {
            if (jobs.size() >= MAX_JOBS && !jobs.containsKey(d.key())) {
                dropSingles();
            }
            Job j = jobs.computeIfAbsent(d.key(), k -> new Job(d.feature(), d.model(), d.run()));
            j.calls += d.calls();
            single(d.key(), j);
            j.streamed += d.streamed();
            j.offHours += d.offHours();
            j.cost = j.cost.add(d.cost());
            if (j.first == null || d.first().isBefore(j.first)) {
                j.first = d.first();
            }
            if (j.last == null || d.last().isAfter(j.last)) {
                j.last = d.last();
            }
            for (String id : d.examples()) {
                if (j.examples.size() < Evidence.MAX_EXAMPLES) {
                    j.examples.add(id);
                }
            }
        }
    }

    record JobState(
            String key,
            String feature,
            String model,
            String run,
            long calls,
            long streamed,
            long offHours,
            BigDecimal cost,
            Instant first,
            Instant last,
            List<String> examples) {}

    private static final class Job {
        final String feature;
        final String model;
        final String run;
        long calls;
        long streamed;
        long offHours;
        BigDecimal cost = BigDecimal.ZERO;
        Instant first;
        Instant last;
        final List<String> examples = new ArrayList<>(4);

        Job(String feature, String model, String run) {
            this.feature = feature;
            this.model = model;
            this.run = run;
        }
    }

    private static final class Group {
        final String feature;
        final String model;
        final Tally tally = new Tally();
        long jobs;
        long offHours;
        String exampleRun;

        Group(String feature, String model) {
            this.feature = feature;
            this.model = model;
        }
    }
}
