package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.Stage;

/**
 * README "Deploy to AWS", {@code -c providersFile=} and {@code -c pricingOverrides=}: a customer's extra providers and
 * contracted prices reach the deployed functions (in a layer, at {@code /opt/spendgate/}), and a file the proxy would
 * refuse at every cold start is refused at synth, naming it.
 */
class ConfigFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROXY_HANDLER = "dev.spendgate.function.proxy.lambda.stream.StreamingBootstrap";

    @TempDir
    Path dir;

    private Path providers() throws IOException {
        return Files.writeString(
                dir.resolve("providers.json"),
                "[{\"name\":\"contoso\",\"format\":\"openai\",\"base_url\":\"https://llm.contoso.example/v1\","
                        + "\"models\":[\"contoso-*\"]}]");
    }

    private Path overrides() throws IOException {
        return Files.writeString(
                dir.resolve("contract-2027.json"),
                "{\"models\":[{\"provider\":\"contoso\",\"model\":\"contoso-large\",\"input\":\"2.00\",\"output\":"
                        + "\"6.00\"},{\"provider\":\"contoso\",\"model\":\"contoso-small\",\"input\":\"0.20\","
                        + "\"output\":\"0.60\"}]}");
    }

    @Test
    void filesGiven_proxyAndPricingJobsReadThemFromOneLayer() throws IOException {
        Path providers = providers();
        Path overrides = overrides();
        Synth synth = Synth.of(b -> b.providersFile(providers).pricingOverridesFile(overrides));

        Map<String, Map<String, Object>> layers = synth.resources("AWS::Lambda::LayerVersion");
        assertThat(layers).hasSize(1);
        String layerId = layers.keySet().iterator().next();
        JsonNode proxy = function(synth, PROXY_HANDLER);
        assertThat(proxy.at("/Properties/Environment/Variables/SPENDGATE_PROVIDERS_FILE")
                        .asText())
                .isEqualTo("/opt/spendgate/providers.json");
        assertThat(proxy.at("/Properties/Environment/Variables/SPENDGATE_PRICING_OVERRIDES")
                        .asText())
                .isEqualTo("/opt/spendgate/pricing-overrides.json");
        assertThat(layerRefs(proxy)).containsExactly(layerId);
        for (String handler :
                List.of(ScheduledJobs.REPORT_HANDLER, ReconcileJob.HANDLER, ScheduledJobs.WASTE_HANDLER)) {
            JsonNode job = function(synth, handler);
            assertThat(job.at("/Properties/Environment/Variables/SPENDGATE_PRICING_OVERRIDES")
                            .asText())
                    .as(handler + " prices with the contract, as the proxy charged")
                    .isEqualTo("/opt/spendgate/pricing-overrides.json");
            assertThat(layerRefs(job)).as(handler).containsExactly(layerId);
        }

        // the layer's content: the files under the names the settings give, byte for byte
        String key = JSON.valueToTree(layers.get(layerId))
                .at("/Properties/Content/S3Key")
                .asText();
        Path staged = Path.of(Stage.of(synth.stack).getOutdir())
                .resolve("asset." + key.replace(".zip", ""))
                .resolve("spendgate");
        assertThat(Files.readString(staged.resolve("providers.json"))).isEqualTo(Files.readString(providers));
        assertThat(Files.readString(staged.resolve("pricing-overrides.json"))).isEqualTo(Files.readString(overrides));
    }

    @Test
    void noFiles_noLayerAndNoSettings() {
        Synth synth = Synth.of(b -> {});

        assertThat(synth.resources("AWS::Lambda::LayerVersion")).isEmpty();
        JsonNode proxy = function(synth, PROXY_HANDLER);
        assertThat(proxy.at("/Properties/Environment/Variables").has("SPENDGATE_PRICING_OVERRIDES"))
                .isFalse();
        assertThat(layerRefs(proxy)).isEmpty();
    }

    @Test
    void malformedOverrides_refusedAtSynthNamingTheKey() throws IOException {
        Path bad = Files.writeString(
                dir.resolve("bad.json"), "{\"discount\":[{\"provider\":\"openai\",\"percent\":\"15\"}]}");

        assertThatThrownBy(() -> props().pricingOverridesFile(bad).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_PRICING_OVERRIDES")
                .hasMessageContaining("discount");
    }

    @Test
    void providersFileTheProxyRefuses_refusedAtSynth() throws IOException {
        Path bad = Files.writeString(
                dir.resolve("providers.json"),
                "[{\"name\":\"contoso\",\"format\":\"openai\",\"base_url\":\"https://llm.contoso.example/v1\","
                        + "\"models\":[\"contoso-*\"],\"pricingProvider\":\"openai\"}]");

        assertThatThrownBy(() -> props().providersFile(bad).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_PROVIDERS_FILE")
                .hasMessageContaining("pricingProvider");
    }

    @Test
    void degradeChain_pricedOnlyByTheOverrides_acceptedWithThemRefusedWithout() throws IOException {
        Path providers = providers();
        Map<String, String> chain = Map.of("SPENDGATE_DEGRADE_CHAINS", "contoso-large>contoso-small");

        props().providersFile(providers)
                .pricingOverridesFile(overrides())
                .proxyEnvironment(chain)
                .build();
        assertThatThrownBy(() ->
                        props().providersFile(providers).proxyEnvironment(chain).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contoso-large");
    }

    @Test
    void missingFile_orNamedTwice_refused() throws IOException {
        assertThatThrownBy(() ->
                        props().pricingOverridesFile(dir.resolve("nope.json")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pricingOverrides: no readable file");
        Path overrides = overrides();
        assertThatThrownBy(() -> props().pricingOverridesFile(overrides)
                        .proxyEnvironment(Map.of("SPENDGATE_PRICING_OVERRIDES", "/var/task/prices.json"))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("give it once");
    }

    private static SpendgateStackProps.Builder props() {
        return SpendgateStackProps.builder()
                .proxyCode(Path.of("."))
                .wasteDetectorJar(Path.of("."))
                .reportRunnerJar(Path.of("."));
    }

    private static JsonNode function(Synth synth, String handler) {
        List<JsonNode> found = new ArrayList<>();
        synth.resources("AWS::Lambda::Function").values().forEach(r -> {
            JsonNode node = JSON.valueToTree(r);
            if (handler.equals(node.at("/Properties/Handler").asText())) {
                found.add(node);
            }
        });
        assertThat(found).as(handler).hasSize(1);
        return found.get(0);
    }

    private static List<String> layerRefs(JsonNode function) {
        List<String> refs = new ArrayList<>();
        function.at("/Properties/Layers").forEach(l -> refs.add(l.path("Ref").asText()));
        return refs;
    }
}
