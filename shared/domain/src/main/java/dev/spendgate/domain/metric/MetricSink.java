package dev.spendgate.domain.metric;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a job's figures go as metrics that alarms watch (CloudWatch in AWS, a local file otherwise). Values are exact
 * decimals here; an adapter converts them to its store's number type only at the edge.
 */
public interface MetricSink {
    /** Publishes the datapoints, all in {@code namespace}. */
    void publish(String namespace, List<Datapoint> datapoints);

    /** The units Spendgate publishes in (CloudWatch's names). */
    enum Unit {
        PERCENT("Percent"),
        /** Plain amounts, such as US dollars (CloudWatch has no currency unit). */
        NONE("None"),
        COUNT("Count");

        private final String cloudWatchName;

        Unit(String cloudWatchName) {
            this.cloudWatchName = cloudWatchName;
        }

        public String cloudWatchName() {
            return cloudWatchName;
        }
    }

    /** One value of one metric at one time, with its dimensions (e.g. {@code Provider=openai}). */
    record Datapoint(String name, Map<String, String> dimensions, BigDecimal value, Unit unit, Instant timestamp) {
        public Datapoint {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(timestamp, "timestamp");
            dimensions = dimensions == null ? Map.of() : Map.copyOf(dimensions);
        }
    }
}
