package dev.spendgate.report.gatewaycost;

import dev.spendgate.domain.gatewaycost.AwsService;
import dev.spendgate.domain.gatewaycost.CallProfile;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the estimate assumes rather than reads from the records, in words for the basis ({@code data-quality.json}),
 * the rows' descriptions and the board line: how many budgets each call touched (the records do not say; the report
 * runner's {@code SPENDGATE_GATEWAY_COST_BUDGETS_PER_CALL}), the DynamoDB read units a call (key and policy cache
 * misses) and the cold starts (one Secrets Manager call each). Derived from the {@link CallProfile} priced, so the words
 * say what the figures rest on.
 */
public record GatewayCostAssumptions(CallProfile profile) {
    public GatewayCostAssumptions {
        Objects.requireNonNull(profile, "profile");
    }

    /**
     * The budgets a call is taken to touch, from the profile's write units ({@link CallProfile#measured}: none without
     * a budget, else {@value CallProfile#WRITES_PER_CALL_WITH_BUDGETS} + {@value CallProfile#WRITES_PER_BUDGET} per
     * budget); -1 when the writes are not of that form.
     */
    public long budgetsPerCall() {
        BigDecimal writes = profile.dynamoDbWriteUnits();
        if (writes.signum() == 0) {
            return 0;
        }
        BigDecimal budgets = writes.subtract(BigDecimal.valueOf(CallProfile.WRITES_PER_CALL_WITH_BUDGETS))
                .divide(BigDecimal.valueOf(CallProfile.WRITES_PER_BUDGET), 10, RoundingMode.HALF_UP);
        if (budgets.signum() <= 0 || budgets.stripTrailingZeros().scale() > 0) {
            return -1;
        }
        return budgets.longValueExact();
    }

    /** The budgets a call is taken to touch, in words (e.g. "3 budgets a call"). */
    public String budgets() {
        long budgets = budgetsPerCall();
        if (budgets < 0) {
            return plain(profile.dynamoDbWriteUnits()) + " DynamoDB write units a call";
        }
        return budgets == 0 ? "no budget on any call" : budgets + (budgets == 1 ? " budget" : " budgets") + " a call";
    }

    /** The DynamoDB read units a call, in words. */
    public String reads() {
        return plain(profile.dynamoDbReadUnits()) + " DynamoDB read units a call";
    }

    /** The cold starts, in words (one Secrets Manager call each). */
    public String coldStarts() {
        BigDecimal calls = profile.secretsManagerCalls();
        if (calls.signum() == 0) {
            return "no cold start";
        }
        BigDecimal per = BigDecimal.ONE.divide(calls, 0, RoundingMode.HALF_UP);
        return "one cold start per " + String.format(java.util.Locale.ROOT, "%,d", per.longValue()) + " calls";
    }

    /** Every assumption, for the basis and the board line. */
    public String all() {
        return String.join(
                ", ",
                List.of(
                        budgets() + " (the records do not say how many)",
                        reads(),
                        coldStarts(),
                        DataTransferOut.BYTES_PER_TOKEN + " bytes a token sent out"));
    }

    /** What a service's row assumes, as a clause for its description ("" when nothing). */
    public String of(String service) {
        List<String> parts = new ArrayList<>();
        if (service.equals(AwsService.DYNAMODB.billedName())) {
            parts.add(budgets());
            parts.add(reads());
        } else if (service.equals(AwsService.SECRETS_MANAGER.billedName())) {
            parts.add(coldStarts());
        }
        return parts.isEmpty() ? "" : ", assuming " + String.join(" and ", parts);
    }

    private static String plain(BigDecimal n) {
        return n.stripTrailingZeros().toPlainString();
    }
}
