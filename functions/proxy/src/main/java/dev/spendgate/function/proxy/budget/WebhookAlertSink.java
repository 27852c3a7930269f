package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * Budget alerts POSTed to a Slack-compatible incoming webhook ({@code {"text": "..."}} plus the alert's fields).
 * A failed delivery (an answer other than 2xx, a connection or read failure) throws {@link java.io.UncheckedIOException}:
 * the gateway sends through a {@link BackgroundAlertSink}, which retries it off the call's path.
 */
public final class WebhookAlertSink implements AlertSink {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI url;

    public WebhookAlertSink(URI url) {
        this.url = url;
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
        int status;
        try {
            HttpURLConnection connection = (HttpURLConnection) url.toURL().openConnection();
            connection.setRequestMethod("POST");
            connection.setConnectTimeout(3000);
            connection.setReadTimeout(5000);
            connection.setDoOutput(true);
            connection.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = connection.getOutputStream()) {
                out.write(JSON.writeValueAsBytes(body));
            }
            status = connection.getResponseCode();
            java.io.InputStream answer = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            if (answer != null) {
                answer.close();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("budget alert webhook failed: " + what, e);
        }
        if (status < 200 || status >= 300) {
            throw new java.io.UncheckedIOException(
                    "budget alert webhook answered HTTP " + status, new IOException("HTTP " + status));
        }
    }
}
