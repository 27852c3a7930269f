package dev.spendgate.domain.gatewaycost;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What the gateway costs in AWS a month when the proxy runs on Lambda Managed Instances: a fleet of EC2 instances
 * billed by the hour whatever the traffic (at least {@link Fleet#minInstances}, which Lambda starts for AZ
 * resiliency), plus per call the same API Gateway, DynamoDB, Firehose, Secrets Manager and CloudWatch Logs operations
 * as on standard Lambda ({@link GatewayCostModel}), Lambda's request charge, and the NAT gateway's data processing.
 * Unlike standard Lambda the cost per call falls with volume, so the model answers for a monthly call count and finds
 * the volume from which a target cost per million calls holds. Exact decimal arithmetic; only divisions into GB and
 * capacities are carried to 20 significant digits.
 */
public final class ManagedInstancesModel {
    /** AWS prices a month as 730 hours. */
    public static final BigDecimal HOURS_PER_MONTH = BigDecimal.valueOf(730);

    private static final BigDecimal SECONDS_PER_MONTH = HOURS_PER_MONTH.multiply(BigDecimal.valueOf(3600));
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1_000);
    private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);
    private static final MathContext PRECISION = new MathContext(20, RoundingMode.HALF_EVEN);
    private static final int MAX_INSTANCES = 1_000_000;

    private final GatewayCostModel services;
    private final ManagedInstancesPrices prices;
    private final Fleet fleet;

    private ManagedInstancesModel(GatewayCostModel services, ManagedInstancesPrices prices, Fleet fleet) {
        this.services = Objects.requireNonNull(services, "services");
        this.prices = Objects.requireNonNull(prices, "prices");
        this.fleet = Objects.requireNonNull(fleet, "fleet");
    }

    public static ManagedInstancesModel create(GatewayCostModel services, ManagedInstancesPrices prices, Fleet fleet) {
        return new ManagedInstancesModel(services, prices, fleet);
    }

    public ManagedInstancesPrices prices() {
        return prices;
    }

    public Fleet fleet() {
        return fleet;
    }

    /**
     * How the fleet is sized and what passes its NAT gateways.
     *
     * @param minInstances instances running whatever the traffic (Lambda starts 3 for AZ resiliency)
     * @param cpuMillisPerCall CPU one call costs the proxy (measured on the streaming bootstrap)
     * @param cpuTarget the share of the instances' vCPUs the fleet is sized to use on average (head room for peaks
     *     and for Lambda's CPU-based scaling)
     * @param callsPerVCpu calls in flight per vCPU (Lambda's default for Java is 32)
     * @param meanCallMillis wall time of a call, mostly waiting on the provider: what holds a slot
     * @param natGateways NAT gateways the instances' subnets route through (one per Availability Zone)
     * @param natBytesPerCall bytes a call sends and receives through NAT (provider request and answer, AWS APIs
     *     without VPC endpoints)
     */
    public record Fleet(
            int minInstances,
            BigDecimal cpuMillisPerCall,
            BigDecimal cpuTarget,
            int callsPerVCpu,
            long meanCallMillis,
            int natGateways,
            long natBytesPerCall) {
        public Fleet {
            Objects.requireNonNull(cpuMillisPerCall, "cpuMillisPerCall");
            Objects.requireNonNull(cpuTarget, "cpuTarget");
            if (minInstances < 1 || callsPerVCpu < 1 || meanCallMillis < 1 || natGateways < 0 || natBytesPerCall < 0) {
                throw new IllegalArgumentException("minInstances, callsPerVCpu and meanCallMillis must be positive,"
                        + " natGateways and natBytesPerCall not negative");
            }
            if (cpuMillisPerCall.signum() <= 0) {
                throw new IllegalArgumentException("cpuMillisPerCall must be positive");
            }
            if (cpuTarget.signum() <= 0 || cpuTarget.compareTo(BigDecimal.ONE) > 0) {
                throw new IllegalArgumentException("cpuTarget must be above 0 and at most 1, was " + cpuTarget);
            }
        }
    }

    /**
     * Calls one instance serves in a month at the fleet's sizing: the lower of what its CPU allows at
     * {@link Fleet#cpuTarget} and what its call slots allow when each call holds one for {@link Fleet#meanCallMillis}.
     */
    public long callsPerInstanceMonth() {
        BigDecimal vCpus = BigDecimal.valueOf(prices.vCpus());
        BigDecimal byCpu = vCpus.multiply(fleet.cpuTarget())
                .multiply(SECONDS_PER_MONTH)
                .multiply(THOUSAND)
                .divide(fleet.cpuMillisPerCall(), PRECISION);
        BigDecimal bySlots = vCpus.multiply(BigDecimal.valueOf(fleet.callsPerVCpu()))
                .multiply(SECONDS_PER_MONTH)
                .multiply(THOUSAND)
                .divide(BigDecimal.valueOf(fleet.meanCallMillis()), PRECISION);
        return byCpu.min(bySlots).setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    /** Instances running for {@code monthlyCalls}: at least the minimum, else enough for the calls. */
    public int instances(long monthlyCalls) {
        if (monthlyCalls < 0) {
            throw new IllegalArgumentException("monthlyCalls must be 0 or more");
        }
        long perInstance = callsPerInstanceMonth();
        long needed = (monthlyCalls + perInstance - 1) / perInstance;
        return (int) Math.max(fleet.minInstances(), needed);
    }

    /**
     * Instances running while {@code calls} calls come in {@code hours} hours: at least the minimum, else enough for
     * that rate ({@link #callsPerInstanceMonth} scaled to the hours), at most {@code maxInstances} (the capacity
     * provider's vCPU ceiling; calls beyond it are throttled, not served by more instances).
     */
    public int instances(long calls, BigDecimal hours, int maxInstances) {
        checkPeriod(calls, hours, maxInstances);
        BigDecimal capacity = BigDecimal.valueOf(callsPerInstanceMonth()).multiply(hours);
        long needed = BigDecimal.valueOf(calls)
                .multiply(HOURS_PER_MONTH)
                .divide(capacity, 0, RoundingMode.CEILING)
                .longValueExact();
        return (int) Math.min(maxInstances, Math.max(fleet.minInstances(), needed));
    }

    /** The month's cost of {@code monthlyCalls} calls of {@code profile} (its Lambda duration is not billed here). */
    public Monthly monthly(CallProfile profile, long monthlyCalls) {
        return cost(profile, monthlyCalls, instances(monthlyCalls), HOURS_PER_MONTH);
    }

    /**
     * The cost of {@code calls} calls of {@code profile} over {@code hours} hours (a day of a monthly report is 24),
     * the fleet sized for that rate and capped at {@code maxInstances}; the instances, the fee and the NAT gateways'
     * hours are billed for {@code hours}. Over {@link #HOURS_PER_MONTH} hours without a cap this is
     * {@link #monthly}.
     */
    public Monthly period(CallProfile profile, long calls, BigDecimal hours, int maxInstances) {
        return cost(profile, calls, instances(calls, hours, maxInstances), hours);
    }

    /**
     * As {@link #period(CallProfile, long, BigDecimal, int)}, for what the records of {@code work} say the gateway
     * did: the fleet sized for its invocations, the other services priced by {@link GatewayCostModel#cost(CallProfile,
     * GatewayWork)}.
     */
    public Monthly period(CallProfile profile, GatewayWork work, BigDecimal hours, int maxInstances) {
        Objects.requireNonNull(work, "work");
        return cost(profile, work, instances(work.invocations(), hours, maxInstances), hours);
    }

    private Monthly cost(CallProfile profile, long calls, int instances, BigDecimal hours) {
        if (calls < 0) {
            throw new IllegalArgumentException("calls must be 0 or more");
        }
        return cost(profile, GatewayWork.ofCalls(calls), instances, hours);
    }

    private Monthly cost(CallProfile profile, GatewayWork work, int instances, BigDecimal hours) {
        long calls = work.invocations();
        BigDecimal ec2 = prices.instancePerHour().multiply(hours).multiply(BigDecimal.valueOf(instances));
        BigDecimal fee = ec2.multiply(prices.managementFeeRate());
        BigDecimal n = BigDecimal.valueOf(calls);
        BigDecimal requests = n.multiply(prices.requestsPerMillion()).divide(MILLION);
        BigDecimal natData = n.multiply(BigDecimal.valueOf(fleet.natBytesPerCall()))
                .divide(GIB, PRECISION)
                .multiply(prices.natGatewayPerGb());
        BigDecimal nat = prices.natGatewayPerHour()
                .multiply(hours)
                .multiply(BigDecimal.valueOf(fleet.natGateways()))
                .add(natData);
        Map<AwsService, BigDecimal> others =
                new EnumMap<>(services.cost(profile, work).usd());
        others.remove(AwsService.LAMBDA);
        return new Monthly(calls, instances, ec2, fee, requests, nat, others);
    }

    private static void checkPeriod(long calls, BigDecimal hours, int maxInstances) {
        Objects.requireNonNull(hours, "hours");
        if (calls < 0 || hours.signum() <= 0 || maxInstances < 1) {
            throw new IllegalArgumentException("calls must be 0 or more, hours above 0 and maxInstances at least 1,"
                    + " were " + calls + ", " + hours + " and " + maxInstances);
        }
    }

    /**
     * The fewest calls a month at which {@code profile} costs at most {@code usdPerMillion} per million calls on
     * managed instances, or empty when no volume gets there (the per-call services alone cost more).
     */
    public OptionalLong smallestMonthlyCallsWithin(CallProfile profile, BigDecimal usdPerMillion) {
        Objects.requireNonNull(usdPerMillion, "usdPerMillion");
        Monthly million = monthly(profile, 1_000_000);
        BigDecimal perCallMillion = million.total().subtract(fixed(million.instances()));
        BigDecimal margin = usdPerMillion.subtract(perCallMillion);
        if (margin.signum() <= 0) {
            return OptionalLong.empty();
        }
        long perInstance = callsPerInstanceMonth();
        for (int n = fleet.minInstances(); n <= MAX_INSTANCES; n++) {
            long lower = n == fleet.minInstances() ? 1 : perInstance * (n - 1) + 1;
            long upper = perInstance * n;
            long needed = fixed(n).multiply(MILLION)
                    .divide(margin, 0, RoundingMode.CEILING)
                    .longValueExact();
            long calls = Math.max(lower, needed);
            if (calls <= upper) {
                return OptionalLong.of(calls);
            }
        }
        return OptionalLong.empty();
    }

    /** One instance for the month: its on-demand price, without the fee. */
    private BigDecimal instanceMonth() {
        return prices.instancePerHour().multiply(HOURS_PER_MONTH);
    }

    private BigDecimal natFixed() {
        return prices.natGatewayPerHour().multiply(HOURS_PER_MONTH).multiply(BigDecimal.valueOf(fleet.natGateways()));
    }

    /** What {@code instances} instances and the NAT gateways cost a month whatever the traffic. */
    private BigDecimal fixed(int instances) {
        BigDecimal ec2 = instanceMonth().multiply(BigDecimal.valueOf(instances));
        return ec2.add(ec2.multiply(prices.managementFeeRate())).add(natFixed());
    }

    /**
     * One month on managed instances, in USD: the instances' on-demand price, Lambda's management fee on it, Lambda's
     * requests, the NAT gateways (hours and data), and the other services per call ({@link AwsService}, without
     * {@link AwsService#LAMBDA}).
     */
    public record Monthly(
            long calls,
            int instances,
            BigDecimal ec2Instances,
            BigDecimal managementFee,
            BigDecimal lambdaRequests,
            BigDecimal natGateway,
            Map<AwsService, BigDecimal> otherServices) {
        public Monthly {
            otherServices = Collections.unmodifiableMap(new EnumMap<>(otherServices));
        }

        public BigDecimal total() {
            return otherServices.values().stream()
                    .reduce(ec2Instances.add(managementFee).add(lambdaRequests).add(natGateway), BigDecimal::add);
        }

        /** The total per million calls ({@code total / calls * 10^6}, 20 significant digits). */
        public BigDecimal perMillionCalls() {
            if (calls == 0) {
                throw new IllegalStateException("no calls: the month costs " + total() + " for nothing");
            }
            return total().multiply(MILLION).divide(BigDecimal.valueOf(calls), PRECISION);
        }
    }
}
