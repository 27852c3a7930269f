package dev.spendgate.aws;

import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * One LocalStack container for every {@code *LocalStackIT} in the JVM, started on first use (Testcontainers' Ryuk
 * removes it at exit). Only call it from classes annotated {@code @Testcontainers(disabledWithoutDocker = true)}.
 */
public final class SharedLocalStack {
    private static final DockerImageName IMAGE = DockerImageName.parse("localstack/localstack:4.14.0");
    private static LocalStackContainer container;

    private SharedLocalStack() {}

    public static synchronized LocalStackContainer container() {
        if (container == null) {
            LocalStackContainer started = new LocalStackContainer(IMAGE);
            started.start();
            container = started;
        }
        return container;
    }

    /** Clients for the container, built the way production builds them (endpoint override, path-style S3). */
    public static AwsClients clients() {
        LocalStackContainer localStack = container();
        return AwsClients.create(
                Region.of(localStack.getRegion()),
                localStack.getEndpoint(),
                StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(localStack.getAccessKey(), localStack.getSecretKey())));
    }
}
