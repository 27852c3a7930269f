package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.embedded.FileGatewayPolicyStore;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local findings page against {@code ./spendgate waste} on the same data and window, through the real local
 * server wired as {@code ./spendgate local} wires it.
 */
class ConsoleFindingsOwnerReviewIT {
    private static final String TOKEN = "owner-review-token-3c9d";
    private static final Pattern COST_CENTRE = Pattern.compile("cost centre ([A-Za-z0-9_-]+)");

    @TempDir
    Path dataDir;

    private GatewayRuntime runtime;
    private LocalGatewayServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    /**
     * README, Web console, Findings: "owner" is shown, from "the ./spendgate waste analysis over its default window";
     * README, Waste detection: each finding's owner carries "the cost centre and GL account the chargeback rules map
     * them to (waste --rules FILE, else SPENDGATE_CHARGEBACK_RULES, else chargeback-rules.json in the data
     * directory)", and the board report's top actions apply the same rules. {@code simulate} writes such a
     * chargeback-rules.json; {@code waste} then names each finding's cost centre. The console's analysis is built
     * without the rules, so on the same data every owner on the page lacks the cost centre finance charges it to.
     */
    @Test
    void findingsPage_ownerNamesTheCostCentresWasteNamesOnTheSameData() throws Exception {
        YearMonth month = YearMonth.from(LocalDate.now(ZoneOffset.UTC).minusDays(20));
        CliRun simulated = CliRun.of(
                "simulate",
                "--month",
                month.toString(),
                "--seed",
                "7",
                "--calls",
                "5000",
                "--data-dir",
                dataDir.toString());
        assertThat(simulated.code()).as(simulated.err()).isZero();
        assertThat(dataDir.resolve("chargeback-rules.json")).exists();

        CliRun waste = CliRun.of("waste", "--top", "1000", "--data-dir", dataDir.toString());
        assertThat(waste.code()).as(waste.err()).isZero();
        Set<String> cliCentres = centres(waste.out());
        assertThat(cliCentres).as(waste.out()).isNotEmpty();

        runtime = LocalGatewayRuntime.create(ProxyConfig.fromEnv(Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN)), dataDir);
        runtime.console()
                .useFindings(s -> new ConsoleFindings(
                        s, new FileGatewayPolicyStore(dataDir.resolve("policy/gateway-policy.json"))));
        server = LocalGatewayServer.start(runtime, "127.0.0.1", 0, ServerLimits.defaults());
        HttpResponse<String> page = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/console/findings"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(centres(page.body()))
                .as("the cost centres ./spendgate waste names for the same findings")
                .containsAll(cliCentres);
    }

    private static Set<String> centres(String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = COST_CENTRE.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
