package dev.spendgate.aws.cloudwatch;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.metric.MetricSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClientBuilder;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/**
 * {@link MetricSink} on CloudWatch {@code PutMetricData}, in batches of at most 1000 datapoints (the API's limit).
 * Values go over the wire as doubles, the only number type CloudWatch stores; the exact figures stay in the job's
 * own output (the reconciliation CSV).
 */
public final class CloudWatchMetricSink implements MetricSink {
    static final int MAX_PER_REQUEST = 1000;
    private final CloudWatchClient client;

    public CloudWatchMetricSink(CloudWatchClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** A CloudWatch client with the same region, endpoint override and HTTP client as the other Spendgate clients. */
    public static CloudWatchClient client(AwsClients aws) {
        return client(aws, null);
    }

    /** As {@link #client(AwsClients)}, with explicit credentials (null: the SDK's default chain). */
    public static CloudWatchClient client(AwsClients aws, AwsCredentialsProvider credentials) {
        CloudWatchClientBuilder builder =
                CloudWatchClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        aws.region().ifPresent(builder::region);
        aws.endpointOverride().ifPresent(builder::endpointOverride);
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        return builder.build();
    }

    @Override
    public void publish(String namespace, List<Datapoint> datapoints) {
        List<MetricDatum> data = new ArrayList<>();
        for (Datapoint d : datapoints) {
            data.add(MetricDatum.builder()
                    .metricName(d.name())
                    .dimensions(d.dimensions().entrySet().stream()
                            .sorted(java.util.Map.Entry.comparingByKey())
                            .map(e -> Dimension.builder()
                                    .name(e.getKey())
                                    .value(e.getValue())
                                    .build())
                            .toList())
                    .value(d.value().doubleValue())
                    .unit(StandardUnit.fromValue(d.unit().cloudWatchName()))
                    .timestamp(d.timestamp())
                    .build());
        }
        for (int i = 0; i < data.size(); i += MAX_PER_REQUEST) {
            List<MetricDatum> batch = data.subList(i, Math.min(data.size(), i + MAX_PER_REQUEST));
            client.putMetricData(r -> r.namespace(namespace).metricData(batch));
        }
    }
}
