package dev.spendgate.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.ILayerVersion;
import software.amazon.awscdk.services.lambda.LayerVersion;
import software.amazon.awscdk.services.lambda.Runtime;
import software.constructs.Construct;

/**
 * The customer's providers file and price overrides ({@code -c providersFile=}, {@code -c pricingOverrides=}), shipped
 * to the functions in one Lambda layer. Lambda unpacks a layer under {@code /opt}, so the files are at
 * {@code /opt/spendgate/}, where the functions' settings name them. A changed file is a new layer version and so a
 * new function version: the next cold start reads it, and CloudFormation keeps what was deployed when.
 */
final class ConfigFiles {
    static final String PROVIDERS = "providers.json";
    static final String OVERRIDES = "pricing-overrides.json";
    /** Where Lambda unpacks the layer's {@code spendgate/} folder. */
    static final String MOUNT = "/opt/spendgate/";

    private static final String LAYER_ID = "ConfigFiles";

    private ConfigFiles() {}

    /** The layer holding the files (one per stack), or none when neither file is given. */
    static List<ILayerVersion> layers(Construct scope, SpendgateStackProps props) {
        if (props.providersFile() == null && props.pricingOverridesFile() == null) {
            return List.of();
        }
        Stack stack = Stack.of(scope);
        ILayerVersion existing = (ILayerVersion) stack.getNode().tryFindChild(LAYER_ID);
        if (existing != null) {
            return List.of(existing);
        }
        return List.of(LayerVersion.Builder.create(stack, LAYER_ID)
                .description("Spendgate providers file and price overrides (/opt/spendgate)")
                .code(Code.fromAsset(staged(props).toString()))
                .compatibleRuntimes(List.of(Runtime.PROVIDED_AL2023, Runtime.JAVA_21))
                .compatibleArchitectures(List.of(Architecture.X86_64, Architecture.ARM_64))
                .build());
    }

    /** The proxy's settings naming the files in the layer. */
    static Map<String, String> proxyEnvironment(SpendgateStackProps props) {
        Map<String, String> env = new LinkedHashMap<>();
        if (props.providersFile() != null) {
            env.put("SPENDGATE_PROVIDERS_FILE", MOUNT + PROVIDERS);
        }
        env.putAll(reportEnvironment(props));
        return env;
    }

    /** The report and reconcile jobs' settings: they price with the overrides, as the proxy charged. */
    static Map<String, String> reportEnvironment(SpendgateStackProps props) {
        return props.pricingOverridesFile() == null
                ? Map.of()
                : Map.of("SPENDGATE_PRICING_OVERRIDES", MOUNT + OVERRIDES);
    }

    /** A folder with {@code spendgate/} and the files under their fixed names: the layer's content. */
    private static Path staged(SpendgateStackProps props) {
        try {
            Path root = Files.createTempDirectory("spendgate-config-layer");
            Path dir = Files.createDirectories(root.resolve("spendgate"));
            if (props.providersFile() != null) {
                Files.copy(props.providersFile(), dir.resolve(PROVIDERS), StandardCopyOption.REPLACE_EXISTING);
            }
            if (props.pricingOverridesFile() != null) {
                Files.copy(props.pricingOverridesFile(), dir.resolve(OVERRIDES), StandardCopyOption.REPLACE_EXISTING);
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the providers file and price overrides", e);
        }
    }
}
