package dev.spendgate.domain.gatewaycost;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the gateway itself costs in AWS: each service's list price applied to the operations of a {@link CallProfile}.
 * Exact decimal arithmetic throughout; only the division of bytes into GB and of milliseconds into seconds is
 * carried to 20 significant digits.
 */
public final class GatewayCostModel {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1_000);
    private static final BigDecimal TEN_THOUSAND = BigDecimal.valueOf(10_000);
    private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);
    private static final BigDecimal MIB_PER_GIB = BigDecimal.valueOf(1024);
    private static final MathContext PRECISION = new MathContext(20, RoundingMode.HALF_EVEN);

    /**
     * JQ processing time per record, an assumption: AWS bills dynamic partitioning's JQ "per JQ processing hour"
     * without saying here how the hours are counted; taken as the query's run time (the stream reports it as
     * {@code JQProcessing.Duration}), at a cautious 1 ms a record for a one-line query over a 1 KB record. Were a whole
     * hour billed for each hour the stream runs the query, that would be up to $51.10 a month (730 hours) instead.
     */
    static final BigDecimal JQ_MILLIS_PER_RECORD = BigDecimal.ONE;

    private static final BigDecimal MILLIS_PER_HOUR = BigDecimal.valueOf(3_600_000);

    private final AwsPrices prices;

    private GatewayCostModel(AwsPrices prices) {
        this.prices = Objects.requireNonNull(prices, "prices");
    }

    public static GatewayCostModel create(AwsPrices prices) {
        return new GatewayCostModel(prices);
    }

    public AwsPrices prices() {
        return prices;
    }

    /** USD per service for {@code calls} calls of {@code profile}, and their sum. */
    public Breakdown cost(CallProfile profile, long calls) {
        if (calls < 0) {
            throw new IllegalArgumentException("calls must be 0 or more");
        }
        return cost(profile, GatewayWork.ofCalls(calls));
    }

    /**
     * USD per service for what the records of {@code work} say the gateway did, and their sum: per invocation the
     * operations of {@code profile}; Lambda billed for each call's recorded length plus the gateway's own time at the
     * profile's memory ({@link CallProfile#gatewayMillis}), and for the profile's {@link CallProfile#billedMillis} where
     * no length is recorded; batch result lines only as usage records delivered (S3 or Firehose); the profile's
     * DynamoDB writes (budgets and journal) for every invocation but the response-cache hits, the cache fills' writes
     * ({@link CallProfile#cacheFillWriteUnits}), and one answer read
     * ({@link CallProfile#CACHE_LOOKUP_READ_UNITS}) for each cache look-up.
     */
    public Breakdown cost(CallProfile profile, GatewayWork work) {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(work, "work");
        BigDecimal n = BigDecimal.valueOf(work.invocations());
        BigDecimal delivered = BigDecimal.valueOf(work.records());
        Map<AwsService, BigDecimal> usd = new EnumMap<>(AwsService.class);
        usd.put(
                AwsService.API_GATEWAY,
                profile.apiGatewayRequests()
                        .multiply(n)
                        .multiply(prices.apiGatewayRestPerMillion())
                        .divide(MILLION));
        usd.put(
                AwsService.LAMBDA,
                n.multiply(prices.lambdaRequestsPerMillion())
                        .divide(MILLION)
                        .add(lambdaGbSeconds(profile, work).multiply(perGbSecond(profile))));
        usd.put(
                AwsService.DYNAMODB,
                dynamoDbWriteUnits(profile, work)
                        .multiply(prices.dynamoDbWriteUnitsPerMillion())
                        .add(dynamoDbReadUnits(profile, work).multiply(prices.dynamoDbReadUnitsPerMillion()))
                        .divide(MILLION));
        usd.put(
                AwsService.S3,
                profile.s3Puts()
                        .multiply(delivered)
                        .multiply(prices.s3PutPerThousand())
                        .add(profile.s3Gets().multiply(n).multiply(prices.s3GetPerThousand()))
                        .divide(THOUSAND));
        long billedRecordBytes = profile.firehoseRecordBytes() == 0
                ? 0
                : ceilTo(profile.firehoseRecordBytes(), prices.firehoseRecordRoundingBytes());
        BigDecimal records = profile.firehoseRecords().multiply(delivered);
        BigDecimal ingestion = records.multiply(BigDecimal.valueOf(billedRecordBytes))
                .divide(GIB, PRECISION)
                .multiply(prices.firehosePerGb());
        // dynamic partitioning (the stack's usage stream): the bytes delivered, as they are, and the JQ query's time
        BigDecimal partitionedBytes = records.multiply(BigDecimal.valueOf(profile.firehoseRecordBytes()))
                .divide(GIB, PRECISION)
                .multiply(prices.firehoseDynamicPartitioningPerGb());
        BigDecimal jq = records.multiply(JQ_MILLIS_PER_RECORD)
                .divide(MILLIS_PER_HOUR, PRECISION)
                .multiply(prices.firehoseJqPerHour());
        usd.put(AwsService.FIREHOSE, ingestion.add(partitionedBytes).add(jq));
        usd.put(
                AwsService.SECRETS_MANAGER,
                profile.secretsManagerCalls()
                        .multiply(n)
                        .multiply(prices.secretsManagerPer10k())
                        .divide(TEN_THOUSAND));
        usd.put(
                AwsService.CLOUDWATCH_LOGS,
                BigDecimal.valueOf(profile.logBytes())
                        .multiply(n)
                        .divide(GIB, PRECISION)
                        .multiply(prices.logsIngestionPerGb()));
        return new Breakdown(usd);
    }

    /**
     * Lambda GB-seconds of {@code work}'s invocations: the recorded lengths plus the gateway's own time for each, the
     * profile's billed duration for those without a length. Exact (a millisecond-megabyte is 1/1,024,000 GB-s).
     */
    public static BigDecimal lambdaGbSeconds(CallProfile profile, GatewayWork work) {
        long gateway = CallProfile.gatewayMillis(profile.memoryMb());
        BigDecimal millis = BigDecimal.valueOf(work.timedMillis())
                .add(BigDecimal.valueOf(work.timedInvocations()).multiply(BigDecimal.valueOf(gateway)))
                .add(BigDecimal.valueOf(work.untimedInvocations())
                        .multiply(BigDecimal.valueOf(profile.billedMillis())));
        return millis.multiply(BigDecimal.valueOf(profile.memoryMb())).divide(THOUSAND.multiply(MIB_PER_GIB));
    }

    /**
     * DynamoDB write units of {@code work}: the profile's budget and journal writes for each budgeted invocation, and
     * the response cache's fills.
     */
    public static BigDecimal dynamoDbWriteUnits(CallProfile profile, GatewayWork work) {
        return profile.dynamoDbWriteUnits()
                .multiply(BigDecimal.valueOf(work.budgetedInvocations()))
                .add(BigDecimal.valueOf(work.cacheFillWriteUnits()));
    }

    /** DynamoDB read units of {@code work}: the profile's per invocation and the response cache's answer reads. */
    public static BigDecimal dynamoDbReadUnits(CallProfile profile, GatewayWork work) {
        return profile.dynamoDbReadUnits()
                .multiply(BigDecimal.valueOf(work.invocations()))
                .add(CallProfile.CACHE_LOOKUP_READ_UNITS.multiply(BigDecimal.valueOf(work.cacheLookups())));
    }

    private BigDecimal perGbSecond(CallProfile profile) {
        return profile.arm64() ? prices.lambdaGbSecondArm64() : prices.lambdaGbSecondX86();
    }

    /**
     * What the usage stream's dynamic partitioning costs a month whatever the number of calls, at list price: the
     * objects it writes, one per hour partition per buffer interval (the partition of the hour the buffer starts in
     * and, once an hour, the next one's too), with calls coming all month. USD a month.
     */
    public BigDecimal firehoseObjectsMonthly(int bufferSeconds) {
        if (bufferSeconds < 1) {
            throw new IllegalArgumentException("bufferSeconds must be positive");
        }
        BigDecimal perHour = BigDecimal.valueOf(3600)
                .divide(BigDecimal.valueOf(bufferSeconds), 0, RoundingMode.CEILING)
                .add(BigDecimal.ONE);
        return ManagedInstancesModel.HOURS_PER_MONTH
                .multiply(perHour)
                .multiply(prices.firehoseObjectsPerThousand())
                .divide(THOUSAND);
    }

    /** USD per million calls of {@code profile}. */
    public Breakdown perMillionCalls(CallProfile profile) {
        return cost(profile, 1_000_000);
    }

    private static long ceilTo(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }

    /** USD per service (every service present, zero when unused) and the total. */
    public record Breakdown(Map<AwsService, BigDecimal> usd) {
        public Breakdown {
            usd = Collections.unmodifiableMap(new EnumMap<>(usd));
        }

        public BigDecimal total() {
            return usd.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        }

        public BigDecimal of(AwsService service) {
            return usd.getOrDefault(service, BigDecimal.ZERO);
        }

        /** {@code value} rounded half-up to cents, as shown to people. */
        public static BigDecimal cents(BigDecimal value) {
            return value.setScale(2, RoundingMode.HALF_UP);
        }
    }
}
