package dev.spendgate.report.gatewaycost;

import dev.spendgate.domain.gatewaycost.AwsService;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The gateway's own AWS cost in the monthly outputs, so the board sees the total cost of AI: per day and AWS service,
 * one FOCUS row estimated from the day's calls and the operations a call is counted to cause ({@link CallProfile}),
 * at list price ({@link GatewayCostModel}). The rows say they are estimates: {@code x_CostSource}
 * {@value #COST_SOURCE} in Tags, {@code x_Estimated} true, the description names the price list; ProviderName is
 * Amazon Web Services and ServiceName the AWS service, never an LLM provider.
 *
 * @param profile what one call costs in operations (deployment's memory, architecture, budgets per call, duration)
 * @param model the prices
 */
public record GatewayCostRows(CallProfile profile, GatewayCostModel model) {
    /** Tags' {@code x_CostSource} (and the description's prefix) of these rows. */
    public static final String COST_SOURCE = "gateway_aws_estimate";
    /** Provider ids of these rows start with this; {@code FocusCharges} names them Amazon Web Services. */
    public static final String PROVIDER_PREFIX = dev.spendgate.domain.report.FocusCharges.AWS_SERVICE_PREFIX;

    private static final int SCALE = 10;

    public GatewayCostRows {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(model, "model");
    }

    /** One row per day with calls and AWS service with a cost; the calls are each day's proxied calls. */
    public List<FocusCharge> focusCharges(Map<LocalDate, Long> callsPerDay) {
        List<FocusCharge> rows = new ArrayList<>();
        String priced =
                "list price " + model.prices().region() + " " + model.prices().asOf();
        for (Map.Entry<LocalDate, Long> day : new TreeMap<>(callsPerDay).entrySet()) {
            if (day.getValue() <= 0) {
                continue;
            }
            GatewayCostModel.Breakdown cost = model.cost(profile, day.getValue());
            for (AwsService service : AwsService.values()) {
                BigDecimal usd = cost.of(service).setScale(SCALE, RoundingMode.HALF_UP);
                if (usd.signum() == 0) {
                    continue;
                }
                Map<String, String> tags = new LinkedHashMap<>();
                tags.put("x_CostSource", COST_SOURCE);
                tags.put("x_Estimated", "true");
                rows.add(new FocusCharge(
                        day.getKey(),
                        FocusCharge.Category.ADJUSTMENT,
                        PROVIDER_PREFIX + service.billedName(),
                        "Amazon Web Services",
                        null,
                        null,
                        tags,
                        0,
                        null,
                        null,
                        usd,
                        usd,
                        0,
                        COST_SOURCE + ": estimated, not billed: Spendgate's own " + service.billedName() + " for "
                                + day.getValue() + " calls, from counted operations at " + priced));
            }
        }
        return rows;
    }

    /** The rows' total (what the board line shows). */
    public static BigDecimal total(List<FocusCharge> rows) {
        return rows.stream().map(FocusCharge::billedCost).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /**
     * The board report's line: the estimate, per million calls, and AI spend plus the estimate as the total cost of
     * AI.
     */
    public String boardLine(List<FocusCharge> rows, long calls, BigDecimal aiSpendUsd) {
        BigDecimal own = total(rows);
        String perMillion = calls == 0
                ? ""
                : " ("
                        + Money.usd(own.multiply(BigDecimal.valueOf(1_000_000))
                                .divide(BigDecimal.valueOf(calls), 2, RoundingMode.HALF_UP))
                        + " per million calls)";
        return "Spendgate's own AWS cost, estimated from the operations a call is counted to cause at "
                + model.prices().region() + " list prices of " + model.prices().asOf() + " (not from the AWS bill): "
                + Money.usd(own) + " for " + calls + " calls" + perMillion + ". With the " + Money.usd(aiSpendUsd)
                + " of AI spend, the total cost of AI is " + Money.usd(aiSpendUsd.add(own)) + ".";
    }
}
