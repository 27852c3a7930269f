package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.function.proxy.Log;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * Budget alerts POSTed to a Slack-compatible incoming webhook ({@code {"text": "..."}} plus the alert's fields).
 * A failed delivery is logged, never thrown: alerts must not fail calls.
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
            int status = connection.getResponseCode();
            connection.getInputStream().close();
            if (status >= 300) {
                Log.warn(null, "budget alert webhook answered HTTP " + status);
            }
        } catch (IOException e) {
            Log.error(null, "budget alert webhook failed: " + what, e);
        }
    }
}
