package dev.spendgate.function.proxy.upstream;

import dev.spendgate.function.proxy.http.Headers;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Signs upstream requests with AWS Signature Version 4 (the AWS SDK's own signer) using the gateway's credentials:
 * in Lambda its execution role, locally the default credential chain. Credentials are resolved per call, so rotated
 * role credentials are picked up; they are never logged.
 */
public final class AwsSigV4Signer {
    private final String service;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    public AwsSigV4Signer(String service, String region, AwsCredentialsProvider credentials) {
        this.service = Objects.requireNonNull(service, "service");
        this.region = Objects.requireNonNull(region, "region");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
    }

    public String region() {
        return region;
    }

    /**
     * Adds the signature headers ({@code Authorization}, {@code X-Amz-Date}, {@code X-Amz-Security-Token} when the
     * credentials are temporary) to {@code headers} for a POST of {@code body} to {@code uri}. Every other header in
     * {@code headers} is signed; an {@code Authorization} or {@code x-amz-*} header already there (a client's
     * {@code X-Amz-Date}, {@code X-Amz-Security-Token}) is dropped first: the signature and its date are the gateway's.
     * The headers left are the ones signed, with the signed values.
     */
    public void sign(URI uri, Headers headers, byte[] body) {
        List<String> clients = new ArrayList<>();
        headers.forEach((name, value) -> {
            String lower = Headers.lower(name);
            if (lower.equals("authorization") || lower.startsWith("x-amz-")) {
                clients.add(name);
            }
        });
        clients.forEach(headers::remove);
        SdkHttpRequest.Builder request =
                SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri);
        headers.forEach(request::appendHeader);
        AwsCredentialsIdentity identity = credentials.resolveCredentials();
        SignedRequest signed = signer.sign(r -> r.request(request.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .identity(identity)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        for (Map.Entry<String, List<String>> header : signed.request().headers().entrySet()) {
            String name = header.getKey();
            if (name.equalsIgnoreCase("host")) {
                continue; // the HTTP client sends the same host:port it was signed with
            }
            headers.remove(name);
            header.getValue().forEach(v -> headers.add(name, v));
        }
    }

    @Override
    public String toString() {
        return "AwsSigV4Signer[service=" + service + ", region=" + region + "]";
    }
}
