package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.budget.ReservationJournal.Call;
import dev.spendgate.domain.budget.ReservationJournal.OpenReservation;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ReservationJournal} must do. Extend it once per adapter: {@link #newJournal()} returns a journal
 * over fresh, empty storage and {@link #reopenJournal()} a second instance over the same storage, as another process
 * (a restarted local gateway, another Lambda instance, the sweeper) sees it. An adapter whose storage has one owner
 * at a time overrides {@link #instancesShareLiveState()}.
 *
 * <p>Every {@code expiresAt} here is a whole millisecond: adapters may keep only milliseconds (DynamoDB stores epoch
 * milliseconds), so an entry comes back with its {@code expiresAt} truncated to the millisecond. Amounts compare by
 * value ({@code 0.50} may come back as {@code 0.5}).
 */
public abstract class ReservationJournalContract {
    private static final Instant T0 = Instant.parse("2026-11-28T15:00:00.123Z");
    private static final Instant EXPIRES = T0.plusSeconds(900);
    private static final List<String> ITEM_KEYS = List.of(
            "budget#team:search#monthly#2026-11",
            "budget#feature:chatbot#monthly#2026-11",
            "budget#global#daily#2026-11-28");

    private ReservationJournal journal;

    /** A journal over fresh, empty storage; called before every test. */
    protected abstract ReservationJournal newJournal();

    /** Another instance over the storage of the journal {@link #newJournal()} last returned. */
    protected abstract ReservationJournal reopenJournal();

    /**
     * Whether two instances over the same storage can be live at once, each seeing the other's changes. False for
     * adapters whose storage has one owner at a time (the local file journal): {@link #reopenJournal()} then closes the
     * current instance first, and the tests that need two live instances are skipped.
     */
    protected boolean instancesShareLiveState() {
        return true;
    }

    @BeforeEach
    void createJournal() {
        journal = newJournal();
    }

    @Test
    void expired_emptyJournal_returnsEmptyList() {
        assertThat(journal.expired(EXPIRES.plusSeconds(3600), 100)).isEmpty();
    }

    @Test
    void open_thenExpiredAfterExpiresAt_returnsIdenticalEntry() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES));

        List<OpenReservation> expired = journal.expired(EXPIRES.plusMillis(1), 100);

        assertThat(expired).hasSize(1);
        assertIdentical(expired.get(0), "r-1", ITEM_KEYS, "0.00925", EXPIRES);
    }

    @Test
    void markSettled_thenRemove_theCallOwnsItSoRemoveIsFalse() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.5"), EXPIRES));

        assertThat(journal.markSettled("r-1")).as("the settling call").isTrue();
        assertThat(journal.markSettled("r-1")).as("a second marking").isFalse();
        assertThat(journal.remove("r-1"))
                .as("the sweeper's remove, after the settlement")
                .isFalse();
        // kept (marked) until its record is durable, or ended at once by a journal that cannot keep it
        List<OpenReservation> left = journal.expired(EXPIRES.plusMillis(1), 100);
        assertThat(left).allSatisfy(o -> assertThat(o.settled()).isTrue());
        assertThat(journal.endSettled("r-1")).isEqualTo(!left.isEmpty());
        assertThat(journal.expired(EXPIRES.plusMillis(1), 100)).isEmpty();
    }

    @Test
    void markSettled_afterTheSweeperRemovedIt_isFalse() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.5"), EXPIRES));

        assertThat(journal.remove("r-1")).isTrue();
        assertThat(journal.markSettled("r-1")).isFalse();
    }

    @Test
    void expired_untilAndAtExpiresAt_returnsNothing() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES));

        assertThat(journal.expired(T0, 100)).isEmpty();
        assertThat(journal.expired(EXPIRES.minusMillis(1), 100)).isEmpty();
        assertThat(journal.expired(EXPIRES, 100))
                .as("expiresAt must be before now")
                .isEmpty();
        assertThat(journal.expired(EXPIRES.plusMillis(1), 100))
                .extracting(OpenReservation::id)
                .containsExactly("r-1");
    }

    @Test
    void open_exactAmounts_roundTripByValue() {
        journal.open(new OpenReservation("tiny", ITEM_KEYS, new BigDecimal("0.00000005"), EXPIRES));
        journal.open(new OpenReservation(
                "wide", ITEM_KEYS, new BigDecimal("12345678901234567890.123456789012345"), EXPIRES));
        journal.open(new OpenReservation("zero", ITEM_KEYS, BigDecimal.ZERO, EXPIRES));
        journal.open(new OpenReservation("scaled", ITEM_KEYS, new BigDecimal("0.50"), EXPIRES));

        List<OpenReservation> expired = journal.expired(EXPIRES.plusSeconds(1), 100);

        assertThat(expired).hasSize(4);
        assertThat(amountOf(expired, "tiny")).isEqualByComparingTo("0.00000005");
        assertThat(amountOf(expired, "wide")).isEqualByComparingTo("12345678901234567890.123456789012345");
        assertThat(amountOf(expired, "zero")).isEqualByComparingTo("0");
        assertThat(amountOf(expired, "scaled")).isEqualByComparingTo("0.5");
    }

    @Test
    void open_noItemKeys_roundTrips() {
        journal.open(new OpenReservation("r-1", List.of(), new BigDecimal("0.01"), EXPIRES));

        List<OpenReservation> expired = reopenJournal().expired(EXPIRES.plusSeconds(1), 100);

        assertThat(expired).hasSize(1);
        assertIdentical(expired.get(0), "r-1", List.of(), "0.01", EXPIRES);
    }

    @Test
    void open_sameIdAgain_replacesTheEntry() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.2"), EXPIRES));

        journal.open(
                new OpenReservation("r-1", ITEM_KEYS.subList(1, 2), new BigDecimal("0.2"), EXPIRES.plusSeconds(60)));

        List<OpenReservation> expired = journal.expired(EXPIRES.plusSeconds(3600), 100);
        assertThat(expired).hasSize(1);
        assertIdentical(expired.get(0), "r-1", ITEM_KEYS.subList(1, 2), "0.2", EXPIRES.plusSeconds(60));
    }

    @Test
    void remove_openEntry_returnsTrueOnceThenFalse() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES));

        assertThat(journal.remove("r-1")).isTrue();

        assertThat(journal.remove("r-1")).isFalse();
        assertThat(journal.expired(EXPIRES.plusSeconds(3600), 100)).isEmpty();
    }

    @Test
    void remove_unknownId_returnsFalse() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES));

        assertThat(journal.remove("r-unknown")).isFalse();

        assertThat(journal.expired(EXPIRES.plusSeconds(1), 100))
                .extracting(OpenReservation::id)
                .containsExactly("r-1");
    }

    @Test
    void remove_leavesOtherEntries() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.1"), EXPIRES));
        journal.open(new OpenReservation("r-2", ITEM_KEYS, new BigDecimal("0.2"), EXPIRES.plusMillis(1)));

        journal.remove("r-1");

        assertThat(journal.expired(EXPIRES.plusSeconds(1), 100))
                .extracting(OpenReservation::id)
                .containsExactly("r-2");
    }

    @Test
    void open_afterRemove_opensTheIdAgain() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.1"), EXPIRES));
        journal.remove("r-1");

        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.05"), EXPIRES));

        assertThat(journal.expired(EXPIRES.plusSeconds(1), 100))
                .extracting(OpenReservation::id)
                .containsExactly("r-1");
        assertThat(journal.remove("r-1")).isTrue();
    }

    @Test
    void expired_max_returnsOldestFirstUpToMax() {
        int[] secondsAfterT0 = {40, 10, 50, 30, 20};
        for (int seconds : secondsAfterT0) {
            journal.open(
                    new OpenReservation("r-" + seconds, ITEM_KEYS, new BigDecimal("0.01"), T0.plusSeconds(seconds)));
        }
        journal.open(new OpenReservation("r-later", ITEM_KEYS, new BigDecimal("0.01"), T0.plusSeconds(3600)));
        Instant now = T0.plusSeconds(60);

        assertThat(journal.expired(now, 3)).extracting(OpenReservation::id).containsExactly("r-10", "r-20", "r-30");
        assertThat(journal.expired(now, 1)).extracting(OpenReservation::id).containsExactly("r-10");
        assertThat(journal.expired(now, 100))
                .extracting(OpenReservation::id)
                .containsExactly("r-10", "r-20", "r-30", "r-40", "r-50");
        assertThat(journal.expired(T0.plusSeconds(25), 100))
                .extracting(OpenReservation::id)
                .containsExactly("r-10", "r-20");
    }

    @Test
    void expired_millisecondsApart_areOrderedByMillisecond() {
        journal.open(new OpenReservation("b", ITEM_KEYS, new BigDecimal("0.01"), EXPIRES.plusMillis(2)));
        journal.open(new OpenReservation("a", ITEM_KEYS, new BigDecimal("0.01"), EXPIRES.plusMillis(3)));
        journal.open(new OpenReservation("c", ITEM_KEYS, new BigDecimal("0.01"), EXPIRES.plusMillis(1)));

        assertThat(journal.expired(EXPIRES.plusSeconds(1), 100))
                .extracting(OpenReservation::id)
                .containsExactly("c", "b", "a");
    }

    @Test
    void expired_calledTwice_doesNotConsumeEntries() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.01"), EXPIRES));

        journal.expired(EXPIRES.plusSeconds(1), 100);

        assertThat(journal.expired(EXPIRES.plusSeconds(1), 100))
                .extracting(OpenReservation::id)
                .containsExactly("r-1");
    }

    @Test
    void expired_maxNotPositive_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> journal.expired(EXPIRES, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> journal.expired(EXPIRES, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void open_afterReopen_entriesSurviveAndEndOnce() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES));
        journal.open(
                new OpenReservation("r-2", ITEM_KEYS.subList(0, 1), new BigDecimal("1.5"), EXPIRES.plusSeconds(1)));
        journal.open(new OpenReservation("r-3", ITEM_KEYS, new BigDecimal("0.1"), EXPIRES));
        journal.remove("r-3");

        ReservationJournal reopened = reopenJournal();

        List<OpenReservation> expired = reopened.expired(EXPIRES.plusSeconds(60), 100);
        assertThat(expired).hasSize(2);
        assertIdentical(expired.get(0), "r-1", ITEM_KEYS, "0.00925", EXPIRES);
        assertIdentical(expired.get(1), "r-2", ITEM_KEYS.subList(0, 1), "1.5", EXPIRES.plusSeconds(1));
        assertThat(reopened.remove("r-1")).isTrue();
        assertThat(reopened.remove("r-1")).isFalse();
        assertThat(reopened.remove("r-3")).as("removed before the reopen").isFalse();
        assertThat(reopened.expired(EXPIRES.plusSeconds(60), 100))
                .extracting(OpenReservation::id)
                .containsExactly("r-2");
    }

    @Test
    void remove_throughOtherInstance_endsEachEntryOnce() {
        Assumptions.assumeTrue(instancesShareLiveState(), "needs two live instances over the same storage");
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES));
        journal.open(
                new OpenReservation("r-2", ITEM_KEYS.subList(0, 1), new BigDecimal("1.5"), EXPIRES.plusSeconds(1)));

        ReservationJournal reopened = reopenJournal();

        assertThat(reopened.remove("r-1")).isTrue();
        assertThat(journal.remove("r-1"))
                .as("already removed through the other instance")
                .isFalse();
        assertThat(journal.remove("r-2")).isTrue();
        assertThat(reopened.remove("r-2")).isFalse();
    }

    @Test
    void remove_50ConcurrentCallers_exactlyOneReturnsTrue() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES));

        List<Boolean> results = ConcurrentCalls.startTogether(50, i -> journal.remove("r-1"));

        assertThat(results.stream().filter(Boolean::booleanValue)).hasSize(1);
    }

    @Test
    void remove_50ConcurrentCallersOnTwoInstances_exactlyOneReturnsTrue() {
        Assumptions.assumeTrue(instancesShareLiveState(), "needs two live instances over the same storage");
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES));
        ReservationJournal other = reopenJournal();

        List<Boolean> results = ConcurrentCalls.startTogether(50, i -> (i % 2 == 0 ? journal : other).remove("r-1"));

        assertThat(results.stream().filter(Boolean::booleanValue)).hasSize(1);
    }

    /**
     * The sweeper (its own instance) releases what {@code expired} lists while the gateway settles the same calls: every
     * entry is ended by exactly one of them.
     */
    @Test
    void remove_sweeperAndGatewayRacing_eachEntryEndedByExactlyOne() {
        Assumptions.assumeTrue(instancesShareLiveState(), "needs two live instances over the same storage");
        List<String> ids = IntStream.range(0, 20).mapToObj(i -> "r-" + i).toList();
        for (int i = 0; i < ids.size(); i++) {
            journal.open(new OpenReservation(ids.get(i), ITEM_KEYS, new BigDecimal("0.01"), EXPIRES.plusMillis(i)));
        }
        ReservationJournal sweeper = reopenJournal();

        List<List<String>> ended = ConcurrentCalls.startTogether(2, party -> {
            List<String> removed = new ArrayList<>();
            if (party == 0) {
                for (OpenReservation open : sweeper.expired(EXPIRES.plusSeconds(60), 100)) {
                    if (sweeper.remove(open.id())) {
                        removed.add(open.id());
                    }
                }
            } else {
                for (int i = ids.size() - 1; i >= 0; i--) {
                    String id = ids.get(i);
                    if (journal.remove(id)) {
                        removed.add(id);
                    }
                }
            }
            return removed;
        });

        Set<String> bySweeper = new HashSet<>(ended.get(0));
        Set<String> byGateway = new HashSet<>(ended.get(1));
        // one party may end every entry before the other starts (an in-memory journal is that fast)
        assertThat(java.util.Collections.disjoint(bySweeper, byGateway))
                .as("ended by both: " + bySweeper + " and " + byGateway)
                .isTrue();
        assertThat(ended.get(0).size() + ended.get(1).size()).isEqualTo(ids.size());
        assertThat(union(bySweeper, byGateway)).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(reopenJournal().expired(EXPIRES.plusSeconds(60), 100)).isEmpty();
    }

    /** The sweeper writes an orphaned call's usage record from the entry alone, so every field must come back. */
    @Test
    void open_withCall_roundTripsEveryFieldThroughAnotherInstance() {
        Call call = new Call(
                "req-7f3a",
                T0.minusMillis(40),
                "key-42",
                new Attribution("chatbot", "support", "search", "prod", "s-9", "u-1", "run-3"),
                "azure-openai",
                "openai",
                "chat.completions",
                "gpt-4o",
                "gpt-4o-mini",
                true);
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES, false, call));

        List<OpenReservation> expired = reopenJournal().expired(EXPIRES.plusSeconds(1), 100);

        assertThat(expired).hasSize(1);
        assertIdentical(expired.get(0), "r-1", ITEM_KEYS, "0.00925", EXPIRES);
        assertThat(expired.get(0).call()).isEqualTo(call);
    }

    @Test
    void open_callWithUnknownFields_roundTripsTheNulls() {
        Call call = new Call("req-1", T0, null, Attribution.NONE, "openai", null, null, "gpt-4o", "gpt-4o", false);
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.5"), EXPIRES, true, call));

        List<OpenReservation> expired = reopenJournal().expired(EXPIRES.plusSeconds(1), 100);

        assertThat(expired).singleElement().extracting(OpenReservation::call).isEqualTo(call);
    }

    @Test
    void open_withoutCall_comesBackWithoutCall() {
        journal.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.5"), EXPIRES));

        assertThat(reopenJournal().expired(EXPIRES.plusSeconds(1), 100))
                .singleElement()
                .extracting(OpenReservation::call)
                .isNull();
    }

    @Test
    void nullArguments_throwNullPointerException() {
        assertThatThrownBy(() -> journal.open(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> journal.remove(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> journal.expired(null, 10)).isInstanceOf(NullPointerException.class);
    }

    private static void assertIdentical(
            OpenReservation actual, String id, List<String> itemKeys, String amount, Instant expiresAt) {
        assertThat(actual.id()).isEqualTo(id);
        assertThat(actual.itemKeys()).containsExactlyElementsOf(itemKeys);
        assertThat(actual.amount()).isEqualByComparingTo(amount);
        assertThat(actual.expiresAt()).isEqualTo(expiresAt);
    }

    private static BigDecimal amountOf(List<OpenReservation> entries, String id) {
        return entries.stream()
                .filter(e -> e.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no entry " + id + " in " + entries))
                .amount();
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
