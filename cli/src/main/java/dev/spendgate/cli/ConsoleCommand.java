package dev.spendgate.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * {@code spendgate console --aws}: the web console of a deployed gateway on a local port, every request signed with
 * this machine's AWS credentials (nothing public, no password store). Locally the console is part of {@code
 * ./spendgate local} at {@code /console/}.
 */
@Command(
        name = "console",
        description = "Open the web console of the gateway deployed in AWS on a local port (requests signed with your"
                + " AWS credentials). Locally, ./spendgate local serves it at /console/.")
final class ConsoleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--aws", description = "Sign requests to the deployed admin route (the only mode so far).")
    boolean aws;

    @Option(
            names = "--url",
            paramLabel = "URL",
            defaultValue = "${env:SPENDGATE_API_URL}",
            description =
                    "The deployed API's URL with its stage, the stack output AnthropicBaseUrl (env SPENDGATE_API_URL),"
                            + " e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod")
    String url;

    @Option(names = "--profile", paramLabel = "P", description = "AWS profile (default: the default chain).")
    String profile;

    @Option(names = "--region", paramLabel = "R", description = "AWS region of the API (default: the profile's).")
    String region;

    @Option(
            names = "--port",
            defaultValue = "8788",
            description = "Local port for the console (default ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws Exception {
        if (!aws) {
            throw new ParameterException(
                    spec.commandLine(),
                    "console needs --aws (the deployed gateway). Locally, start ./spendgate local with"
                            + " SPENDGATE_ADMIN_TOKEN set and open http://127.0.0.1:8787/console/");
        }
        if (url == null || url.isBlank()) {
            throw new ParameterException(
                    spec.commandLine(), "--url: the deployed API's URL is required (stack output AnthropicBaseUrl)");
        }
        URI api;
        try {
            api = URI.create(url.trim());
            if (api.getScheme() == null || api.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--url: not a URL like https://host/stage: " + url);
        }
        String signingRegion = region;
        if (signingRegion == null) {
            try {
                signingRegion = DefaultAwsRegionProviderChain.builder()
                        .profileName(profile)
                        .build()
                        .getRegion()
                        .id();
            } catch (RuntimeException e) {
                throw new ParameterException(spec.commandLine(), "--region: no region configured; pass --region R");
            }
        }
        AwsCredentialsProvider credentials = profile == null
                ? DefaultCredentialsProvider.builder().build()
                : ProfileCredentialsProvider.create(profile);
        SigningConsoleProxy proxy = SigningConsoleProxy.start(api, signingRegion, credentials, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            proxy.close();
                            stopped.countDown();
                        },
                        "spendgate-console-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Spendgate console for " + api + " (" + signingRegion + "): " + proxy.consoleUrl());
        out.println(
                "Requests are signed with your AWS credentials" + (profile == null ? "" : " (profile " + profile + ")")
                        + "; only this machine's browser can use the port. Ctrl-C stops it.");
        out.flush();
        stopped.await();
        return 0;
    }
}
