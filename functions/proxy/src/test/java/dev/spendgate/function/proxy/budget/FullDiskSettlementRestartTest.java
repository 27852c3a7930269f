package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local gateway's budgets on a disk that fills up and then gets space back: a real full disk (a 1 MiB tmpfs
 * mounted for the test; skipped where the test may not mount one). README, "Usage record", what survives a full
 * disk: "a journal write that fails is cut back off the file and retried"; and for a restart: "A second start finds
 * nothing to charge", the rest of what was reserved "is released".
 */
class FullDiskSettlementRestartTest {
    private static final Attribution AGENT = new Attribution("agent", "research", null, "prod", null, null, null);
    private static final BigDecimal WORST_CASE = new BigDecimal("0.25");

    @TempDir
    Path mountPoint;

    private boolean mounted;

    @BeforeEach
    void mountTinyDisk() throws Exception {
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.toString())
                .redirectErrorStream(true)
                .start();
        mounted = mount.waitFor(20, TimeUnit.SECONDS) && mount.exitValue() == 0;
        assumeTrue(mounted, "needs a tmpfs mount (root) to fill a real disk");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", mountPoint.toString()).start().waitFor(20, TimeUnit.SECONDS);
        }
    }

    /**
     * A call settles while the disk is full (its settlement stays pending in the ledger's journal, the enforcer
     * reports a store error), space comes back, the gateway serves a call a second for three seconds and is stopped cleanly
     * (Ctrl-C). The next start must see that call as settled: spent $0.10 (plus $0.03 of later calls), nothing
     * reserved. Instead its journal
     * entry was never ended (the enforcer skips {@code journal.settled} when the ledger throws), so every flush and the
     * final close write it to {@code reservations.json} as still open; once the ledger's journal no longer names its
     * settlement, the next start takes it for a call killed in flight and holds (then charges) its $0.25 worst case
     * on top of the $0.10 already spent.
     */
    @Test
    void settledDuringFullDisk_cleanRestartLater_doesNotChargeItAgain() throws Exception {
        Path dataDir = mountPoint.resolve("data");
        BudgetStores stores = LocalGatewayRuntime.budgets(dataDir, new LogAlertSink());
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:agent"),
                BudgetPeriod.MONTHLY,
                BigDecimal.ONE,
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null);
        stores.policies().put(policy);
        BudgetEnforcer enforcer = enforcer(stores);
        stores.flush().run();

        BudgetDecision call = enforcer.reserve(call("req-full-disk"), m -> Optional.of(WORST_CASE), m -> List.of());
        assertThat(call.outcome()).isEqualTo(BudgetDecision.Outcome.ALLOW);

        Path filler = fillDisk(mountPoint.resolve("filler.bin"));
        assertThatThrownBy(() -> enforcer.settle(call, new BigDecimal("0.10")))
                .as("the settlement's journal append fails on the full disk")
                .isInstanceOf(RuntimeException.class);
        Files.delete(filler); // space is back

        for (int second = 0; second < 3; second++) {
            // the gateway goes on: one more call settles at $0.01 each second, then the once-a-second flush
            BudgetDecision later =
                    enforcer.reserve(call("req-later-" + second), m -> Optional.of(WORST_CASE), m -> List.of());
            assertThat(later.outcome()).isEqualTo(BudgetDecision.Outcome.ALLOW);
            enforcer.settle(later, new BigDecimal("0.01"));
            stores.flush().run();
        }
        String item = policy.itemKey("agent", Instant.now());
        BudgetState before = stores.ledger().state(item).orElseThrow();
        assertThat(before.spent()).isEqualByComparingTo("0.13");
        assertThat(before.reserved()).isEqualByComparingTo("0");
        enforcer.close();
        stores.close(); // a clean stop (SIGTERM): nothing is in flight

        BudgetStores next = LocalGatewayRuntime.budgets(dataDir, new LogAlertSink());
        try {
            BudgetState after = next.ledger().state(item).orElseThrow();
            assertThat(after.spent()).as("spent after the restart").isEqualByComparingTo("0.13");
            assertThat(after.reserved())
                    .as("nothing was in flight at the clean stop, so nothing is held (or charged) at the start")
                    .isEqualByComparingTo("0");
            assertThat(after.committed()).isEqualByComparingTo("0.13");
        } finally {
            next.close();
        }
    }

    /**
     * A call is killed in flight; the gateway restarts on a full disk. Its start charges the call's worst case
     * ({@code sweepAll}: "the record goes into the usage journal first, then the worst case moves to spent"; here
     * the record's write is taken as done, the usage journal's last page having room). The ledger's counters move,
     * but its journal append fails, so the local ledger's {@code chargeEachOnce} (the interface default) reports
     * every item as not charged; the sweeper re-opens them as a {@code ~rest} entry and charges them again on the
     * next pass, and again at each later sweep. README: a sweep "never charges twice"; the budget must hold the
     * $0.25 worst case once.
     */
    @Test
    void killedInFlight_restartOnAFullDisk_chargesTheWorstCaseOnce(@TempDir Path beforeKill) throws Exception {
        BudgetStores stores = LocalGatewayRuntime.budgets(beforeKill, new LogAlertSink());
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:agent"),
                BudgetPeriod.MONTHLY,
                BigDecimal.ONE,
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null);
        stores.policies().put(policy);
        BudgetEnforcer enforcer = enforcer(stores);
        stores.flush().run();
        BudgetDecision call = enforcer.reserve(call("req-in-flight"), m -> Optional.of(WORST_CASE), m -> List.of());
        assertThat(call.outcome()).isEqualTo(BudgetDecision.Outcome.ALLOW);
        Path dataDir = mountPoint.resolve("data");
        copy(beforeKill, dataDir); // kill -9 here: the call is in flight
        Path filler = fillDisk(mountPoint.resolve("filler.bin"));

        BudgetStores next = LocalGatewayRuntime.budgets(dataDir, new LogAlertSink());
        BudgetEnforcer nextEnforcer = enforcer(next);
        nextEnforcer.sweepAll(open -> {}); // the start's charge of calls that died in flight
        String item = policy.itemKey("agent", Instant.now());
        BudgetState atStart = next.ledger().state(item).orElseThrow();
        Files.delete(filler);
        try {
            assertThat(atStart.spent())
                    .as("the call killed in flight is charged its $0.25 worst case once")
                    .isEqualByComparingTo("0.25");
            assertThat(atStart.committed()).isEqualByComparingTo("0.25");
        } finally {
            nextEnforcer.close();
            next.close();
            enforcer.close();
            stores.close();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".lock")) {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static BudgetEnforcer enforcer(BudgetStores stores) {
        return new BudgetEnforcer(
                stores.policies(),
                stores.ledger(),
                stores.marker(),
                stores.alerts(),
                stores.journal(),
                Duration.ofMinutes(15),
                Clock.systemUTC());
    }

    private static ReservationJournal.Call call(String requestId) {
        return new ReservationJournal.Call(
                requestId,
                Instant.now(),
                "key_1",
                AGENT,
                "openai",
                null,
                "chat.completions",
                "gpt-4o",
                "gpt-4o",
                false);
    }

    /** Writes {@code file} until the filesystem refuses more (ENOSPC). */
    private static Path fillDisk(Path file) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).containsIgnoringCase("space");
        }
        return file;
    }
}
