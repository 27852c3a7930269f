package dev.spendgate.aws;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Builds the AWS clients Spendgate uses, all on the URL-connection HTTP client (fast cold start, no extra threads).
 *
 * <p>{@link #fromEnvironment()} takes the region from {@code AWS_REGION} (or {@code AWS_DEFAULT_REGION}, else the SDK's
 * region chain), credentials from the SDK's default chain, and an optional endpoint for every service from
 * {@value #ENDPOINT_URL_ENV} (LocalStack, s3proxy, dynalite); see {@link #s3()} for what an override changes for S3.
 * Each call builds a new client, which the caller owns and closes.
 */
public final class AwsClients {
    /** Environment variable overriding the endpoint of every service, e.g. {@code http://localhost:4566}. */
    public static final String ENDPOINT_URL_ENV = "SPENDGATE_AWS_ENDPOINT_URL";

    private final Region region;
    private final URI endpointOverride;
    private final AwsCredentialsProvider credentials;

    private AwsClients(Region region, URI endpointOverride, AwsCredentialsProvider credentials) {
        this.region = region;
        this.endpointOverride = endpointOverride;
        this.credentials = credentials;
    }

    /** Region, endpoint override and credentials as described on the class, read from the process environment. */
    public static AwsClients fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    static AwsClients fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        String regionName = firstNonBlank(env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"));
        String endpoint = firstNonBlank(env.get(ENDPOINT_URL_ENV), null);
        return new AwsClients(
                regionName == null ? null : Region.of(regionName),
                endpoint == null ? null : parseEndpoint(endpoint),
                null);
    }

    /**
     * Explicit settings, e.g. for local servers: {@code region} required, {@code endpointOverride} and
     * {@code credentials} may be null (AWS endpoints, the SDK's default credentials chain).
     */
    public static AwsClients create(Region region, URI endpointOverride, AwsCredentialsProvider credentials) {
        Objects.requireNonNull(region, "region");
        return new AwsClients(region, endpointOverride, credentials);
    }

    /** The region, or empty when the SDK's region chain decides. */
    public Optional<Region> region() {
        return Optional.ofNullable(region);
    }

    /** The endpoint every client talks to, or empty for AWS's own endpoints. */
    public Optional<URI> endpointOverride() {
        return Optional.ofNullable(endpointOverride);
    }

    /** A new S3 client; path-style when the endpoint is overridden. */
    public S3Client s3() {
        return configure(S3Client.builder())
                .forcePathStyle(endpointOverride != null)
                .build();
    }

    /** A new DynamoDB client. */
    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder()).build();
    }

    /**
     * A new DynamoDB client for the budget ledger and its reservation journal, whose writes are not idempotent: an
     * {@code ADD} sent again after DynamoDB applied it but its answer was lost (a server error, a timeout) would count
     * a settlement twice or give a reservation back twice, and the budget would admit more than its limit. This client
     * resends only a request DynamoDB certainly did not apply ({@link #retriesOnlyWhatWasNotApplied}); any other
     * failure reaches the caller, which keeps the amount reserved: less budget until reconciled, never more.
     */
    public DynamoDbClient dynamoDbForBudgets() {
        return configure(DynamoDbClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(retriesOnlyWhatWasNotApplied()))
                .build();
    }

    /**
     * Up to three attempts with the SDK's standard backoff, the next one only after a failure that {@link
     * #notApplied} says changed nothing; no client defaults added (they would also retry server errors).
     */
    public static RetryStrategy retriesOnlyWhatWasNotApplied() {
        return StandardRetryStrategy.builder()
                .maxAttempts(3)
                .retryOnException(AwsClients::notApplied)
                .treatAsThrottling(AwsClients::throttled)
                .useClientDefaults(false)
                .build();
    }

    /**
     * Whether a failed request certainly changed nothing: the service refused it for throttling (its answer says so),
     * or it never reached the service (no connection was made, the connection timed out while being made, or its TLS
     * handshake failed). A server error, a reset connection or a timeout
     * after the request was sent may have been applied.
     */
    public static boolean notApplied(Throwable failure) {
        if (throttled(failure)) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException
                    || t instanceof java.net.UnknownHostException
                    // the TLS handshake comes before any byte of the request
                    || t instanceof javax.net.ssl.SSLHandshakeException
                    || connectTimeout(t)) {
                return true;
            }
        }
        return false;
    }

    /** A connection that timed out while being made (no request sent), as the HTTP clients the SDK uses say it. */
    private static boolean connectTimeout(Throwable t) {
        if (t instanceof java.net.http.HttpConnectTimeoutException) {
            return true;
        }
        String message = t.getMessage();
        return t instanceof java.net.SocketTimeoutException
                && message != null
                && message.toLowerCase(java.util.Locale.ROOT).contains("connect timed out");
    }

    private static boolean throttled(Throwable failure) {
        return failure instanceof AwsServiceException e && e.isThrottlingException();
    }

    /**
     * Longest a Firehose call may take, the SDK's retries included (its default is none: a stalled endpoint held each
     * attempt for the 30 s socket timeout, retried).
     */
    public static final java.time.Duration FIREHOSE_CALL_TIMEOUT = java.time.Duration.ofSeconds(5);

    /**
     * A new Amazon Data Firehose client; each call ends within {@link #FIREHOSE_CALL_TIMEOUT} (a caller may set a
     * shorter one per request).
     */
    public FirehoseClient firehose() {
        return configure(FirehoseClient.builder())
                .overrideConfiguration(o -> o.apiCallTimeout(FIREHOSE_CALL_TIMEOUT))
                .build();
    }

    /** A new SNS client. */
    public SnsClient sns() {
        return configure(SnsClient.builder()).build();
    }

    /** A new Secrets Manager client. */
    public SecretsManagerClient secretsManager() {
        return configure(SecretsManagerClient.builder()).build();
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder) {
        builder.httpClientBuilder(UrlConnectionHttpClient.builder());
        if (region != null) {
            builder.region(region);
        }
        if (endpointOverride != null) {
            builder.endpointOverride(endpointOverride);
        }
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        return builder;
    }

    private static URI parseEndpoint(String value) {
        try {
            URI uri = URI.create(value.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    ENDPOINT_URL_ENV + " must be an absolute URL such as http://localhost:4566, was '" + value + "'",
                    e);
        }
    }

    private static String firstNonBlank(String first, String second) {
        if (first != null && !first.isBlank()) {
            return first.trim();
        }
        return second != null && !second.isBlank() ? second.trim() : null;
    }
}
