package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Budget alerts POSTed to a Slack-compatible incoming webhook ({@code {"text": "..."}} plus the alert's fields).
 * A failed delivery (an answer other than 2xx, a connection failure, no complete answer within 3 + 5 s) throws
 * {@link UncheckedIOException}:
 * the gateway sends through a {@link BackgroundAlertSink}, which retries it off the call's path.
 */
public final class WebhookAlertSink implements AlertSink {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** README "Budgets", Alerts: up to 3 s to connect and 5 s for the answer. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);
    private final URI url;
    private final HttpClient client;

    public WebhookAlertSink(URI url) {
        this.url = url;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    @Override
    public void send(BudgetAlert alert) {
        ObjectNode body = JSON.createObjectNode();
        body.put("text", alert.message());
        body.put("policy", alert.policyId());
        body.put("scope_value", alert.scopeValue());
        body.put("period", alert.period());
        body.put("threshold_percent", alert.thresholdPercent());
        body.put("limit_usd", alert.limitUsd().toPlainString());
        body.put("spent_usd", alert.spentUsd().toPlainString());
        post(body, alert.message());
    }

    /** A notice as {@code {"text": "<subject>: <message>"}} plus its attributes as fields. */
    @Override
    public void send(Notice notice) {
        ObjectNode body = JSON.createObjectNode();
        body.put("text", notice.subject() + ": " + notice.message());
        new java.util.TreeMap<>(notice.attributes()).forEach(body::put);
        post(body, notice.subject());
    }

    private void post(ObjectNode body, String what) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(url)
                    .timeout(ANSWER_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("budget alert webhook failed: " + what, e);
        }
        // The request timeout bounds the wait for the answer's head; the deadline below bounds the whole exchange,
        // a head or body trickled a byte at a time included, so one webhook never holds the alert sender for long.
        CompletableFuture<HttpResponse<Void>> exchange =
                client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        int status;
        try {
            status = exchange.get(CONNECT_TIMEOUT.plus(ANSWER_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS)
                    .statusCode();
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new UncheckedIOException(
                    "budget alert webhook failed: " + what,
                    new HttpTimeoutException("no complete answer within "
                            + CONNECT_TIMEOUT.plus(ANSWER_TIMEOUT).toSeconds() + " s"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new UncheckedIOException(
                    "budget alert webhook failed: " + what,
                    cause instanceof IOException io ? io : new IOException(cause));
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new UncheckedIOException("budget alert webhook interrupted: " + what, new IOException(e));
        }
        if (status < 200 || status >= 300) {
            throw new UncheckedIOException(
                    "budget alert webhook answered HTTP " + status, new IOException("HTTP " + status));
        }
    }
}
