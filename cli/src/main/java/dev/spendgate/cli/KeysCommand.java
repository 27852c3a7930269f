package dev.spendgate.cli;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyLabels;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.embedded.FileKeyStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spendgate keys create|list|revoke}: proxy keys, stored as SHA-256 hashes only. */
@Command(
        name = "keys",
        description = "Create, list and revoke Spendgate proxy keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand {

    static FileKeyStore store(SpendgateCli.DataDirOption dir) {
        return new FileKeyStore(dir.dataDir.resolve("keys.json"));
    }

    @Command(name = "create", description = "Create a key; its secret is printed once and never stored.")
    static final class Create implements Callable<Integer> {
        @Mixin
        SpendgateCli.DataDirOption dir;

        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, description = "A name for people, e.g. 'chatbot-prod'.")
        String name;

        @Option(names = "--environment", required = true, description = "e.g. prod, staging, dev.")
        String environment;

        @Option(names = "--owner", description = "Who answers for the key (email, team).")
        String owner;

        @Option(names = "--feature", description = "Default X-Cost-Feature for calls with this key.")
        String feature;

        @Option(names = "--department", description = "Default X-Cost-Department.")
        String department;

        @Option(names = "--team", description = "Default X-Cost-Team.")
        String team;

        @Override
        public Integer call() {
            // the admin API's rules (POST /admin/keys), and no control character: a line break would split the
            // `keys list` row a script reads
            String trimmed = name.strip(); // Unicode spaces too (U+3000): trim() keeps them
            if (!KeyLabels.validName(trimmed)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--name: 1-128 characters are required, without control or bidirectional formatting characters");
            }
            if (!KeyLabels.validOwner(owner)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--owner: at most 256 characters, without control or bidirectional formatting characters");
            }
            Attribution defaults;
            try {
                defaults = new Attribution(feature, department, team, environment, null, null, null);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--" + e.getMessage());
            }
            String secret = ProxyKeys.newSecret();
            ProxyKey key = new ProxyKey(
                    ProxyKeys.newId(),
                    ProxyKeys.hash(secret),
                    trimmed,
                    environment,
                    owner,
                    defaults,
                    true,
                    Instant.now().truncatedTo(ChronoUnit.SECONDS));
            store(dir).create(key);
            PrintWriter out = spec.commandLine().getOut();
            out.println("Created key " + key.id() + " (" + trimmed + ", " + environment + ").");
            out.println("Secret (shown once, store it now): " + secret);
            out.flush();
            return 0;
        }
    }

    @Command(name = "list", description = "List keys (never their secrets).")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        SpendgateCli.DataDirOption dir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            List<ProxyKey> keys = store(dir).list();
            PrintWriter out = spec.commandLine().getOut();
            if (keys.isEmpty()) {
                out.println("No keys yet. Create one: ./spendgate keys create --name NAME --environment ENV");
                out.flush();
                return 0;
            }
            Table table = new Table("ID", "NAME", "ENVIRONMENT", "OWNER", "STATUS", "CREATED", "DEFAULTS");
            for (ProxyKey k : keys) {
                table.row(
                        k.id(),
                        k.name(),
                        k.environment(),
                        k.owner() == null ? "" : k.owner(),
                        k.enabled() ? "active" : "revoked",
                        k.createdAt().toString(),
                        k.defaults().asMap().toString());
            }
            table.print(out);
            out.flush();
            return 0;
        }
    }

    @Command(name = "revoke", description = "Disable a key at once; calls with it get 401.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        SpendgateCli.DataDirOption dir;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The key id, e.g. key_7c1e0b2a94d3.")
        String id;

        @Override
        public Integer call() {
            if (!store(dir).revoke(id)) {
                spec.commandLine().getErr().println("spendgate: no key with id " + id);
                return 1;
            }
            spec.commandLine().getOut().println("Revoked " + id + ".");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
