package dev.spendgate.cli;

import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetStatus;
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spendgate budgets set|list|status|delete}: budget policies of the local gateway. */
@Command(
        name = "budgets",
        description = "Set, list, inspect and delete budgets (enforced before each call).",
        subcommands = {
            BudgetsCommand.Set.class,
            BudgetsCommand.ListBudgets.class,
            BudgetsCommand.Status.class,
            BudgetsCommand.Delete.class
        })
final class BudgetsCommand {

    static FileBudgetPolicyStore policies(SpendgateCli.DataDirOption dir) {
        return new FileBudgetPolicyStore(dir.dataDir.resolve("budgets").resolve("policies.json"));
    }

    static Path ledgerFile(SpendgateCli.DataDirOption dir) {
        return dir.dataDir.resolve("budgets").resolve("ledger.json");
    }

    @Command(name = "set", description = "Create or replace the budget of a scope and period.")
    static final class Set implements Callable<Integer> {
        @Mixin
        SpendgateCli.DataDirOption dir;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--scope",
                required = true,
                paramLabel = "TYPE:VALUE",
                description = "key:ID, feature:F, department:D, team:T, environment:E, run:ID, global;"
                        + " VALUE * gives each value its own budget (run:* = every run).")
        String scope;

        @Option(names = "--period", required = true, description = "monthly, daily or lifetime.")
        String period;

        @Option(names = "--limit-usd", required = true, paramLabel = "N", description = "e.g. 500 or 2.50.")
        String limit;

        @Option(names = "--mode", required = true, description = "block, degrade or alert.")
        String mode;

        @Option(
                names = "--alert-at",
                split = ",",
                paramLabel = "PCT",
                description = "Alert thresholds in percent of the limit (default 50,80,100).")
        List<Integer> alertAt;

        @Option(
                names = "--on-store-error",
                description = "fail_closed (default for block) or fail_open (default otherwise).")
        String onStoreError;

        @Option(names = "--time-zone", description = "Where months and days begin (default UTC), e.g. Europe/Berlin.")
        String timeZone;

        @Option(
                names = "--shards",
                defaultValue = "1",
                description = "Split a hot budget over N ledger items (default 1; see the README's scale note).")
        int shards;

        @Override
        public Integer call() {
            BudgetPolicy policy;
            try {
                BigDecimal limitUsd = BudgetPolicy.checkedLimit(new BigDecimal(limit.trim()));
                policy = new BudgetPolicy(
                        BudgetScope.parse(scope),
                        BudgetPeriod.parse(period),
                        limitUsd,
                        BudgetPolicy.Mode.parse(mode),
                        alertAt,
                        onStoreError == null ? null : BudgetPolicy.OnStoreError.parse(onStoreError),
                        timeZone == null ? null : ZoneId.of(timeZone),
                        shards);
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--limit-usd must be a number like 500 or 2.50");
            } catch (RuntimeException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            // a key: budget naming no key, or a revoked one, would govern nothing; a data directory without keys (a
            // proposal for simulate-policy) has no keys to check against
            if (java.nio.file.Files.exists(dir.dataDir.resolve("keys.json"))) {
                var noKey = dev.spendgate.domain.keys.KeyBudgetScopes.governsNothing(
                        policy.scope(), KeysCommand.store(dir));
                if (noKey.isPresent()) {
                    throw new ParameterException(spec.commandLine(), "--scope: " + noKey.get());
                }
            }
            var store = policies(dir);
            BudgetPolicy previous = store.find(policy.id()).orElse(null);
            Instant now = Instant.now();
            policy = policy.replacing(previous, now);
            store.put(policy);
            PrintWriter out = spec.commandLine().getOut();
            policy.reshardWarning(previous, now).ifPresent(w -> {
                PrintWriter err = spec.commandLine().getErr();
                err.println("Warning: " + w + ".");
                err.flush();
            });
            String per =
                    switch (policy.period()) {
                        case MONTHLY -> "per month";
                        case DAILY -> "per day";
                        case LIFETIME -> "in total";
                    };
            out.println("Budget " + policy.id() + ": $" + policy.limitUsd().toPlainString() + " " + per + ", mode "
                    + policy.mode().label() + ", alerts at " + policy.alertAt() + " %, on store error "
                    + policy.onStoreError().label() + ", time zone " + zoneName(policy.zone()) + ".");
            out.flush();
            return 0;
        }
    }

    static String zoneName(ZoneId zone) {
        return zone.equals(java.time.ZoneOffset.UTC) ? "UTC" : zone.toString();
    }

    @Command(name = "list", description = "List budget policies.")
    static final class ListBudgets implements Callable<Integer> {
        @Mixin
        SpendgateCli.DataDirOption dir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<BudgetPolicy> all = policies(dir).list();
            if (all.isEmpty()) {
                out.println("No budgets. Set one: ./spendgate budgets set --scope feature:chatbot --period monthly"
                        + " --limit-usd 500 --mode block");
                out.flush();
                return 0;
            }
            Table table = new Table("ID", "LIMIT_USD", "MODE", "ALERT_AT", "ON_STORE_ERROR", "TIME_ZONE").alignRight(1);
            for (BudgetPolicy p : all) {
                table.row(
                        p.id(),
                        p.limitUsd().toPlainString(),
                        p.mode().label(),
                        p.alertAt().toString(),
                        p.onStoreError().label(),
                        zoneName(p.zone()));
            }
            table.print(out);
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "status",
            description = "Limit, settled spend, in-flight reservations, remaining and month-end forecast per budget.")
    static final class Status implements Callable<Integer> {
        @Mixin
        SpendgateCli.DataDirOption dir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<BudgetPolicy> all = policies(dir).list();
            if (all.isEmpty()) {
                out.println("No budgets.");
                out.flush();
                return 0;
            }
            Instant now = Instant.now();
            BudgetLedger ledger = FileBudgetLedger.readOnly(ledgerFile(dir));
            Table table = new Table(
                            "ID",
                            "PERIOD",
                            "LIMIT_USD",
                            "SPENT_USD",
                            "IN_FLIGHT_USD",
                            "REMAINING_USD",
                            "FORECAST_USD",
                            "USED",
                            // added last (columns are read by position): where PERIOD begins and ends
                            "TIME_ZONE")
                    .alignRight(2, 3, 4, 5, 6, 7);
            for (BudgetPolicy p : all) {
                BudgetStatus s = BudgetStatus.ofPolicy(p, ledger, now);
                if (s == null) {
                    table.row(
                            p.id(),
                            p.period().key(now, p.inForceAt(now).zone()),
                            p.limitUsd().toPlainString(),
                            "(each " + p.scope().type().label() + " separately)",
                            "",
                            "",
                            "",
                            "",
                            zoneName(p.inForceAt(now).zone()));
                    continue;
                }
                table.row(
                        p.id(),
                        s.period(),
                        p.limitUsd().toPlainString(),
                        money(s.spentUsd()),
                        money(s.inFlightUsd()),
                        money(s.remainingUsd()),
                        s.forecastUsd() == null ? "-" : money(s.forecastUsd()),
                        s.usedPercent() == null ? "-" : s.usedPercent().toPlainString() + " %",
                        zoneName(p.inForceAt(now).zone()));
            }
            table.print(out);
            for (BudgetPolicy p : all) {
                // first set within its period a day or more ago: the forecast runs from then (countingFrom); the
                // spend is its ledger item's since the period began
                Instant from = p.inForceAt(now).countingFrom(now);
                if (from != null
                        && !from.equals(p.period().start(now, p.inForceAt(now).zone()))) {
                    out.println(p.id() + ": FORECAST_USD counting since " + from
                            + " (first set then; SPENT counts the period).");
                }
            }
            out.println("Figures as of the gateway's last ledger flush (every second while ./spendgate local runs).");
            out.flush();
            return 0;
        }

        private static String money(BigDecimal value) {
            return value.setScale(4, RoundingMode.HALF_UP).toPlainString();
        }
    }

    @Command(name = "delete", description = "Delete the budget of a scope and period.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        SpendgateCli.DataDirOption dir;

        @Spec
        CommandSpec spec;

        @Option(names = "--scope", required = true, paramLabel = "TYPE:VALUE")
        String scope;

        @Option(names = "--period", required = true, description = "monthly, daily or lifetime.")
        String period;

        @Override
        public Integer call() {
            String id;
            try {
                id = BudgetScope.parse(scope) + "/" + BudgetPeriod.parse(period).label();
            } catch (RuntimeException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            if (!policies(dir).delete(id)) {
                spec.commandLine().getErr().println("spendgate: no budget " + id);
                return 1;
            }
            spec.commandLine().getOut().println("Deleted budget " + id + ".");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
