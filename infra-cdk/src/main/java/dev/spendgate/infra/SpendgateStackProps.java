package dev.spendgate.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.lambda.Architecture;

/**
 * What varies between deployments: where the three functions' code is, the proxy's processor architecture (it must
 * match the JRE bundled beside the streaming bootstrap), and the structural options that cannot be CloudFormation
 * parameters (an existing provider-key secret, a custom domain).
 */
public final class SpendgateStackProps {
    private final StackProps stackProps;
    private final Path proxyCode;
    private final Path wasteDetectorJar;
    private final Path reportRunnerJar;
    private final Architecture proxyArchitecture;
    private final String providerKeySecretArn;
    private final String customDomainName;
    private final String certificateArn;
    private final List<String> bedrockResourceArns;

    private SpendgateStackProps(Builder b) {
        this.stackProps = b.stackProps == null ? StackProps.builder().build() : b.stackProps;
        this.proxyCode = existing(b.proxyCode, "proxyCode");
        this.wasteDetectorJar = existing(b.wasteDetectorJar, "wasteDetectorJar");
        this.reportRunnerJar = existing(b.reportRunnerJar, "reportRunnerJar");
        this.proxyArchitecture = b.proxyArchitecture == null ? Architecture.X86_64 : b.proxyArchitecture;
        this.providerKeySecretArn = blankToNull(b.providerKeySecretArn);
        this.customDomainName = blankToNull(b.customDomainName);
        this.certificateArn = blankToNull(b.certificateArn);
        this.bedrockResourceArns = b.bedrockResourceArns == null
                ? List.of()
                : b.bedrockResourceArns.stream()
                        .map(String::trim)
                        .filter(a -> !a.isEmpty())
                        .toList();
        for (String arn : bedrockResourceArns) {
            if (!arn.startsWith("arn:") || !arn.contains(":bedrock:")) {
                throw new IllegalArgumentException("bedrockResourceArns must be Bedrock ARNs, got '" + arn + "'");
            }
        }
        if ((customDomainName == null) != (certificateArn == null)) {
            throw new IllegalArgumentException(
                    "a custom domain needs both customDomainName and certificateArn (an ACM certificate in the stack's region)");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public StackProps stackProps() {
        return stackProps;
    }

    /**
     * The proxy's custom-runtime package: a directory or zip holding {@code bootstrap}, the proxy jar and a JRE (see
     * {@code infra-cdk/package-proxy.sh}).
     */
    public Path proxyCode() {
        return proxyCode;
    }

    public Path wasteDetectorJar() {
        return wasteDetectorJar;
    }

    public Path reportRunnerJar() {
        return reportRunnerJar;
    }

    public Architecture proxyArchitecture() {
        return proxyArchitecture;
    }

    /** An existing Secrets Manager secret with the provider keys, or null to create an empty one. */
    public String providerKeySecretArn() {
        return providerKeySecretArn;
    }

    public String customDomainName() {
        return customDomainName;
    }

    public String certificateArn() {
        return certificateArn;
    }

    /**
     * Foundation models and inference profiles the proxy may invoke on Bedrock (its {@code /model/...} routes); empty
     * means no Bedrock permission at all.
     */
    public List<String> bedrockResourceArns() {
        return bedrockResourceArns;
    }

    private static Path existing(Path path, String name) {
        Objects.requireNonNull(path, name);
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(name + " " + path
                    + " does not exist: build the functions first (see the README section 'Deploy to AWS')");
        }
        return path;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    public static final class Builder {
        private StackProps stackProps;
        private Path proxyCode;
        private Path wasteDetectorJar;
        private Path reportRunnerJar;
        private Architecture proxyArchitecture;
        private String providerKeySecretArn;
        private String customDomainName;
        private String certificateArn;
        private List<String> bedrockResourceArns;

        private Builder() {}

        public Builder stackProps(StackProps value) {
            this.stackProps = value;
            return this;
        }

        public Builder proxyCode(Path value) {
            this.proxyCode = value;
            return this;
        }

        public Builder wasteDetectorJar(Path value) {
            this.wasteDetectorJar = value;
            return this;
        }

        public Builder reportRunnerJar(Path value) {
            this.reportRunnerJar = value;
            return this;
        }

        public Builder proxyArchitecture(Architecture value) {
            this.proxyArchitecture = value;
            return this;
        }

        public Builder providerKeySecretArn(String value) {
            this.providerKeySecretArn = value;
            return this;
        }

        public Builder customDomain(String domainName, String certificateArn) {
            this.customDomainName = domainName;
            this.certificateArn = certificateArn;
            return this;
        }

        public Builder bedrockResourceArns(List<String> value) {
            this.bedrockResourceArns = value;
            return this;
        }

        public SpendgateStackProps build() {
            return new SpendgateStackProps(this);
        }
    }
}
