package dev.spendgate.bench;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.AwsService;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.CallProfile.Delivery;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.gatewaycost.ManagedInstancesModel;
import dev.spendgate.domain.gatewaycost.ManagedInstancesPrices;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.OptionalLong;

/**
 * Prints the gateway's own AWS cost per million calls as a Markdown table (README, "The gateway's own AWS cost"):
 * for a mean LLM call of {@code --call-ms} (default 4000) plus {@code --added-ms} billed by the gateway itself
 * (measured by {@link DeployedPathBench}), 0, 1 and 3 budgets, as deployed today and right-sized.
 *
 * <pre>
 * GatewayCostTable [--call-ms 4000] [--added-ms 53] [--lmi-cpu-ms 13.6] [--lmi-cpu-target 0.5]
 *     [--lmi-calls-per-vcpu 32] [--nat-gateways 3] [--nat-bytes 16384]
 * </pre>
 *
 * <p>Then the same calls on Lambda Managed Instances ({@code -c proxyCompute=managed-instances}), by monthly volume,
 * and the volumes from which they cost at most $25 per million and less than the Lambda set-ups.
 */
public final class GatewayCostTable {
    /**
     * Billed time the gateway adds per call (p50, one budget, 5 ms AWS round trips), bench/rightsize.sh: 53 ms on
     * unthrottled cores (48 ms at 1024 MB's emulated CPU share), 96 ms at 320 MB's and 184 ms at 256 MB's.
     */
    static final long ADDED_MS_1024 = CallProfile.GATEWAY_MS_UNTHROTTLED;

    static final long ADDED_MS_320 = CallProfile.GATEWAY_MS_320;
    static final long ADDED_MS_256 = CallProfile.GATEWAY_MS_256;

    /**
     * CPU one warm call costs the proxy JVM: 4,080 ms over 300 calls after 100 warm-up (user + system of the bootstrap
     * process, one budget, streamed, 5 ms AWS round trips, usage records as S3 objects, packaged flags: C1 only,
     * serial GC), DeployedPathBench on this shared 2-core x86_64 machine, 2026-12-04; see README.
     */
    static final String LMI_CPU_MS_PER_CALL = "13.6";

    /** Monthly call volumes the managed-instances rows show. */
    static final long[] LMI_VOLUMES = {
        1_000_000L, 5_000_000L, 10_000_000L, 20_000_000L, 50_000_000L, 100_000_000L, 500_000_000L, 1_000_000_000L
    };

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
        BigDecimal lmiCpuMs = new BigDecimal(LMI_CPU_MS_PER_CALL);
        BigDecimal cpuTarget = new BigDecimal("0.5");
        int callsPerVCpu = 32;
        int natGateways = 3;
        long natBytes = 16_384;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--call-ms" -> callMs = Long.parseLong(args[++i]);
                case "--added-ms" -> addedMs = Long.parseLong(args[++i]);
                case "--lmi-cpu-ms" -> lmiCpuMs = new BigDecimal(args[++i]);
                case "--lmi-cpu-target" -> cpuTarget = new BigDecimal(args[++i]);
                case "--lmi-calls-per-vcpu" -> callsPerVCpu = Integer.parseInt(args[++i]);
                case "--nat-gateways" -> natGateways = Integer.parseInt(args[++i]);
                case "--nat-bytes" -> natBytes = Long.parseLong(args[++i]);
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
                        "-c proxyArchitecture=arm64 -c proxyMemoryMb=256", 256, true, Delivery.FIREHOSE, ADDED_MS_256),
                new Setup("-c proxyMemoryMb=256 (x86_64)", 256, false, Delivery.FIREHOSE, ADDED_MS_256));
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
        System.out.printf(
                "%nPlus, whatever the calls, the usage stream's dynamic partitioning objects: $%s a month at the"
                        + " stack's 900 s buffer (calls all month), $%s at 60 s%n%n",
                model.firehoseObjectsMonthly(900).setScale(2, RoundingMode.HALF_UP),
                model.firehoseObjectsMonthly(60).setScale(2, RoundingMode.HALF_UP));
        ManagedInstancesModel.Fleet fleet = new ManagedInstancesModel.Fleet(
                3, lmiCpuMs, cpuTarget, callsPerVCpu, callMs + ADDED_MS_1024, natGateways, natBytes);
        managedInstances(model, fleet, callMs);
    }

    /** The managed-instances rows (one budget) and the volumes from which they pay. */
    static void managedInstances(GatewayCostModel model, ManagedInstancesModel.Fleet fleet, long callMs) {
        ManagedInstancesModel lmi =
                ManagedInstancesModel.create(model, ManagedInstancesPrices.US_EAST_1_M7G_LARGE, fleet);
        ManagedInstancesPrices prices = lmi.prices();
        CallProfile call = CallProfile.measured(1, callMs + ADDED_MS_1024, 2048, true, Delivery.FIREHOSE);
        System.out.printf(
                "%nLambda Managed Instances, one budget: %s (%d vCPU) at $%s an hour + %s %% fee, %d at least;"
                        + " %s ms CPU a call at %s of the vCPUs, %d calls in flight per vCPU of %d ms: %,d calls an"
                        + " instance a month; %d NAT gateways, %,d bytes a call through NAT; %s list prices of %s%n%n",
                prices.instanceType(),
                prices.vCpus(),
                prices.instancePerHour().toPlainString(),
                prices.managementFeeRate()
                        .movePointRight(2)
                        .stripTrailingZeros()
                        .toPlainString(),
                fleet.minInstances(),
                fleet.cpuMillisPerCall().toPlainString(),
                fleet.cpuTarget().toPlainString(),
                fleet.callsPerVCpu(),
                fleet.meanCallMillis(),
                lmi.callsPerInstanceMonth(),
                fleet.natGateways(),
                fleet.natBytesPerCall(),
                prices.region(),
                prices.asOf());
        System.out.println("| calls a month | instances | EC2 | management fee | Lambda requests | NAT gateway"
                + " | other services | total a month | **per million calls** |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (long volume : LMI_VOLUMES) {
            ManagedInstancesModel.Monthly m = lmi.monthly(call, volume);
            BigDecimal others = m.otherServices().values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            System.out.printf(
                    "| %,d | %d | %s | %s | %s | %s | %s | %s | **%s** |%n",
                    volume,
                    m.instances(),
                    usd(m.ec2Instances()),
                    usd(m.managementFee()),
                    usd(m.lambdaRequests()),
                    usd(m.natGateway()),
                    usd(others),
                    usd(m.total()),
                    usd(m.perMillionCalls()));
        }
        System.out.println();
        CallProfile x86 = CallProfile.measured(1, callMs + ADDED_MS_1024, 1024, false, Delivery.FIREHOSE);
        CallProfile arm320 = CallProfile.measured(1, callMs + ADDED_MS_320, 320, true, Delivery.FIREHOSE);
        breakEven(lmi, call, "the $25 per million target", new BigDecimal("25"));
        breakEven(
                lmi,
                call,
                "standard Lambda as deployed (1024 MB x86_64, "
                        + usd(model.perMillionCalls(x86).total()) + ")",
                model.perMillionCalls(x86).total());
        breakEven(
                lmi,
                call,
                "standard Lambda at 320 MB arm64 ("
                        + usd(model.perMillionCalls(arm320).total()) + ")",
                model.perMillionCalls(arm320).total());
    }

    private static void breakEven(ManagedInstancesModel lmi, CallProfile call, String against, BigDecimal perMillion) {
        OptionalLong calls = lmi.smallestMonthlyCallsWithin(call, perMillion);
        if (calls.isEmpty()) {
            System.out.printf("- never within %s%n", against);
            return;
        }
        System.out.printf(
                "- within %s from %,d calls a month (%s per million there, about %.1f calls a second)%n",
                against,
                calls.getAsLong(),
                usd(lmi.monthly(call, calls.getAsLong()).perMillionCalls()),
                calls.getAsLong() / (730.0 * 3600));
    }

    private static String usd(BigDecimal v) {
        return "$" + v.setScale(2, RoundingMode.HALF_UP).toPlainString();
    }
}
