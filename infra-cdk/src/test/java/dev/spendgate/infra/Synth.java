package dev.spendgate.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesizes the stack once per configuration, with small stand-in files for the function code (the tests check
 * the template, not the jars), and with the cdk-nag AwsSolutions pack applied as in {@link SpendgateApp}.
 */
final class Synth {
    final SpendgateStack stack;
    final Template template;
    final Annotations annotations;

    private Synth(SpendgateStack stack) {
        this.stack = stack;
        this.template = Template.fromStack(stack);
        this.annotations = Annotations.fromStack(stack);
    }

    static Synth of(Consumer<SpendgateStackProps.Builder> customise) {
        Path dir = tempCode();
        App app = new App(AppProps.builder()
                .outdir(dir.resolve("cdk.out").toString())
                .context(SpendgateApp.FEATURE_FLAGS)
                .build());
        SpendgateStackProps.Builder props = SpendgateStackProps.builder()
                .stackProps(StackProps.builder()
                        .env(Environment.builder()
                                .account("123456789012")
                                .region("eu-central-1")
                                .build())
                        .build())
                .proxyCode(dir.resolve("proxy"))
                .wasteDetectorJar(dir.resolve("waste.jar"))
                .reportRunnerJar(dir.resolve("report.jar"));
        customise.accept(props);
        SpendgateStack stack = new SpendgateStack(app, "Spendgate", props.build());
        Aspects.of(app).add(AwsSolutionsChecks.Builder.create().verbose(true).build());
        return new Synth(stack);
    }

    private static Path tempCode() {
        try {
            Path dir = Files.createTempDirectory("spendgate-cdk-test");
            Files.createDirectories(dir.resolve("proxy"));
            Files.writeString(dir.resolve("proxy/bootstrap"), "#!/bin/sh\n");
            Files.write(dir.resolve("waste.jar"), new byte[] {'P', 'K', 5, 6});
            Files.write(dir.resolve("report.jar"), new byte[] {'P', 'K', 5, 6});
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, Map<String, Object>> resources(String type) {
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> found =
                (Map<String, Map<String, Object>>) (Map<?, ?>) template.findResources(type);
        return found;
    }
}
