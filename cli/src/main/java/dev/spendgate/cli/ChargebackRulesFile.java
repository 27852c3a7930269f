package dev.spendgate.cli;

import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.report.ReportEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the local commands and the local findings page find the chargeback rules: {@code --rules}, else {@code
 * SPENDGATE_CHARGEBACK_RULES}, else {@code chargeback-rules.json} in the data directory when it exists, else none.
 */
final class ChargebackRulesFile {
    /** The rules file {@code simulate} writes and the commands read from the data directory. */
    static final String IN_DATA_DIR = "chargeback-rules.json";

    private ChargebackRulesFile() {}

    /**
     * The file to read: {@code option}, else the data directory's file when neither it nor the environment's is
     * given, else null (the environment's file, read by {@link ReportEnvironment#rules}, or none).
     *
     * @param dataDir null: no data directory to look in
     */
    static Path choose(Path option, ReportEnvironment env, Path dataDir) {
        if (option != null || env.rulesFile() != null || dataDir == null) {
            return option;
        }
        Path inDataDir = dataDir.resolve(IN_DATA_DIR);
        return Files.exists(inDataDir) ? inDataDir : null;
    }

    /**
     * The rules, or null when there are none (no option, no environment variable, no file in the data directory).
     *
     * @throws IllegalArgumentException naming the file, when it is not valid rules
     * @throws java.io.UncheckedIOException when it cannot be read
     */
    static ChargebackRules load(Path option, ReportEnvironment env, Path dataDir) {
        Path file = choose(option, env, dataDir);
        return file == null && env.rulesFile() == null ? null : env.rules(file);
    }
}
