package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The Lambda jar holds the request path only: no class of the analysis module (waste, report figures, reconcile), of
 * the simulator, of their AWS adapters, or of the PDF and chart libraries. Runs after {@code package}, by Failsafe, on
 * the shaded jar itself; a dependency that drags any of them in fails it.
 */
class ShadedJarContentIT {
    /** Packages that belong to spendgate-analysis, spendgate-simulator and spendgate-aws-analysis, and to reports. */
    static final List<String> FORBIDDEN = List.of(
            "dev/spendgate/domain/waste/",
            "dev/spendgate/domain/report/",
            "dev/spendgate/domain/reconcile/",
            "dev/spendgate/domain/simulate/",
            "dev/spendgate/aws/athena/",
            "dev/spendgate/aws/ses/",
            "dev/spendgate/report/",
            "org/apache/pdfbox/",
            "org/jfree/");

    static Path shadedJar() throws IOException {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> found =
                Files.newDirectoryStream(Path.of("target"), "spendgate-proxy-*-lambda.jar")) {
            found.forEach(jars::add);
        }
        assertThat(jars)
                .as("the shaded Lambda jar in target/ (built at package: run mvn verify)")
                .hasSize(1);
        return jars.get(0);
    }

    static List<String> classes(Path jar) throws IOException {
        List<String> names = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            file.stream()
                    .map(JarEntry::getName)
                    .filter(n -> n.endsWith(".class"))
                    .forEach(names::add);
        }
        return names;
    }

    @Test
    void shadedJar_requestPathOnly_hasNoAnalysisSimulatorOrPdfClasses() throws IOException {
        List<String> classes = classes(shadedJar());

        // the check means something only if the jar is the real one: the gateway and its core domain are in it
        assertThat(classes)
                .contains(
                        "dev/spendgate/function/proxy/Gateway.class",
                        "dev/spendgate/domain/budget/BudgetEnforcer.class",
                        "dev/spendgate/domain/pricing/PricingCatalog.class",
                        "dev/spendgate/logging/JsonLogger.class");
        assertThat(classes.stream().filter(c -> FORBIDDEN.stream().anyMatch(c::startsWith)))
                .as("classes from analysis, simulator, report or PDF code in the proxy jar")
                .isEmpty();
    }
}
