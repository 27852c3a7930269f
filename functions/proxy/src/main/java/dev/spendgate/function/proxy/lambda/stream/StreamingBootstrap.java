package dev.spendgate.function.proxy.lambda.stream;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.Router;
import dev.spendgate.function.proxy.batch.BatchApi;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.lambda.AwsGatewayRuntime;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The proxy as a Lambda custom runtime ({@code provided.al2023}) that streams: it takes invocations from the Runtime
 * API and relays the gateway's response to API Gateway as it is produced, so the first SSE event reaches the client
 * while the provider is still writing. The managed Java runtime cannot do this (it returns a response only when the
 * handler does); {@link dev.spendgate.function.proxy.lambda.ProxyHandler} stays for buffered use.
 *
 * <p>Per invocation it does what the buffered handler does: admin routes only for IAM-signed callers, spooled batches
 * and orphaned reservations handled once a minute. Unlike it, the call's budget settlement (DynamoDB writes), its
 * usage record and the log's flush run after the response has ended, so the client does not wait for them; they still
 * run within the invocation, before the next event is asked for (Lambda bills that time, and freezes the
 * environment only after it). A crash in between leaves the reservation held and journaled, the journal entry naming
 * the call; after its TTL the sweeper counts the worst case as spent and writes the call's usage record, marked
 * {@code cost_basis: reserved_worst_case}, as for any call that never settled ({@code BudgetEnforcer.sweep}). A
 * stream still relaying, or a non-streamed answer still arriving, {@link #DEADLINE_MARGIN} before the invocation's
 * deadline is stopped and recorded as cut ({@code invocation_deadline}), so its record is durable before Lambda ends
 * the invocation.
 *
 * <p>An event that is no API call but a {@link ScheduledTask} (the stack's batch results sweep) runs that task and is
 * answered with one buffered JSON document.
 *
 * <p>On Lambda Managed Instances one execution environment takes {@code AWS_LAMBDA_MAX_CONCURRENCY} invocations at
 * once: {@link #serve} then runs that many poll loops, each doing the above for its own invocation.
 */
public final class StreamingBootstrap {
    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

    /**
     * How long before the invocation's deadline a stream still relaying is stopped: the time left settles the call's
     * budgets and writes its usage record (DynamoDB round trips, and Firehose within what is left less the spool's
     * share, else the spool: {@link GatewayRuntime#afterInvocation(Duration)}), which Lambda would otherwise kill
     * mid-way.
     */
    static final Duration DEADLINE_MARGIN = Duration.ofMillis(1_500);

    /** Stops relays at their invocation's deadline; one daemon thread shared by every worker. */
    private static final ScheduledExecutorService DEADLINES = deadlineTimer();

    /** Set by Lambda on Lambda Managed Instances: the invocations one execution environment takes at once. */
    static final String MAX_CONCURRENCY = "AWS_LAMBDA_MAX_CONCURRENCY";

    private final GatewayRuntime runtime;
    private final RuntimeApiClient api;

    private final Runnable responseEnded;

    /**
     * Whether several workers share this environment (Lambda Managed Instances, where an invocation's deadline does
     * not end it and the environment is not frozen): then an invocation's records are flushed without that bound, and
     * its end waits for no pending alert ({@link GatewayRuntime#afterConcurrentInvocation}).
     */
    private volatile boolean concurrent;

    StreamingBootstrap(GatewayRuntime runtime, RuntimeApiClient api) {
        this(runtime, api, () -> {});
    }

    /** As above; {@code responseEnded} runs between the response's end and the settlement (tests stop there). */
    StreamingBootstrap(GatewayRuntime runtime, RuntimeApiClient api, Runnable responseEnded) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.api = Objects.requireNonNull(api, "api");
        this.responseEnded = Objects.requireNonNull(responseEnded, "responseEnded");
    }

    /**
     * What the log and Lambda's init error say of a failed start: a refused setting's message (it names the setting,
     * never a secret's value: the parsers do not echo secrets), else only the failure's class, whose message may hold
     * anything.
     */
    static String startFailure(RuntimeException e) {
        return e instanceof IllegalArgumentException && e.getMessage() != null
                ? e.getMessage()
                : e.getClass().getSimpleName();
    }

    /** Entry point of the {@code bootstrap} script. */
    public static void main(String[] args) {
        RuntimeApiClient api = new RuntimeApiClient(System.getenv("AWS_LAMBDA_RUNTIME_API"));
        GatewayRuntime runtime;
        try {
            runtime = AwsGatewayRuntime.create(
                    ProxyConfig.fromEnv(System.getenv()), AwsClients.fromEnvironment(), OverheadMetrics::new);
        } catch (RuntimeException e) {
            Log.error(null, "proxy failed to start: " + startFailure(e), e);
            try {
                api.initError("Runtime.InitError", "Spendgate proxy failed to start: " + startFailure(e));
            } catch (IOException reportFailed) {
                Log.error(null, "could not report the init error to the Runtime API", reportFailed);
            }
            System.exit(1);
            return;
        }
        int workers;
        try {
            workers = workers(System.getenv());
        } catch (IllegalArgumentException e) {
            Log.error(null, "proxy failed to start: " + e.getMessage(), e);
            System.exit(1);
            return;
        }
        if (workers > 1) {
            Log.info(null, "serving up to " + workers + " invocations at once (Lambda Managed Instances)");
        }
        try {
            new StreamingBootstrap(runtime, api).serve(workers);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * How many invocations one process serves at once: {@value #MAX_CONCURRENCY}, which Lambda sets only on Lambda
     * Managed Instances (the function's {@code PerExecutionEnvironmentMaxConcurrency}); 1 when unset, as on standard
     * Lambda, where an execution environment has one invocation at a time.
     */
    static int workers(Map<String, String> env) {
        String value = env.get(MAX_CONCURRENCY);
        if (value == null || value.isBlank()) {
            return 1;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error naming the variable
        }
        throw new IllegalArgumentException(
                MAX_CONCURRENCY + " must be a whole number of at least 1, was '" + value + "'");
    }

    /**
     * Runs {@code workers} poll loops against the Runtime API until the calling thread is interrupted: one on the
     * calling thread when {@code workers} is 1 (standard Lambda), else one (virtual) thread each. On Lambda Managed
     * Instances the Runtime API accepts that many concurrent {@code /invocation/next} requests, so up to
     * {@code workers} invocations run at once in this JVM; each loop answers, settles and records its own invocation
     * before asking for the next. Everything the loops share is thread-safe: the gateway's request path (the local
     * server runs it on many threads), the usage log writer, the Runtime API client (a connection per exchange).
     */
    void serve(int workers) throws InterruptedException {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, was " + workers);
        }
        if (workers == 1) {
            loop();
            return;
        }
        concurrent = true;
        ExecutorService pool = workerThreads(workers);
        List<Future<?>> loops = new ArrayList<>(workers);
        try {
            for (int i = 0; i < workers; i++) {
                loops.add(pool.submit(this::loop));
            }
            for (Future<?> loop : loops) {
                try {
                    loop.get();
                } catch (ExecutionException e) {
                    Log.error(null, "a runtime worker stopped", e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A virtual thread per worker where the JVM has them (21+; the bundled JRE is 25, where a worker blocked inside
     * {@code synchronized} no longer pins its carrier), else a platform thread each.
     */
    private static ExecutorService workerThreads(int workers) {
        try {
            return (ExecutorService)
                    Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            return Executors.newFixedThreadPool(workers, task -> {
                Thread t = new Thread(task, "runtime-worker");
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** One worker: takes invocations one after another until its thread is interrupted. */
    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                handleNext();
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                // The Runtime API itself failed: nothing to answer to; Lambda ends the environment if it persists.
                // A short pause keeps a broken connection from flooding the log.
                Log.error(null, "Runtime API exchange failed", e);
                try {
                    Thread.sleep(RETRY_PAUSE.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Stops the response's relay {@link #DEADLINE_MARGIN} before the invocation's deadline ({@code
     * Lambda-Runtime-Deadline-Ms}): the client's stream then ends as failed, as a cut one does, and the call is
     * recorded as cut ({@code invocation_deadline}, output estimated from what was relayed) while there is time to; a
     * non-streamed answer still arriving is answered 502 and recorded the same way, {@code unpriced} (its usage unread).
     * Null when the Runtime API gave no deadline.
     */
    private static ScheduledFuture<?> stopBeforeDeadline(
            RuntimeApiClient.Invocation invocation, StreamingResponse response) {
        if (invocation.deadlineMillis() <= 0) {
            return null;
        }
        long delay = invocation.deadlineMillis() - DEADLINE_MARGIN.toMillis() - System.currentTimeMillis();
        return DEADLINES.schedule(response::stopRelay, Math.max(0, delay), TimeUnit.MILLISECONDS);
    }

    /** The invocation's time before its deadline (none left: zero); null when the Runtime API gave no deadline. */
    private static Duration timeLeft(RuntimeApiClient.Invocation invocation) {
        if (invocation.deadlineMillis() <= 0) {
            return null;
        }
        return Duration.ofMillis(Math.max(0, invocation.deadlineMillis() - System.currentTimeMillis()));
    }

    /**
     * Writes what the invocation leaves ({@link GatewayRuntime#afterInvocation(Duration)}): within its time on standard
     * Lambda, which ends it at its deadline; with several workers (Lambda Managed Instances, no timeout enforced) its
     * records are flushed even when the deadline has passed.
     */
    private void afterInvocation(RuntimeApiClient.Invocation invocation) {
        if (concurrent) {
            runtime.afterConcurrentInvocation(timeLeft(invocation));
        } else {
            runtime.afterInvocation(timeLeft(invocation));
        }
    }

    private static ScheduledExecutorService deadlineTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "invocation-deadline");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /**
     * How long before the invocation's deadline a scheduled batch sweep starts no further batch: time for the batch it
     * is on (results downloaded, records flushed) and for {@link GatewayRuntime#afterInvocation(Duration)}.
     */
    static final Duration TASK_MARGIN = Duration.ofMinutes(2);

    /**
     * Runs the scheduled batch results sweep ({@link ScheduledTask#BATCH_RESULTS_SWEEP}) and answers with what it did.
     * Batches it could not reach before {@link #TASK_MARGIN} are left for the next run; one that fails is retried by
     * the next run too, so the invocation fails only when the sweep itself cannot run (the batch store unreadable).
     */
    private void runTask(RuntimeApiClient.Invocation invocation) throws IOException {
        long stopAt = invocation.deadlineMillis() <= 0
                ? Long.MAX_VALUE
                : invocation.deadlineMillis() - TASK_MARGIN.toMillis();
        BatchApi.Swept swept;
        try {
            swept = runtime.batches().sweepEnded(() -> System.currentTimeMillis() < stopAt);
        } catch (RuntimeException e) {
            Log.error(invocation.requestId(), "scheduled batch results sweep failed", e);
            afterInvocation(invocation);
            api.error(
                    invocation.requestId(),
                    "Spendgate.BatchSweepFailed",
                    "the batch results sweep failed (" + e.getClass().getSimpleName() + "); the next run retries");
            return;
        }
        afterInvocation(invocation);
        Log.info(
                invocation.requestId(),
                "scheduled batch results sweep: " + swept.batchesChecked() + " batches checked, " + swept.batchesEnded()
                        + " ended, " + swept.recordsAdded() + " records added");
        api.complete(
                invocation.requestId(),
                ("{\"" + ScheduledTask.FIELD + "\":\"" + ScheduledTask.BATCH_RESULTS_SWEEP.wireName()
                                + "\",\"batches_checked\":" + swept.batchesChecked() + ",\"batches_ended\":"
                                + swept.batchesEnded() + ",\"records_added\":" + swept.recordsAdded() + "}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Takes one invocation and answers it. */
    void handleNext() throws IOException {
        RuntimeApiClient.Invocation invocation = api.next();
        RestApiEvent event;
        try {
            event = RestApiEvent.parse(invocation.event());
        } catch (IllegalArgumentException e) {
            Optional<ScheduledTask> task;
            try {
                task = ScheduledTask.of(invocation.event());
            } catch (IllegalArgumentException unknown) {
                Log.warn(invocation.requestId(), "invocation names an unknown task: " + unknown.getMessage());
                api.error(invocation.requestId(), "Runtime.InvalidEvent", unknown.getMessage());
                return;
            }
            if (task.isPresent()) {
                runTask(invocation);
                return;
            }
            Log.warn(invocation.requestId(), "invocation is not an API Gateway REST event: " + e.getMessage());
            api.error(invocation.requestId(), "Runtime.InvalidEvent", e.getMessage());
            return;
        }
        StreamingResponse response = api.respond(invocation.requestId());
        ScheduledFuture<?> deadline = stopBeforeDeadline(invocation, response);
        boolean llmCall = false;
        try {
            GatewayRequest request = new GatewayRequest(
                    event.request().method(),
                    event.pathWithQuery(),
                    event.request().headers(),
                    event.request().body());
            Router.Caller caller = event.callerArn() != null ? Router.Caller.IAM_SIGNED : Router.Caller.UNSIGNED;
            llmCall = runtime.router().target(request, caller) != Router.Target.ADMIN;
            runtime.router().handle(request, caller, response);
            if (!response.ended()) {
                response.end();
            }
        } catch (RuntimeException | IOException e) {
            // an I/O failure towards the Runtime API must abort the response too, or the invocation hangs to its
            // timeout. Before the prelude nothing of the response was sent, so the invocation is reported failed
            // (Lambda takes an error only before the response begins); after it the response is cut, visibly.
            Log.error(invocation.requestId(), "invocation failed", e);
            response.abort();
            if (!response.started()) {
                api.error(invocation.requestId(), "Runtime.HandlerError", "Spendgate failed to handle the call.");
            }
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            responseEnded.run();
            // settlement and record: the client already has its answer. The call's journal entry stays (marked
            // settled) until the flush below has made its record durable, so a process that dies in between leaves
            // the sweeper the call to record.
            response.runDeferred();
            if (llmCall) {
                afterInvocation(invocation);
            }
        }
    }
}
