package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetPolicy.OnStoreError;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.budget.BudgetScope;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BudgetPolicyStore} must do. Extend it once per adapter: {@link #newStore()} returns a store over
 * fresh, empty storage and {@link #reopenStore()} a second instance over the same storage, as another process (the
 * CLI's {@code budgets set}, another Lambda instance) sees it.
 *
 * <p>Limits are compared by value: a store may return {@code 100.5} for {@code 100.50} (DynamoDB does).
 */
public abstract class BudgetPolicyStoreContract {
    private BudgetPolicyStore store;

    /** A store over fresh, empty storage; called before every test. */
    protected abstract BudgetPolicyStore newStore();

    /** Another instance over the storage of the store {@link #newStore()} last returned. */
    protected abstract BudgetPolicyStore reopenStore();

    /** How long a change made through another instance may take to become visible here; one second by default. */
    protected Duration changeVisibility() {
        return Duration.ofSeconds(1);
    }

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    @Test
    void list_emptyStore_returnsEmptyList() {
        assertThat(store.list()).isEmpty();
    }

    @Test
    void find_unknownId_returnsEmpty() {
        store.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "100"));

        assertThat(store.find("feature:chatbot/daily")).isEmpty();
        assertThat(store.find("feature:other/monthly")).isEmpty();
    }

    @Test
    void put_thenFind_returnsEqualPolicy() {
        BudgetPolicy policy = policy("feature:chatbot", BudgetPeriod.MONTHLY, "1234.5678");

        store.put(policy);

        assertThat(store.find("feature:chatbot/monthly").map(BudgetPolicyStoreContract::normalized))
                .contains(normalized(policy));
    }

    @Test
    void put_everyField_roundTripsThroughAnotherInstance() {
        List<BudgetPolicy> policies = List.of(
                new BudgetPolicy(
                        BudgetScope.parse("run:*"),
                        BudgetPeriod.LIFETIME,
                        new BigDecimal("2.00"),
                        Mode.BLOCK,
                        List.of(25, 90, 150),
                        OnStoreError.FAIL_OPEN,
                        ZoneOffset.UTC),
                new BudgetPolicy(
                        BudgetScope.parse("global"),
                        BudgetPeriod.DAILY,
                        new BigDecimal("99999999999.999999999"),
                        Mode.ALERT,
                        List.of(),
                        OnStoreError.FAIL_CLOSED,
                        ZoneId.of("Europe/Berlin"),
                        8),
                new BudgetPolicy(
                        BudgetScope.parse("feature:search"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("10"),
                        Mode.BLOCK,
                        null,
                        null,
                        null,
                        4,
                        1,
                        java.time.Instant.parse("2026-12-01T00:00:00Z")),
                new BudgetPolicy(
                        BudgetScope.parse("team:platform-eng"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("1234.5678"),
                        Mode.DEGRADE,
                        List.of(100, 50),
                        OnStoreError.FAIL_OPEN,
                        ZoneId.of("America/Los_Angeles")),
                new BudgetPolicy(
                        BudgetScope.parse("key:key_000000000001"),
                        BudgetPeriod.MONTHLY,
                        BigDecimal.ZERO,
                        Mode.BLOCK,
                        null,
                        null,
                        null),
                new BudgetPolicy(
                        BudgetScope.parse("department:customer-care"),
                        BudgetPeriod.DAILY,
                        new BigDecimal("0.000001"),
                        Mode.ALERT,
                        List.of(1, 1000),
                        null,
                        ZoneId.of("Asia/Kolkata")));

        policies.forEach(store::put);

        BudgetPolicyStore reopened = reopenStore();
        for (BudgetPolicy policy : policies) {
            assertThat(reopened.find(policy.id()).map(BudgetPolicyStoreContract::normalized))
                    .as(policy.id())
                    .contains(normalized(policy));
        }
        assertThat(reopened.list()).hasSize(policies.size());
        assertThat(reopened.find("run:*/lifetime")).hasValueSatisfying(p -> {
            assertThat(p.scope().value()).isEqualTo(BudgetScope.EACH);
            assertThat(p.limitUsd()).isEqualByComparingTo("2");
        });
    }

    @Test
    void put_sameScopeAndPeriod_replacesThePolicy() {
        store.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "100"));
        BudgetPolicy replacement = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("250.75"),
                Mode.DEGRADE,
                List.of(90),
                OnStoreError.FAIL_OPEN,
                ZoneId.of("Europe/Berlin"));

        store.put(replacement);

        assertThat(store.list()).map(BudgetPolicyStoreContract::normalized).containsExactly(normalized(replacement));
    }

    @Test
    void put_pendingZoneAndShardChange_isReadBackWithTheZoneInForce() {
        BudgetPolicy tokyo = new BudgetPolicy(
                        BudgetScope.parse("feature:chatbot"),
                        BudgetPeriod.DAILY,
                        new BigDecimal("1"),
                        Mode.BLOCK,
                        null,
                        null,
                        ZoneId.of("Asia/Tokyo"),
                        4)
                .replacing(
                        policy("feature:chatbot", BudgetPeriod.DAILY, "1"),
                        java.time.Instant.parse("2026-12-05T20:00:00Z"));

        store.put(tokyo);

        BudgetPolicy read = store.find(tokyo.id()).orElseThrow();
        assertThat(normalized(read)).isEqualTo(normalized(tokyo));
        assertThat(read.previousZone()).isEqualTo(java.time.ZoneOffset.UTC);
        assertThat(read.inForceAt(java.time.Instant.parse("2026-12-05T23:00:00Z"))
                        .zone())
                .isEqualTo(java.time.ZoneOffset.UTC);
    }

    @Test
    void put_budgetFirstSetMidMonth_keepsWhenItWasFirstSetAndItsEarlierLimitThroughAnEdit() {
        java.time.Instant created = java.time.Instant.parse("2026-12-20T00:00:00Z");
        BudgetPolicy first = policy("team:search", BudgetPeriod.MONTHLY, "500").replacing(null, created);
        store.put(first);

        BudgetPolicy edited = policy("team:search", BudgetPeriod.MONTHLY, "400")
                .replacing(store.find(first.id()).orElseThrow(), created.plus(java.time.Duration.ofDays(1)));
        store.put(edited);

        BudgetPolicy read = store.find(first.id()).orElseThrow();
        assertThat(read.since()).as("first set on the 20th, edited on the 21st").isEqualTo(created);
        assertThat(read.limitAt(created.plusSeconds(3600)))
                .as("the limit before the edit")
                .isEqualByComparingTo("500");
        assertThat(read.limitAt(created.plus(java.time.Duration.ofDays(2)))).isEqualByComparingTo("400");
        assertThat(read.countingFrom(java.time.Instant.parse("2026-12-22T00:00:00Z")))
                .isEqualTo(created);
        assertThat(policy("team:search", BudgetPeriod.MONTHLY, "500").since())
                .as("a policy stored before it was kept")
                .isNull();
    }

    @Test
    void put_sameScopeOtherPeriod_keepsBoth() {
        store.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "100"));
        store.put(policy("feature:chatbot", BudgetPeriod.DAILY, "5"));

        assertThat(store.list())
                .map(BudgetPolicy::id)
                .containsExactly("feature:chatbot/daily", "feature:chatbot/monthly");
    }

    @Test
    void list_returnsPoliciesOrderedById() {
        store.put(policy("team:b", BudgetPeriod.MONTHLY, "1"));
        store.put(policy("global", BudgetPeriod.MONTHLY, "1"));
        store.put(policy("run:*", BudgetPeriod.LIFETIME, "1"));
        store.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "1"));
        store.put(policy("team:a", BudgetPeriod.DAILY, "1"));

        assertThat(store.list())
                .map(BudgetPolicy::id)
                .containsExactly(
                        "feature:chatbot/monthly",
                        "global/monthly",
                        "run:*/lifetime",
                        "team:a/daily",
                        "team:b/monthly");
    }

    @Test
    void delete_existingPolicy_returnsTrueAndRemovesOnlyIt() {
        store.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "100"));
        store.put(policy("feature:search", BudgetPeriod.MONTHLY, "100"));

        assertThat(store.delete("feature:chatbot/monthly")).isTrue();

        assertThat(store.find("feature:chatbot/monthly")).isEmpty();
        assertThat(store.list()).map(BudgetPolicy::id).containsExactly("feature:search/monthly");
    }

    @Test
    void delete_unknownOrAlreadyDeleted_returnsFalse() {
        store.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "100"));

        assertThat(store.delete("feature:other/monthly")).isFalse();
        assertThat(store.delete("feature:chatbot/monthly")).isTrue();
        assertThat(store.delete("feature:chatbot/monthly")).isFalse();
    }

    @Test
    void put_byAnotherInstance_isSeenWithinChangeVisibility() throws InterruptedException {
        store.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "100"));
        assertThat(store.find("feature:chatbot/monthly")).isPresent();
        BudgetPolicyStore cli = reopenStore();

        cli.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "40"));
        cli.put(policy("team:a", BudgetPeriod.DAILY, "3"));

        awaitVisible(
                () -> store.find("feature:chatbot/monthly"),
                p -> p.isPresent() && p.get().limitUsd().compareTo(new BigDecimal("40")) == 0);
        assertThat(store.list()).map(BudgetPolicy::id).containsExactly("feature:chatbot/monthly", "team:a/daily");
    }

    @Test
    void delete_byAnotherInstance_isSeenWithinChangeVisibility() throws InterruptedException {
        store.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "100"));
        assertThat(store.list()).hasSize(1);

        assertThat(reopenStore().delete("feature:chatbot/monthly")).isTrue();

        awaitVisible(() -> store.find("feature:chatbot/monthly"), Optional::isEmpty);
        assertThat(store.list()).isEmpty();
    }

    @Test
    void put_concurrentDistinctPoliciesOnTwoInstances_allStored() throws InterruptedException {
        BudgetPolicyStore other = reopenStore();

        ConcurrentCalls.startTogether(8, thread -> {
            for (int i = 0; i < 3; i++) {
                (thread % 2 == 0 ? store : other)
                        .put(policy("feature:f-" + thread + "-" + i, BudgetPeriod.MONTHLY, thread + "." + i));
            }
            return null;
        });

        assertThat(reopenStore().list()).as("no put lost").hasSize(24);
        awaitVisible(store::list, all -> all.size() == 24); // this instance may serve its copy a moment longer
        assertThat(store.find("feature:f-7-2/monthly"))
                .hasValueSatisfying(p -> assertThat(p.limitUsd()).isEqualByComparingTo("7.2"));
    }

    @Test
    void nullArguments_throwNullPointerException() {
        assertThatThrownBy(() -> store.put(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.find(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.delete(null)).isInstanceOf(NullPointerException.class);
    }

    /** A {@code block} policy with the default alerts, store-error handling and zone. */
    protected static BudgetPolicy policy(String scope, BudgetPeriod period, String limitUsd) {
        return new BudgetPolicy(
                BudgetScope.parse(scope), period, new BigDecimal(limitUsd), Mode.BLOCK, null, null, null);
    }

    /** The policy with its limit's trailing zeros stripped, so that records compare limits by value. */
    protected static BudgetPolicy normalized(BudgetPolicy p) {
        return new BudgetPolicy(
                p.scope(),
                p.period(),
                p.limitUsd().stripTrailingZeros(),
                p.mode(),
                p.alertAt(),
                p.onStoreError(),
                p.zone(),
                p.shards(),
                p.previousShards(),
                p.shardsFrom(),
                p.previousZone(),
                p.since(),
                p.earlierLimits().stream()
                        .map(c -> new BudgetPolicy.LimitChange(c.limitUsd().stripTrailingZeros(), c.until()))
                        .toList());
    }

    private <T> void awaitVisible(Supplier<T> read, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + changeVisibility().toNanos();
        T seen = read.get();
        while (!done.test(seen) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            seen = read.get();
        }
        assertThat(done.test(seen))
                .as("change seen within %s, last read %s", changeVisibility(), seen)
                .isTrue();
    }
}
