package dev.spendgate.testing.aws;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Finds dynalite in the repository's {@code node_modules}: walks up from the working directory to the directory
 * whose {@code package.json} declares dynalite, and runs {@code npm ci} there once when it is not installed yet.
 */
final class DynaliteInstall {
    private static final String CLI = "node_modules/dynalite/cli.js";
    private static final long NPM_TIMEOUT_MINUTES = 5;
    private static Path cli;

    private DynaliteInstall() {}

    /** The path of dynalite's {@code cli.js}, installing it with {@code npm ci} when needed. */
    static synchronized Path cli() {
        if (cli == null) {
            Path root = repoRoot(Path.of("").toAbsolutePath());
            Path candidate = root.resolve(CLI);
            if (!Files.isRegularFile(candidate)) {
                npmCi(root);
            }
            if (!Files.isRegularFile(candidate)) {
                throw new IllegalStateException("dynalite is not installed: run `npm ci` in " + root);
            }
            cli = candidate;
        }
        return cli;
    }

    static Path repoRoot(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(CLI))) {
                return dir;
            }
            if (declaresDynalite(dir.resolve("package.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no package.json declaring dynalite in " + start
                + " or its parents; run the tests inside the Spendgate repository and run `npm ci` at its root");
    }

    private static boolean declaresDynalite(Path packageJson) {
        try {
            return Files.isRegularFile(packageJson)
                    && Files.readString(packageJson, StandardCharsets.UTF_8).contains("\"dynalite\"");
        } catch (IOException e) {
            return false;
        }
    }

    private static void npmCi(Path root) {
        String hint = "dynalite is not installed and `npm ci` failed; run `npm ci` in " + root;
        try {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                    .directory(root.toFile())
                    .redirectErrorStream(true)
                    .start();
            String output = drain(npm.getInputStream());
            if (!npm.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                npm.destroyForcibly();
                throw new IllegalStateException(hint + " (timed out)");
            }
            if (npm.exitValue() != 0) {
                throw new IllegalStateException(hint + ":\n" + tail(output));
            }
        } catch (IOException e) {
            throw new IllegalStateException(hint + " (is npm on the PATH?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(hint + " (interrupted)", e);
        }
    }

    private static String drain(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String tail(String output) {
        return output.length() <= 2000 ? output : output.substring(output.length() - 2000);
    }
}
