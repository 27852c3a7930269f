package dev.spendgate.bench;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.AwsService;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.CallProfile.Delivery;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * Prints the gateway's own AWS cost per million calls as a Markdown table (README, "The gateway's own AWS cost"):
 * for a mean LLM call of {@code --call-ms} (default 4000) plus {@code --added-ms} billed by the gateway itself
 * (measured by {@link DeployedPathBench}), 0, 1 and 3 budgets, as deployed today and right-sized.
 *
 * <pre>
 * GatewayCostTable [--call-ms 4000] [--added-ms 53]
 * </pre>
 */
public final class GatewayCostTable {
    /**
     * Billed time the gateway adds per call (p50, one budget, 5 ms AWS round trips), bench/rightsize.sh: 53 ms on
     * unthrottled cores (48 ms at 1024 MB's emulated CPU share), 96 ms at 320 MB's and 184 ms at 256 MB's.
     */
    static final long ADDED_MS_1024 = 53;

    static final long ADDED_MS_320 = 96;
    static final long ADDED_MS_256 = 184;

    private GatewayCostTable() {}

    /** A set-up; {@code addedMs} is the billed time measured at its size, or null for {@code --added-ms}. */
    record Setup(String name, int memoryMb, boolean arm64, Delivery delivery, Long addedMs) {
        Setup(String name, int memoryMb, boolean arm64, Delivery delivery) {
            this(name, memoryMb, arm64, delivery, null);
        }
    }

    public static void main(String[] args) {
        long callMs = 4_000;
        long addedMs = ADDED_MS_1024;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--call-ms" -> callMs = Long.parseLong(args[++i]);
                case "--added-ms" -> addedMs = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        GatewayCostModel model = GatewayCostModel.create(AwsPrices.US_EAST_1);
        // Billed time the gateway adds per call (DeployedPathBench, bench/rightsize.sh, bench/RESULTS.md, 2026-12-03);
        // 512 and 384 MB use --added-ms.
        List<Setup> setups = List.of(
                new Setup("as deployed: 1024 MB x86_64, Firehose", 1024, false, Delivery.FIREHOSE, ADDED_MS_1024),
                new Setup(
                        "before Firehose: 1024 MB x86_64, S3 object per call",
                        1024,
                        false,
                        Delivery.S3_OBJECT_PER_CALL,
                        ADDED_MS_1024),
                new Setup("1024 MB arm64, Firehose", 1024, true, Delivery.FIREHOSE, ADDED_MS_1024),
                new Setup("512 MB arm64, Firehose", 512, true, Delivery.FIREHOSE),
                new Setup("384 MB arm64, Firehose", 384, true, Delivery.FIREHOSE),
                new Setup(
                        "-c proxyArchitecture=arm64 -c proxyMemoryMb=320", 320, true, Delivery.FIREHOSE, ADDED_MS_320),
                new Setup(
                        "-c proxyArchitecture=arm64 -c proxyMemoryMb=256", 256, true, Delivery.FIREHOSE, ADDED_MS_256));
        System.out.printf(
                "Mean LLM call %d ms + %d ms added by the gateway = %d ms billed; %s list prices of %s%n%n",
                callMs,
                addedMs,
                callMs + addedMs,
                model.prices().region(),
                model.prices().asOf());
        StringBuilder header = new StringBuilder("| set-up | budgets |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (AwsService s : AwsService.values()) {
            header.append(' ').append(s.billedName()).append(" |");
            rule.append("---|");
        }
        System.out.println(header.append(" total per million calls |"));
        System.out.println(rule.append("---|"));
        for (Setup setup : setups) {
            for (int budgets : new int[] {0, 1, 3}) {
                long added = setup.addedMs() != null ? setup.addedMs() : addedMs;
                CallProfile p = CallProfile.measured(
                        budgets, callMs + added, setup.memoryMb(), setup.arm64(), setup.delivery());
                GatewayCostModel.Breakdown b = model.perMillionCalls(p);
                StringBuilder row = new StringBuilder("| ")
                        .append(setup.name())
                        .append(" | ")
                        .append(budgets)
                        .append(" |");
                for (AwsService s : AwsService.values()) {
                    row.append(' ').append(usd(b.of(s))).append(" |");
                }
                System.out.println(row.append(" **").append(usd(b.total())).append("** |"));
            }
        }
    }

    private static String usd(BigDecimal v) {
        return "$" + v.setScale(2, RoundingMode.HALF_UP).toPlainString();
    }
}
