package dev.spendgate.domain.simulate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.spendgate.domain.waste.WasteCategory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;

/** What a simulation planted, and its totals, so detectors can be scored against it. */
public record GroundTruth(YearMonth month, long seed, long records, BigDecimal spendUsd, List<PlantedWaste> planted) {

    public GroundTruth {
        planted = List.copyOf(planted);
    }

    public List<PlantedWaste> of(WasteCategory category) {
        return planted.stream().filter(p -> p.category() == category).toList();
    }

    /** The ground truth as JSON (request ids limited to ten per planted item). */
    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("month", month.toString());
            g.writeNumberField("seed", seed);
            g.writeNumberField("records", records);
            g.writeStringField("spend_usd", spendUsd.toPlainString());
            g.writeArrayFieldStart("planted");
            for (PlantedWaste p : planted) {
                g.writeStartObject();
                g.writeStringField("category", p.category().label());
                g.writeStringField("kind", p.kind());
                g.writeObjectFieldStart("scope");
                g.writeStringField("type", p.scopeType());
                g.writeStringField("value", p.scopeValue());
                g.writeStringField("model", p.model());
                g.writeEndObject();
                g.writeNumberField("wasteful_calls", p.wastefulCalls());
                g.writeStringField("window_savings_usd", p.windowSavingsUsd().toPlainString());
                g.writeStringField("spend_at_risk_usd", p.spendAtRiskUsd().toPlainString());
                if (!p.savingsByThreshold().isEmpty()) {
                    g.writeObjectFieldStart("window_savings_by_threshold_usd");
                    for (Map.Entry<String, BigDecimal> e : new java.util.TreeMap<>(p.savingsByThreshold()).entrySet()) {
                        g.writeStringField(e.getKey(), e.getValue().toPlainString());
                    }
                    g.writeEndObject();
                }
                g.writeArrayFieldStart("example_request_ids");
                for (String id : p.requestIds().stream().limit(10).toList()) {
                    g.writeString(id);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
