package dev.spendgate.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The folder {@code report} and {@code reconcile} write their files into ({@code --out DIR}, else a default under the
 * data dir), where {@code waste --out} and {@code simulate-policy --out} take a file: a path that exists and is not a
 * directory is a usage error (exit 2) naming {@code --out}, found before anything is read or written.
 */
final class OutDirectory {
    private OutDirectory() {}

    /**
     * {@code out} when given, else {@code byDefault}; refused when it is an existing file.
     *
     * @param writes what the command puts there, for the message ("report writes several files into a directory")
     */
    static Path require(CommandSpec spec, Path out, Path byDefault, String writes) {
        Path target = out != null ? out : byDefault;
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new ParameterException(
                    spec.commandLine(),
                    (out != null ? "--out: " : "--out (default " + byDefault + "): ") + target
                            + " is a file, not a directory; " + writes);
        }
        return target;
    }
}
