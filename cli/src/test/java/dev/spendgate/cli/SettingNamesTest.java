package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.SettingNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** An operator's misspelt {@code SPENDGATE_*} setting is named, with the setting meant, instead of silently ignored. */
class SettingNamesTest {
    private static final Pattern NAME = Pattern.compile("SPENDGATE_[A-Z0-9_]+");
    private static final Path ROOT = Path.of("..");

    @Test
    void misspeltSettings_areNamed_withTheSettingMeant() {
        List<String> warnings = SettingNames.warnings(Map.of(
                "SPENDGATE_BUDGET_TABLE", "t",
                "SPENDGATE_FLUSH_INTERVAL", "500",
                "SPENDGATE_ADMN_TOKEN", "x"));

        assertThat(warnings).hasSize(3);
        assertThat(warnings.get(0))
                .startsWith("SPENDGATE_ADMN_TOKEN is set, but Spendgate reads no setting of that name")
                .contains("did you mean SPENDGATE_ADMIN_TOKEN?");
        assertThat(warnings.get(1)).contains("did you mean SPENDGATE_BUDGETS_TABLE?");
        assertThat(warnings.get(2)).contains("did you mean SPENDGATE_FLUSH_INTERVAL_MS?");
    }

    @Test
    void settingsSpendgateReads_andOtherVariables_areNotWarnedAbout() {
        assertThat(SettingNames.warnings(Map.of(
                        "SPENDGATE_ADMIN_TOKEN", "x",
                        "SPENDGATE_FLUSH_INTERVAL_MS", "500",
                        "OPENAI_API_KEY", "sk",
                        "PATH", "/usr/bin")))
                .isEmpty();
    }

    @Test
    void aClientsOwnVariable_isNamed_withoutAGuess() {
        // a team's own SPENDGATE_KEY (the README's client examples read one) is not a setting, and no setting is near
        // it
        assertThat(SettingNames.warnings(Map.of("SPENDGATE_KEY", "sg-...")))
                .singleElement()
                .asString()
                .contains("SPENDGATE_KEY is set, but Spendgate reads no setting")
                .doesNotContain("did you mean");
    }

    @Test
    void theListHoldsEveryNameTheSourcesRead_andNoOther() throws IOException {
        Set<String> read = new TreeSet<>();
        for (String module : List.of("functions", "shared", "cli", "reports", "infra-cdk", "bench", "localstack")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module))) {
                for (Path f : files.filter(p ->
                                p.toString().endsWith(".java") && p.toString().contains("/src/main/"))
                        .toList()) {
                    collect(Files.readString(f, StandardCharsets.UTF_8), read);
                }
            }
        }
        for (String script : List.of("spendgate", "bin/find-jdk")) {
            collect(Files.readString(ROOT.resolve(script), StandardCharsets.UTF_8), read);
        }

        assertThat(read).as("names read by the sources").contains("SPENDGATE_ADMIN_TOKEN", "SPENDGATE_JAVA");
        assertThat(SettingNames.known()).containsExactlyElementsOf(read);
    }

    private static void collect(String text, Set<String> into) {
        Matcher m = NAME.matcher(text);
        while (m.find()) {
            if (!m.group().endsWith("_")) { // a prefix such as the waste settings' is not a name
                into.add(m.group());
            }
        }
    }
}
