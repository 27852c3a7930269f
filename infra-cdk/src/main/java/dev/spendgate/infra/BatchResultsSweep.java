package dev.spendgate.infra;

import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.scheduler.Schedule;
import software.amazon.awscdk.services.scheduler.ScheduleExpression;
import software.amazon.awscdk.services.scheduler.ScheduleTargetInput;
import software.amazon.awscdk.services.scheduler.targets.LambdaInvoke;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * Every {@link #INTERVAL}, EventBridge Scheduler invokes the proxy's {@code live} alias with {@link #EVENT}: the proxy
 * then records the results of every provider batch created through it that has ended and was not yet collected,
 * whether or not a client fetched them through the gateway (the provider bills a batch when it runs; a job that died,
 * a revoked key or results downloaded from the provider directly would otherwise leave it unrecorded and uncharged).
 * The same sweep runs every 10 minutes in the local gateway. Batches a run did not reach before its deadline are
 * swept by the next; each result line is recorded and charged once, whichever run or client fetch comes first.
 */
public final class BatchResultsSweep extends Construct {
    /** How often; the local gateway's sweep runs as often. */
    public static final Duration INTERVAL = Duration.minutes(10);

    /** The proxy's scheduled-task event ({@code ScheduledTask} in the proxy). */
    public static final Map<String, Object> EVENT = Map.of("spendgate_task", "batch_results_sweep");

    private final Schedule schedule;

    public BatchResultsSweep(Construct scope, String id, Alias proxyAlias, Role proxyRole, IQueue failedRuns) {
        super(scope, id);
        // a run the function fails (the batch store unreadable) is retried twice, then lands with the scheduled
        // jobs' failed runs, whose alarm tells the operators; API Gateway's calls are synchronous and unaffected
        ScheduledJobs.onFailure(proxyAlias, proxyRole, failedRuns);
        schedule = Schedule.Builder.create(this, "Schedule")
                .description("Spendgate: record the results of ended provider batches nobody fetched, every 10 min")
                .schedule(ScheduleExpression.rate(INTERVAL))
                .target(LambdaInvoke.Builder.create(proxyAlias)
                        .input(ScheduleTargetInput.fromObject(EVENT))
                        // an invocation the scheduler could not make: the next run, 10 minutes later, does its work
                        .retryAttempts(0)
                        .maxEventAge(Duration.minutes(10))
                        .deadLetterQueue(failedRuns)
                        .build())
                .build();
    }

    public Schedule schedule() {
        return schedule;
    }
}
