package dev.spendgate.domain.budget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A kept alert or notice as JSON (format version 1), the same in every {@link AlertOutbox}: the local outbox's files
 * and the budgets table's items hold these bytes.
 */
public final class AlertOutboxJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertOutboxJson() {}

    /** One of {@code alert} or {@code notice}, kept since {@code since}. */
    public static byte[] write(BudgetAlert alert, AlertSink.Notice notice, Instant since) {
        return write(alert, notice, since, null);
    }

    /**
     * As {@link #write(BudgetAlert, AlertSink.Notice, Instant)}, waiting on a once-marker ({@code waiting_on}, left
     * out when null). A version that does not know {@code waiting_on} sends such a delivery as decided: at worst once
     * more.
     */
    public static byte[] write(
            BudgetAlert alert, AlertSink.Notice notice, Instant since, AlertOutbox.Waiting waitingOn) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("since", since.toString());
        if (waitingOn != null) {
            ObjectNode w = root.putObject("waiting_on");
            w.put("marker_key", waitingOn.markerKey());
            w.put("marker_expires_at", waitingOn.markerExpiresAt().toString());
        }
        if (alert != null) {
            ObjectNode a = root.putObject("alert");
            a.put("policy_id", alert.policyId());
            a.put("scope_value", alert.scopeValue());
            a.put("period", alert.period());
            a.put("threshold_percent", alert.thresholdPercent());
            a.put("limit_usd", alert.limitUsd().toPlainString());
            a.put("spent_usd", alert.spentUsd().toPlainString());
            a.put("mode", alert.mode().label());
            a.put("at", alert.at().toString());
        } else {
            ObjectNode n = root.putObject("notice");
            n.put("subject", notice.subject());
            n.put("message", notice.message());
            ObjectNode attributes = n.putObject("attributes");
            notice.attributes().forEach(attributes::put);
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The delivery {@code id} as {@link #write} wrote it.
     *
     * @throws IllegalArgumentException when the bytes are not such JSON (a damaged file or item)
     */
    public static AlertOutbox.Kept read(String id, byte[] bytes) {
        try {
            JsonNode root = JSON.readTree(bytes);
            Instant since = Instant.parse(root.path("since").asText());
            JsonNode w = root.get("waiting_on");
            AlertOutbox.Waiting waitingOn = w == null
                    ? null
                    : new AlertOutbox.Waiting(
                            w.path("marker_key").asText(),
                            Instant.parse(w.path("marker_expires_at").asText()));
            JsonNode a = root.get("alert");
            if (a != null) {
                return new AlertOutbox.Kept(
                        id,
                        new BudgetAlert(
                                a.path("policy_id").asText(),
                                a.path("scope_value").asText(),
                                a.path("period").asText(),
                                a.path("threshold_percent").asInt(),
                                new BigDecimal(a.path("limit_usd").asText()),
                                new BigDecimal(a.path("spent_usd").asText()),
                                BudgetPolicy.Mode.parse(a.path("mode").asText()),
                                Instant.parse(a.path("at").asText())),
                        null,
                        since,
                        waitingOn);
            }
            JsonNode n = root.get("notice");
            if (n == null) {
                throw new IllegalArgumentException("neither an alert nor a notice");
            }
            Map<String, String> attributes = new LinkedHashMap<>();
            n.path("attributes")
                    .properties()
                    .forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
            return new AlertOutbox.Kept(
                    id,
                    null,
                    new AlertSink.Notice(
                            n.path("subject").asText(), n.path("message").asText(), attributes),
                    since,
                    waitingOn);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("kept alert " + id + " cannot be read: " + e.getMessage(), e);
        }
    }
}
