package dev.spendgate.function.proxy.batch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.pipeline.Attribute;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.JsonTreeSize;
import dev.spendgate.function.proxy.pipeline.KeyCheck;
import dev.spendgate.function.proxy.pipeline.Refusal;
import dev.spendgate.function.proxy.pipeline.Step;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The providers' batch APIs, proxied: OpenAI {@code /v1/files} and {@code /v1/batches}, Anthropic
 * {@code /v1/messages/batches}. Every route needs a Spendgate key, and a key sees only its own batches and files
 * ({@link BatchOwners}: another's are 404, lists are filtered). Creating a batch is admitted against the worst case
 * of its requests at the batch tier and stores its creator (key and {@code X-Cost-*} attribution), the create written
 * beforehand to {@link PendingBatchCreates} so that a batch created as the gateway dies is still adopted; fetching its
 * results ({@code /v1/files/{output_file_id}/content}, {@code /v1/messages/batches/{id}/results}) records one usage
 * record per result line, once ({@link BatchResults}). Everything else is relayed as the provider answers.
 */
public final class BatchApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Client bodies are forwarded whole: one JSON document, nothing after it. */
    private static final ObjectReader CLIENT_BODY = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public static final String REQUEST_ID_HEADER = "X-Spendgate-Request-Id";

    /**
     * An OpenAI batch's final statuses and the field holding when it ended: an expired or cancelled batch's completed
     * requests are billed and are in its output file, as a completed batch's are.
     */
    private static final Map<String, String> OPENAI_ENDED = Map.of(
            "completed", "completed_at",
            "expired", "expired_at",
            "cancelled", "cancelled_at");

    /** An OpenAI batch's files of result lines: what succeeded, and what failed (README: recorded with its error). */
    private static final List<String> RESULT_FILES = List.of("output_file_id", "error_file_id");

    private final KeyCheck keys;
    private final ProviderRouter providers;
    private final BatchStore store;
    private final PendingBatchCreates pending;
    private final BatchOwners owners;
    private final BatchInputs inputs;
    private final BatchResults results;
    private final BudgetGate budgets;
    private final BatchUpstream upstream;
    private final Clock clock;
    private final BodyMemory memory;
    private final long maxBodyBytes;

    /**
     * The batch API refusing client bodies over {@code maxBodyBytes} ({@code SPENDGATE_MAX_BODY_BYTES}) and holding
     * large create bodies on {@code memory}, the gateway's pool.
     */
    public BatchApi(
            KeyStore keys,
            ProviderRouter providers,
            ObjectStore store,
            PricingCatalog pricing,
            CostEstimator estimator,
            UsageLogWriter usageLog,
            BudgetGate budgets,
            BudgetPolicyStore policies,
            Duration upstreamTimeout,
            Clock clock,
            long maxBodyBytes,
            BodyMemory memory) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.maxBodyBytes = maxBodyBytes;
        this.keys = new KeyCheck(keys);
        this.providers = Objects.requireNonNull(providers, "providers");
        this.store = new BatchStore(store);
        // a create may await its answer for the connect timeout and the upstream timeout
        this.pending = new PendingBatchCreates(
                store, this.store, Duration.ofSeconds(10).plus(upstreamTimeout));
        this.owners = new BatchOwners(this.store);
        this.inputs = new BatchInputs(estimator);
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.results = new BatchResults(this.store, pricing, usageLog, budgets, policies);
        this.upstream = new BatchUpstream(Duration.ofSeconds(10), upstreamTimeout);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whether {@code path} (without its query) is a batch-API path. */
    public static boolean handles(String path) {
        return BatchRoute.parse(path).isPresent();
    }

    /** Serves one request; never throws for anything the client or the provider did. */
    public void handle(GatewayRequest request, ResponseSink sink) {
        String requestId = "req_" + UUID.randomUUID().toString().replace("-", "");
        BatchRoute route = BatchRoute.parse(request.path()).orElseThrow();
        try (BodyMemory.Lease lease = memory.lease()) {
            handle(new BatchExchange(request, route, sink, requestId, lease));
        }
    }

    private void handle(BatchExchange x) {
        String requestId = x.requestId;
        try {
            serve(x);
        } catch (BatchInputs.BadInput e) {
            x.error(400, "invalid_request_error", e.getMessage(), e.param);
        } catch (BatchUpstream.AnswerTooLarge e) {
            // as for a model call's answer: this call fails, not the process; nothing of it was relayed or recorded
            Log.warn(requestId, "batch call failed: " + e.getMessage());
            x.error(502, "api_error", "Spendgate could not relay this answer: the " + e.getMessage() + ".", null);
        } catch (IOException e) {
            Log.warn(requestId, "batch call failed: " + e.getClass().getSimpleName());
            x.error(502, "api_error", "Spendgate could not reach the provider.", null);
        } catch (RuntimeException e) {
            Log.error(requestId, "unexpected failure on a batch call", e);
            x.error(500, "api_error", "Spendgate failed on this batch call.", null);
        }
    }

    private void serve(BatchExchange x) throws IOException {
        KeyCheck.Result caller = keys.check(x.request.headers());
        Optional<Refusal> unauthenticated = caller.refusal(
                "Missing Spendgate key: send it as 'Authorization: Bearer" + " sg-...' or 'x-api-key: sg-...'.");
        if (unauthenticated.isPresent()) {
            Refusal r = unauthenticated.get();
            x.error(r.status(), r.type(), r.message(), r.param());
            return;
        }
        if (x.request.body().length > maxBodyBytes) {
            // before any parsing, as for a model call (Validate): a cut-short body would otherwise read as malformed
            x.error(
                    413,
                    "request_too_large",
                    "Request body is larger than the " + maxBodyBytes
                            + " bytes Spendgate accepts (SPENDGATE_MAX_BODY_BYTES).",
                    "body");
            return;
        }
        ProxyKey key = caller.valid().orElseThrow();
        Step attributed = new Attribute()
                .apply(CallContext.start(x.requestId, clock.instant(), System.nanoTime(), x.request)
                        .with(b -> {
                            b.key = key;
                            b.attribution = key.defaults()
                                    .orElse(new Attribution(null, null, null, key.environment(), null, null, null));
                        }));
        if (attributed.refused()) {
            Refusal r = attributed.refusal();
            x.error(r.status(), r.type(), r.message(), r.param());
            return;
        }
        Attribution attribution = attributed.context().attribution();
        String providerName = x.route.provider();
        Optional<Provider> provider =
                providers.named(providerName).filter(p -> p.format() == x.route.format() && !p.missingKey());
        if (provider.isEmpty()) {
            x.error(503, "api_error", "No " + providerName + " key is configured for batches.", null);
            return;
        }
        Provider p = provider.get();
        String method = x.request.method().toUpperCase(java.util.Locale.ROOT);
        if (!owners.mayUse(x.route, key.id()) && !adoptAsked(x, p, key)) {
            notFound(x);
            return;
        }
        switch (x.route.kind()) {
            case OPENAI_FILES -> {
                if ("POST".equals(method)) {
                    uploadFile(x, p, key);
                    return;
                }
            }
            case OPENAI_FILE_CONTENT -> {
                if ("GET".equals(method)) {
                    fileContent(x, p);
                    return;
                }
            }
            case OPENAI_BATCHES, ANTHROPIC_BATCHES -> {
                if ("POST".equals(method)) {
                    create(x, p, key, attribution);
                    return;
                }
            }
            case ANTHROPIC_RESULTS -> {
                if ("GET".equals(method)) {
                    anthropicResults(x, p);
                    return;
                }
            }
            default -> {}
        }
        BatchUpstream.Answer answer = forward(x, p);
        if (answer.ok() && "GET".equals(method)) {
            if (x.route.id() == null) {
                answer = new BatchUpstream.Answer(
                        answer.status(), answer.headers(), owners.ownEntries(x.route, key.id(), answer.body()));
            }
            answer = noteBatches(x, answer);
        }
        x.relay(answer);
    }

    /**
     * Whether the batch {@code x} names, of no key, is one the caller created while the gateway could not store its
     * answer (killed, timed out: {@link PendingBatchCreates}); if so it is now the caller's.
     */
    private boolean adoptAsked(BatchExchange x, Provider p, ProxyKey key) {
        BatchRoute.Kind kind = x.route.kind();
        String id = x.route.id();
        if (kind != BatchRoute.Kind.OPENAI_BATCH
                        && kind != BatchRoute.Kind.ANTHROPIC_BATCH
                        && kind != BatchRoute.Kind.ANTHROPIC_RESULTS
                || !BatchStore.isValidId(id)
                || store.creator(id).isPresent()) {
            return false;
        }
        List<PendingBatchCreates.Entry> mine =
                pending.open(key.id()); // this key's creates still open only: most keys have none
        if (mine.isEmpty()) {
            return false;
        }
        try {
            JsonNode b =
                    fetchJson(p, (p.format() == ApiFormat.ANTHROPIC ? "/v1/messages/batches/" : "/v1/batches/") + id);
            return !pending.adopt(p, List.of(b), mine).isEmpty();
        } catch (IOException | RuntimeException e) {
            Log.warn(
                    x.requestId,
                    "batch " + id + " could not be checked against this key's unanswered creates: "
                            + e.getClass().getSimpleName());
            return false;
        }
    }

    /** A batch or file of another key, or of none: answered as the provider answers an id it does not know. */
    private static void notFound(BatchExchange x) {
        boolean file =
                x.route.kind() == BatchRoute.Kind.OPENAI_FILE || x.route.kind() == BatchRoute.Kind.OPENAI_FILE_CONTENT;
        String what = file ? "file" : "batch";
        x.error(
                404,
                x.route.format() == ApiFormat.ANTHROPIC ? "not_found_error" : "invalid_request_error",
                "No " + what + " found with id '" + x.route.id() + "' for this Spendgate key.",
                null);
    }

    private BatchUpstream.Answer forward(BatchExchange x, Provider p) throws IOException {
        return upstream.send(
                p,
                x.request.method().toUpperCase(java.util.Locale.ROOT),
                x.request.path(),
                x.request.headers(),
                x.request.body(),
                x.lease);
    }

    /** {@code POST /v1/files}: a batch input file's worst case is kept under the id the provider gives it. */
    private void uploadFile(BatchExchange x, Provider p, ProxyKey key) throws IOException {
        BatchInputs.Upload upload = BatchInputs.multipart(x.request.headers().first("content-type"), x.request.body());
        BatchStore.FileWorstCase worst = null;
        if ("batch".equals(upload.purpose())) {
            if (upload.file() == null) {
                throw new BatchInputs.BadInput("file", "The upload has no file part.");
            }
            worst = inputs.openAiFile(upload.file(), p.pricingProvider());
        }
        BatchUpstream.Answer answer = forward(x, p);
        if (answer.ok()) {
            String fileId = JSON.readTree(answer.body()).path("id").asText(null);
            if (BatchStore.isValidId(fileId)) {
                store.saveFileOwner(fileId, key.id());
                if (worst != null) {
                    store.saveInputFile(fileId, worst);
                }
            }
        }
        x.relay(answer);
    }

    /** Creates a batch once its worst case fits every budget of its creator; remembers the creator. */
    private void create(BatchExchange x, Provider p, ProxyKey key, Attribution attribution) throws IOException {
        try {
            create(x, p, key, attribution, parse(x.request.body(), x.lease));
        } catch (BodyTooLarge e) {
            x.error(e.status, e.status == 413 ? "invalid_request_error" : "api_error", e.getMessage(), "body");
        }
    }

    private void create(BatchExchange x, Provider p, ProxyKey key, Attribution attribution, JsonNode body)
            throws IOException {
        Optional<BatchStore.FileWorstCase> worst;
        if (x.route.format() == ApiFormat.ANTHROPIC) {
            worst = Optional.of(inputs.anthropicRequests(body, p.pricingProvider()));
        } else {
            String fileId = body.path("input_file_id").asText(null);
            if (!BatchStore.isValidId(fileId)) {
                throw new BatchInputs.BadInput("input_file_id", "input_file_id must name an uploaded file.");
            }
            if (!owners.mayReference(key.id(), fileId)) {
                x.error(
                        404,
                        "invalid_request_error",
                        "No file found with id '" + fileId + "' for this Spendgate key.",
                        "input_file_id");
                return;
            }
            worst = store.inputFile(fileId);
        }
        BudgetDecision decision = worst.isPresent()
                ? budgets.reserveAmount(
                        attribution, key.id(), worst.get().model(), worst.get().worstCaseUsd())
                : BudgetDecision.NO_BUDGETS; // a file not uploaded through Spendgate: its worst case is unknown
        if (decision.outcome() == BudgetDecision.Outcome.BLOCK) {
            BudgetDecision.Refusal r = decision.refusal();
            x.error(
                    429,
                    "budget_exceeded",
                    "Budget " + r.policy().id() + " for "
                            + r.policy().scope().type().label()
                            + ":" + r.scopeValue() + " (" + r.period() + ") cannot afford this batch's worst case"
                            + worst.get()
                                    .worstCaseUsd()
                                    .map(v -> " of $" + v.toPlainString())
                                    .orElse("")
                            + ": limit $" + r.policy().limitUsd().toPlainString() + ", spent $"
                            + r.spentUsd().toPlainString() + " (" + r.reason() + ").",
                    null);
            return;
        }
        if (decision.outcome() == BudgetDecision.Outcome.STORE_ERROR) {
            x.error(
                    503,
                    "api_error",
                    "Spendgate cannot reach its budget store and this budget is fail-closed;"
                            + " the batch was not created.",
                    null);
            return;
        }
        PendingBatchCreates.Entry entry = null;
        BatchUpstream.Answer answer;
        try {
            // durable before the create goes out: killed before its creator is stored, the batch is still adopted
            entry = pending.open(
                    key.id(), p, attribution, worst, body.path("input_file_id").asText(null), clock.instant());
            answer = forward(x, p);
        } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
            pending.close(entry); // never reached the provider: nothing was created
            throw e;
        } finally {
            budgets.settle(decision, BigDecimal.ZERO); // admission only: the results are charged when recorded
        }
        if (answer.ok()) {
            String batchId = JSON.readTree(answer.body()).path("id").asText(null);
            if (BatchStore.isValidId(batchId)) {
                store.saveCreator(new BatchStore.Creator(
                        batchId,
                        p.name(),
                        p.pricingProvider(),
                        key.id(),
                        attribution,
                        clock.instant(),
                        worst.flatMap(BatchStore.FileWorstCase::perLine).orElse(null)));
                Log.info(
                        x.requestId,
                        "batch " + batchId + " created"
                                + worst.flatMap(BatchStore.FileWorstCase::worstCaseUsd)
                                        .map(v -> ", worst case $" + v.toPlainString())
                                        .orElse(", worst case unknown"));
            }
            answer = noteBatches(x, answer);
        }
        try {
            pending.close(entry); // its creator is stored, or the provider answered an error and created nothing
        } catch (RuntimeException e) {
            // the batch exists and is recorded as this key's: a 500 would have the client create it again. The entry
            // left open is closed by the sweep, uncharged, on finding this batch with this key as its creator.
            Log.warn(
                    x.requestId,
                    "batch create " + entry.id() + " answered but not closed ("
                            + e.getClass().getSimpleName() + "): the batch sweep closes it");
        }
        x.relay(answer);
    }

    /** Set by {@link #stopSweeping}: a sweep ends after the batch it is on, with nothing interrupted. */
    private volatile boolean stopSweeping;

    /**
     * Asks a running sweep to end after the batch it is on (the gateway is stopping): an interrupt could close the
     * usage journal's file for the whole process mid-append.
     */
    public void stopSweeping() {
        stopSweeping = true;
    }

    /** What one {@link #sweepEnded} did. */
    public record Swept(int batchesChecked, int batchesEnded, int recordsAdded) {}

    /**
     * Records the results of every batch created through this gateway that has ended at its provider, whether or not
     * a client fetched them here: the provider bills a batch when it runs, so one whose creator never downloads its
     * results (the job died, the key was revoked, the results were fetched from the provider directly) is still
     * recorded and charged to its creator's budgets. Each line is recorded once, as when a client fetches
     * ({@link BatchResults}); a batch whose results are in is not asked about again. A provider that cannot be reached
     * or answers an error leaves the batch for the next sweep.
     */
    public Swept sweepEnded() {
        return sweepEnded(() -> true);
    }

    /**
     * As {@link #sweepEnded()}, asking {@code goOn} before each batch: a Lambda invocation stops while it has time
     * left to make the records durable, and the batches it did not reach are swept by the next run.
     */
    public Swept sweepEnded(java.util.function.BooleanSupplier goOn) {
        int checked = 0;
        int ended = 0;
        int added = 0;
        if (!stopSweeping && goOn.getAsBoolean()) {
            adoptUnanswered();
        }
        for (String batchId : store.unsweptBatches()) {
            if (stopSweeping || !goOn.getAsBoolean()) {
                break;
            }
            Optional<BatchStore.Creator> creator = store.creator(batchId);
            Optional<Provider> provider =
                    creator.flatMap(c -> providers.named(c.provider())).filter(p -> !p.missingKey());
            if (provider.isEmpty()) {
                continue;
            }
            checked++;
            try {
                BatchResults.Recorded recorded = sweep(provider.get(), creator.get());
                if (recorded != null) {
                    ended++;
                    added += recorded.added();
                    if (recorded.settled()) {
                        store.saveSwept(batchId, clock.instant());
                    } else {
                        Log.warn(
                                null,
                                "batch " + batchId + ": results recorded but not yet charged to every budget; the next"
                                        + " sweep charges them");
                    }
                }
            } catch (Gone e) {
                // deleted at the provider, or its files expired: asking again every round would never end
                store.saveSwept(batchId, clock.instant());
                Log.warn(
                        null,
                        "batch " + batchId + ": results not collected, " + e.getMessage()
                                + "; lines a client fetched through the gateway are recorded, others are not");
            } catch (IOException | RuntimeException e) {
                Log.warn(
                        null,
                        "batch " + batchId + ": results not collected ("
                                + e.getClass().getSimpleName() + ": " + e.getMessage()
                                + "); the next sweep tries again");
            }
        }
        if (added > 0) {
            Log.info(null, "batch sweep: " + added + " result records added for " + ended + " ended batches");
        }
        return new Swept(checked, ended, added);
    }

    /**
     * Adopts the batches created while the gateway could not store the create's answer ({@link PendingBatchCreates}),
     * so this sweep collects them with the others; a create no batch matches for a day is charged its worst case.
     */
    private void adoptUnanswered() {
        try {
            PendingBatchCreates.Swept s =
                    pending.sweep(clock.instant(), providers::named, this::fetchJson, results::chargeUnmatchedCreate);
            if (s.adopted() + s.charged() > 0) {
                Log.warn(
                        null,
                        "batch sweep: " + s.adopted() + " batches adopted from creates whose answer was never stored, "
                                + s.charged() + " such creates charged their worst case");
            }
        } catch (RuntimeException e) {
            Log.error(null, "batch creates without a stored answer could not be checked; the next sweep will", e);
        }
    }

    /** OpenAI statuses of a batch that ended without running anything billable (its input failed validation). */
    private static final java.util.Set<String> OPENAI_UNBILLED = java.util.Set.of("failed");

    /** What a sweep of one batch recorded; null while the batch still runs. */
    private BatchResults.Recorded sweep(Provider p, BatchStore.Creator c) throws IOException {
        if (p.format() == ApiFormat.OPENAI) {
            JsonNode b = fetchJson(p, "/v1/batches/" + c.batchId());
            String status = b.path("status").asText();
            if (OPENAI_UNBILLED.contains(status)) {
                return new BatchResults.Recorded(0, true);
            }
            if (!OPENAI_ENDED.containsKey(status)) {
                return null;
            }
            noteOpenAiFiles(b);
            int added = 0;
            boolean settled = true;
            for (String field : RESULT_FILES) {
                String file = b.path(field).asText(null);
                Optional<JsonNode> output = BatchStore.isValidId(file) ? store.outputFile(file) : Optional.empty();
                if (output.isPresent()) {
                    // each file held on the pool while it is recorded, then given back
                    try (BodyMemory.Lease lease = memory.lease()) {
                        byte[] lines = fetch(p, "/v1/files/" + file + "/content", lease);
                        BatchResults.Recorded r = results.record(
                                c,
                                Instant.parse(output.get().path("completed_at").asText()),
                                lines,
                                BatchResults.Format.OPENAI);
                        added += r.added();
                        settled &= r.settled();
                    }
                }
            }
            return new BatchResults.Recorded(added, settled);
        }
        JsonNode b = fetchJson(p, "/v1/messages/batches/" + c.batchId());
        if (!"ended".equals(b.path("processing_status").asText())) {
            return null;
        }
        noteAnthropicEnd(b, c.batchId());
        try (BodyMemory.Lease lease = memory.lease()) {
            byte[] lines = fetch(p, "/v1/messages/batches/" + c.batchId() + "/results", lease);
            return results.record(c, anthropicEnded(c.batchId()), lines, BatchResults.Format.ANTHROPIC);
        }
    }

    /**
     * The provider's answer to {@code GET path}, held on {@code lease}: a results file larger than the pool can give
     * fails ({@link BatchUpstream.AnswerTooLarge}) and the batch is left for the next sweep.
     */
    private byte[] fetch(Provider p, String path, BodyMemory.Lease lease) throws IOException {
        BatchUpstream.Answer answer =
                upstream.send(p, "GET", path, new dev.spendgate.function.proxy.http.Headers(), new byte[0], lease);
        if (answer.status() == 404) {
            throw new Gone(p.name() + " answered 404 to GET " + path);
        }
        if (!answer.ok()) {
            throw new IOException(p.name() + " answered " + answer.status() + " to GET " + path);
        }
        return answer.body();
    }

    /** The provider no longer has the batch or one of its result files (deleted, or expired after 30 days). */
    private static final class Gone extends IOException {
        Gone(String message) {
            super(message);
        }
    }

    private JsonNode fetchJson(Provider p, String path) throws IOException {
        JsonNode n;
        try (BodyMemory.Lease lease = memory.lease()) {
            n = JSON.readTree(fetch(p, path, lease));
        }
        if (n == null || !n.isObject()) {
            throw new IOException(p.name() + " answered GET " + path + " with no JSON object");
        }
        return n;
    }

    /** {@code GET /v1/files/{id}/content}: an ended batch's output file is recorded once. */
    private void fileContent(BatchExchange x, Provider p) throws IOException {
        BatchUpstream.Answer answer = forward(x, p);
        String fileId = x.route.id();
        if (answer.ok() && BatchStore.isValidId(fileId)) {
            Optional<JsonNode> output = store.outputFile(fileId); // an output or error file
            if (output.isPresent()) {
                String batchId = output.get().path("batch_id").asText();
                Instant completed =
                        Instant.parse(output.get().path("completed_at").asText());
                store.creator(batchId)
                        .ifPresent(c -> record(x, c, completed, answer.body(), BatchResults.Format.OPENAI));
            }
        }
        x.relay(answer);
    }

    /** {@code GET /v1/messages/batches/{id}/results}: recorded once. */
    private void anthropicResults(BatchExchange x, Provider p) throws IOException {
        BatchUpstream.Answer answer = forward(x, p);
        String batchId = x.route.id();
        if (answer.ok() && BatchStore.isValidId(batchId)) {
            Optional<BatchStore.Creator> creator = store.creator(batchId);
            if (creator.isPresent()) {
                record(x, creator.get(), anthropicEnded(batchId), answer.body(), BatchResults.Format.ANTHROPIC);
            }
        }
        x.relay(answer);
    }

    /**
     * When a Message Batch's results are charged: its {@code ended_at} as a retrieve through the gateway saw it, else
     * now, the first fetch, kept so that a later fetch charges the same budget period.
     */
    private Instant anthropicEnded(String batchId) {
        Optional<Instant> ended = store.endedAt(batchId);
        if (ended.isPresent()) {
            return ended.get();
        }
        Instant now = clock.instant();
        store.saveEndedAt(batchId, now);
        return now;
    }

    private void record(
            BatchExchange x, BatchStore.Creator c, Instant completed, byte[] jsonl, BatchResults.Format format) {
        try {
            int added = results.record(c, completed, jsonl, format).added();
            Log.info(x.requestId, "batch " + c.batchId() + ": " + added + " result records added");
        } catch (RuntimeException e) {
            // the client still gets its results; a later fetch records them
            Log.error(x.requestId, "could not record the results of batch " + c.batchId(), e);
        }
    }

    /**
     * A batch object (or a list of them) on its way back: an OpenAI batch that ended (completed, expired or cancelled)
     * names its output and error files, kept so that fetching either records its lines; an Anthropic batch's {@code results_url} is pointed at this
     * gateway, so the SDKs fetch results through it.
     */
    private BatchUpstream.Answer noteBatches(BatchExchange x, BatchUpstream.Answer answer) throws IOException {
        JsonNode body;
        try {
            body = JSON.readTree(answer.body());
        } catch (IOException e) {
            return answer;
        }
        if (body == null || !body.isObject()) {
            return answer;
        }
        boolean changed = false;
        Iterable<JsonNode> batches = body.has("data") && body.get("data").isArray() ? body.get("data") : List.of(body);
        for (JsonNode b : batches) {
            if (x.route.format() == ApiFormat.OPENAI) {
                noteOpenAiFiles(b);
            } else if (b.hasNonNull("results_url") && b.isObject()) {
                String id = b.path("id").asText();
                noteAnthropicEnd(b, id);
                ((ObjectNode) b).put("results_url", x.origin() + "/v1/messages/batches/" + id + "/results");
                changed = true;
            }
        }
        return changed
                ? new BatchUpstream.Answer(answer.status(), answer.headers(), JSON.writeValueAsBytes(body))
                : answer;
    }

    /**
     * Notes an ended OpenAI batch's output file and error file (its failed requests, and those an expiry or cancel left
     * unrun), so that fetching either records its lines.
     */
    private void noteOpenAiFiles(JsonNode b) {
        String id = b.path("id").asText(null);
        String endedField = OPENAI_ENDED.get(b.path("status").asText());
        if (endedField == null || !BatchStore.isValidId(id)) {
            return;
        }
        for (String field : RESULT_FILES) {
            String file = b.path(field).asText(null);
            if (BatchStore.isValidId(file)
                    && store.outputFile(file).isEmpty()
                    && store.creator(id).isPresent()) {
                long endedAt = b.path(endedField).asLong(clock.instant().getEpochSecond());
                store.saveOutputFile(file, id, Instant.ofEpochSecond(endedAt));
            }
        }
    }

    /** Keeps an ended Message Batch's {@code ended_at}, once, for a batch created through the gateway. */
    private void noteAnthropicEnd(JsonNode b, String id) {
        Instant ended;
        try {
            ended = Instant.parse(b.path("ended_at").asText(""));
        } catch (DateTimeParseException e) {
            return;
        }
        if (BatchStore.isValidId(id)
                && store.endedAt(id).isEmpty()
                && store.creator(id).isPresent()) {
            store.saveEndedAt(id, ended);
        }
    }

    /**
     * The body's tree, built once {@code lease} holds what it takes (as the chat path's {@code Validate} does): 413
     * when it could never fit the pool, 503 while other calls hold it.
     */
    private static JsonNode parse(byte[] body, BodyMemory.Lease lease) {
        if (body.length > BodyMemory.SMALL_BODY_BYTES) {
            long tree;
            try {
                tree = JsonTreeSize.of(body);
            } catch (IOException e) {
                throw new BatchInputs.BadInput("body", "The body must be a JSON object.");
            }
            if (!lease.take(tree)) {
                throw body.length + tree > lease.capacity()
                        ? new BodyTooLarge(
                                413,
                                "The request body's JSON would take about " + (body.length + tree) / (1024 * 1024)
                                        + " MB of memory, more than the " + lease.capacity() / (1024 * 1024)
                                        + " MB Spendgate keeps for request bodies (SPENDGATE_BODY_MEMORY_BYTES).")
                        : new BodyTooLarge(
                                503,
                                "Spendgate is holding as many large request bodies as its memory allows; retry in"
                                        + " a second.");
            }
        }
        return parse(body);
    }

    /** A body the memory pool cannot hold now (503) or ever (413). */
    private static final class BodyTooLarge extends RuntimeException {
        final int status;

        BodyTooLarge(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode n = CLIENT_BODY.readTree(body);
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (IOException e) {
            // below
        }
        throw new BatchInputs.BadInput("body", "The body must be a JSON object.");
    }
}
