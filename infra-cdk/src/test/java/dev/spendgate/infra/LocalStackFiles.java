package dev.spendgate.infra;

/** Names {@code localstack/} uses, shared by its tests. */
final class LocalStackFiles {
    static final String IMAGE = "localstack/localstack:4.14.0";
    static final String BUCKET = "spendgate-data";
    static final String SECRET = "spendgate/provider-keys";
    static final String TOPIC = "spendgate-alerts";
    static final String USAGE_STREAM = "spendgate-usage";
    static final String USAGE_STREAM_PREFIX = "usage-firehose/";

    private LocalStackFiles() {}
}
