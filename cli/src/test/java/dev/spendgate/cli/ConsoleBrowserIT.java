package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser: headless Chromium (Debian's {@code chromium}, driven by {@code playwright-core}
 * from npm, {@code cli/src/test/js/console-browser.mjs}) against the local gateway on a simulated month. The script
 * signs in, checks the spend total and one department against the usage log (summed here, record by record), opens
 * every page without a browser console error, creates a key and uses it, sets a budget that makes the next call 429,
 * and revokes the key. Screenshots go to {@code target/console-screenshots} ({@code -Dconsole.screenshots=DIR} for
 * the README's {@code docs/console}). Skips, saying why, where no Chromium, Node.js or playwright-core is installed.
 */
class ConsoleBrowserIT {
    private static final String TOKEN = "console-admin-token-for-tests";

    @TempDir
    Path dataDir;

    private FakeLlmUpstream upstream;
    private GatewayRuntime runtime;
    private LocalGatewayServer server;

    @BeforeEach
    void setUp() {
        upstream = FakeLlmUpstream.start();
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        upstream.close();
    }

    @Test
    void console_inChromiumOnSimulatedMonth_showsLogFiguresAndChangesEnforcement() throws Exception {
        Path repo = repoRoot();
        Path chromium = chromium();
        assumeTrue(chromium != null, "no Chromium: apt-get install chromium (or set SPENDGATE_CHROMIUM) to run this");
        assumeTrue(commandWorks("node", "--version"), "no Node.js on PATH: the browser test needs node 20+");
        assumeTrue(
                Files.isDirectory(repo.resolve("node_modules/playwright-core")),
                "no node_modules/playwright-core: run npm ci at the repository root");

        YearMonth month = YearMonth.now(ZoneOffset.UTC).minusMonths(1);
        String dir = dataDir.toString();
        CliRun simulated = CliRun.of("simulate", "--month", month.toString(), "--calls", "5000", "--data-dir", dir);
        assertThat(simulated.code()).as(simulated.err()).isZero();
        CliRun report = CliRun.of("report", "--month", month.toString(), "--no-email", "--data-dir", dir);
        assertThat(report.code()).as(report.err()).isZero();

        Instant from = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        List<UsageRecord> records = new ArrayList<>();
        UsageLogReader.create(new FileSystemObjectStore(dataDir)).read(from, to, records::add);
        BigDecimal total = BigDecimal.ZERO;
        Map<String, BigDecimal> byDepartment = new HashMap<>();
        for (UsageRecord r : records) {
            BigDecimal cost = r.costUsd() == null ? BigDecimal.ZERO : r.costUsd();
            total = total.add(cost);
            String dept = r.attribution().department() == null
                    ? "(none)"
                    : r.attribution().department();
            byDepartment.merge(dept, cost, BigDecimal::add);
        }
        String department = byDepartment.keySet().stream()
                .filter(d -> !d.equals("(none)"))
                .sorted()
                .findFirst()
                .orElseThrow();
        assertThat(records).hasSizeGreaterThan(1000);

        Map<String, String> env = new HashMap<>();
        env.put("SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl());
        env.put("OPENAI_API_KEY", upstream.openAiKey());
        env.put("SPENDGATE_ADMIN_TOKEN", TOKEN);
        runtime = LocalGatewayRuntime.create(ProxyConfig.fromEnv(env), dataDir);
        runtime.console().useFindings(ConsoleFindings::new); // as `./spendgate local` does
        server = LocalGatewayServer.start(runtime, "127.0.0.1", 0, ServerLimits.defaults());

        Path shots = Path.of(System.getProperty(
                "console.screenshots",
                repo.resolve("cli/target/console-screenshots").toString()));
        ProcessBuilder pb = new ProcessBuilder(
                        "node",
                        repo.resolve("cli/src/test/js/console-browser.mjs").toString())
                .directory(repo.toFile())
                .redirectErrorStream(true);
        pb.environment().put("CHROMIUM", chromium.toString());
        pb.environment().put("CONSOLE_BASE", server.baseUrl());
        pb.environment().put("ADMIN_TOKEN", TOKEN);
        pb.environment().put("MONTH_FROM", month.atDay(1).toString());
        pb.environment().put("MONTH_TO", month.plusMonths(1).atDay(1).toString());
        pb.environment().put("EXPECTED_TOTAL", total.toPlainString());
        pb.environment().put("DEPARTMENT", department);
        pb.environment().put("EXPECTED_DEPARTMENT", byDepartment.get(department).toPlainString());
        pb.environment().put("SCREENSHOT_DIR", shots.toAbsolutePath().toString());
        Process node = pb.start();
        boolean finished = node.waitFor(240, TimeUnit.SECONDS);
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            node.destroyForcibly();
        }
        System.err.println(output);
        assertThat(finished).as("the browser script finished within 4 minutes").isTrue();
        assertThat(node.exitValue()).as(output).isZero();

        // What the browser did is in the stores, not only on the page.
        assertThat(runtime.budgetStores().policies().list())
                .anySatisfy(p -> assertThat(p.id()).isEqualTo("feature:console-test/monthly"));
        assertThat(new FileKeyStore(dataDir.resolve("keys.json")).list()).anySatisfy(k -> {
            assertThat(k.name()).isEqualTo("console-test-key");
            assertThat(k.enabled()).isFalse();
        });
        assertThat(Files.list(shots).map(p -> p.getFileName().toString()))
                .contains("spend.png", "budgets.png", "findings.png", "keys.png", "calls.png", "reports.png");
    }

    private static Path chromium() {
        String configured = System.getenv("SPENDGATE_CHROMIUM");
        List<String> candidates = new ArrayList<>();
        if (configured != null) {
            candidates.add(configured);
        }
        candidates.addAll(List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"));
        return candidates.stream()
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
    }

    private static boolean commandWorks(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("package.json"))) {
            dir = dir.getParent();
        }
        return dir == null ? Path.of("").toAbsolutePath() : dir;
    }
}
