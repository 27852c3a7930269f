package dev.spendgate.domain.budget;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetDecision.Outcome;
import dev.spendgate.domain.budget.BudgetDecision.Refusal;
import dev.spendgate.domain.budget.BudgetDecision.Reservation;
import dev.spendgate.domain.budget.BudgetLedger.ReserveResult;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Enforces budgets before a call and settles them after it. Before: the call's worst-case cost is reserved on every
 * applicable budget item with one atomic conditional write each (in parallel for a remote ledger, on the caller's
 * thread for an in-process one); a remote journal entry is written at the same time, so the call waits for one round
 * trip to the store, and confirmed afterwards, off the call's path; when any item refuses, the ones
 * already taken are given back, so a refused call leaves nothing reserved. After: each reservation is replaced by the
 * actual cost, and alert thresholds crossed are sent once per scope, period and threshold.
 *
 * <p>Without transactions, two calls can each hold a reservation on scope A while one of them is refused on scope B;
 * that reservation is released a moment later. So a budget can refuse a call it could have afforded for that moment,
 * never the opposite: settled spend stays within the limit, except for the difference between estimate and actual
 * cost of calls already admitted (the estimate is a worst case, so actual cost is normally below it).
 *
 * <p><b>A call that never settles is charged, not released.</b> When the gateway dies between forwarding a call and
 * settling it (SIGKILL, a Lambda timeout, out of memory: in the deployed carrier the client's answer ends before the
 * settlement), the provider may have answered and billed it. So once its journal entry expires, {@link #sweep} counts
 * the reserved worst case as spent on every item the entry names, and has the call's usage record written first
 * (marked as a worst-case estimate): the budget never admits that money again. A settlement that comes after that
 * (the call outlived its TTL) adds nothing: the ledger keeps the worst case, an over-count by the difference, never an
 * under-count. Entries that name no call (a provider batch's admission, whose results are charged when recorded;
 * entries written by an earlier version) are released as before.
 */
public final class BudgetEnforcer implements AutoCloseable {
    private final BudgetPolicyStore policies;
    private final BudgetLedger ledger;
    private final OnceMarker marker;
    private final AlertSink alerts;
    private final ReservationJournal journal;
    private final Duration reservationTtl;
    private final Clock clock;
    private final ExecutorService executor;
    private final Set<String> askedMarker = ConcurrentHashMap.newKeySet();
    private final SpreadShardLimits shardLimits;

    /**
     * @param journal where open reservations are tracked, so the sweeper can end those of calls that never settled
     * @param reservationTtl how long a call may run before its reservation counts as orphaned (longer than the
     *     longest call: 15 minutes matches API Gateway's streaming limit)
     */
    public BudgetEnforcer(
            BudgetPolicyStore policies,
            BudgetLedger ledger,
            OnceMarker marker,
            AlertSink alerts,
            ReservationJournal journal,
            Duration reservationTtl,
            Clock clock) {
        this.policies = Objects.requireNonNull(policies, "policies");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.reservationTtl = Objects.requireNonNull(reservationTtl, "reservationTtl");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.marker = Objects.requireNonNull(marker, "marker");
        this.alerts = Objects.requireNonNull(alerts, "alerts");
        this.clock = Objects.requireNonNull(clock, "clock");
        // a remote ledger: the reservations of one call go out in parallel, each on a virtual thread
        this.executor = ledger.inProcess() ? null : Executors.newVirtualThreadPerTaskExecutor();
        this.shardLimits = new SpreadShardLimits(ledger, executor);
    }

    /**
     * Decides whether a call may go ahead, and reserves its worst-case cost. The reservation names no call: if it is
     * orphaned, the sweeper releases it (an admission-only reservation, such as a provider batch's creation).
     *
     * @param estimate worst-case cost of the call on a given model; empty when the model has no price
     * @param cheaperModels the operator's degradation chain after a model, cheapest last (empty: no chain)
     */
    public BudgetDecision reserve(
            Attribution attribution,
            String keyId,
            String model,
            Function<String, Optional<BigDecimal>> estimate,
            Function<String, List<String>> cheaperModels) {
        return reserve(attribution, keyId, model, null, estimate, cheaperModels);
    }

    /**
     * As {@link #reserve(Attribution, String, String, Function, Function)} for a call forwarded to a provider: the
     * journal entry names {@code call} (in the same write, so no extra round trip), and if the call never settles the
     * sweeper charges its worst case and has its usage record written ({@link #sweep(int, Consumer)}).
     */
    public BudgetDecision reserve(
            ReservationJournal.Call call,
            Function<String, Optional<BigDecimal>> estimate,
            Function<String, List<String>> cheaperModels) {
        Objects.requireNonNull(call, "call");
        return reserve(call.attribution(), call.keyId(), call.model(), call, estimate, cheaperModels);
    }

    private BudgetDecision reserve(
            Attribution attribution,
            String keyId,
            String model,
            ReservationJournal.Call call,
            Function<String, Optional<BigDecimal>> estimate,
            Function<String, List<String>> cheaperModels) {
        Instant now = clock.instant();
        List<Reservation> applicable = new ArrayList<>();
        for (BudgetPolicy stored : policies.list()) {
            BudgetPolicy policy = stored.inForceAt(now); // a changed shard count or zone waits for the period's end
            String value = policy.scope().matchValue(attribution, keyId);
            if (value != null) {
                // Spend without a reservation (alert mode) spreads over a sharded budget's items at random.
                int shard =
                        policy.shards() == 1 ? 0 : ThreadLocalRandom.current().nextInt(policy.shards());
                applicable.add(new Reservation(policy, value, policy.shardKey(value, now, shard), BigDecimal.ZERO));
            }
        }
        if (applicable.isEmpty()) {
            return call != null && executor == null
                    ? journaledOnly(call, model, now)
                    : new BudgetDecision(Outcome.ALLOW, model, BigDecimal.ZERO, List.of(), null, false, null);
        }
        applicable = shareItems(applicable, now);
        String reservationId = newReservationId();
        Attempt first = attempt(applicable, model, estimate.apply(model), now, reservationId, call);
        if (first.outcome != Outcome.BLOCK) {
            return first.decision(model);
        }
        boolean onlyDegradeRefused =
                first.refused.stream().allMatch(r -> r.policy().mode() == BudgetPolicy.Mode.DEGRADE);
        if (onlyDegradeRefused && first.estimate != null) {
            for (String cheaper : cheaperModels.apply(model)) {
                Attempt next = attempt(
                        applicable,
                        cheaper,
                        estimate.apply(cheaper),
                        now,
                        reservationId,
                        call == null ? null : call.withModel(cheaper));
                if (next.outcome != Outcome.BLOCK) {
                    return next.outcome == Outcome.ALLOW
                            ? next.decision(cheaper).degraded()
                            : next.decision(cheaper);
                }
            }
        }
        if (onlyDegradeRefused) {
            noticeDegradeRefusals(first, now); // refused by a block budget too: its notice tells the refusal
        }
        return first.decision(model);
    }

    /**
     * A degrade budget whose call is refused all the same (no cheaper model it may degrade to fits) tells it as a block
     * budget does ({@link #noticeFirstRefusal}): its team's calls fail with 429 as well.
     */
    private void noticeDegradeRefusals(Attempt refused, Instant now) {
        for (Result result : refused.results()) {
            for (Reservation r : result.binding) {
                if (r.policy().mode() == BudgetPolicy.Mode.DEGRADE) {
                    try {
                        noticeFirstRefusal(r, result.state, refused.estimate(), now);
                    } catch (RuntimeException e) {
                        // the call is refused all the same; the notice waits for the next refusal
                    }
                }
            }
        }
    }

    /**
     * A random (version 4) id from ThreadLocalRandom: UUID.randomUUID draws on one SecureRandom behind a lock, which
     * every concurrent call queued on; the id only has to be unique, not unguessable.
     */
    private static String newReservationId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(
                        (random.nextLong() & ~0xF000L) | 0x4000L,
                        (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L)
                .toString();
    }

    /**
     * A call no budget applies to, on an in-process store (the local gateway): its journal entry is written all the
     * same, holding nothing, and made durable before the call goes out, so that a call killed in flight has its record
     * written at the next start ({@link #sweep}: recorded, nothing charged). Its settlement ends the entry as any
     * call's does. A journal that cannot be written does not stop the call: no budget applies to it.
     */
    private BudgetDecision journaledOnly(ReservationJournal.Call call, String model, Instant now) {
        String id = newReservationId();
        try {
            journal.open(new ReservationJournal.OpenReservation(
                    id, List.of(), BigDecimal.ZERO, now.plus(reservationTtl), true, call));
            journal.confirm(id);
        } catch (RuntimeException e) {
            removeQuietly(id);
            return new BudgetDecision(Outcome.ALLOW, model, BigDecimal.ZERO, List.of(), null, false, null);
        }
        return new BudgetDecision(Outcome.ALLOW, model, BigDecimal.ZERO, List.of(), null, false, id, null, true);
    }

    /**
     * Settles every reservation of an admitted call at its actual cost (null when the model is unpriced: then the
     * reservation, a worst case, is kept as spend), sends threshold alerts, and returns the tightest remaining of the
     * enforced (block, degrade) budgets (empty when none applies: alert budgets never refuse a call).
     *
     * @throws BudgetWriteNotDurableException when the ledger counted the settlement but could not journal it yet (a
     *     full disk): the call's journal entry is ended all the same, as the spend is in the counters
     * @throws BudgetStoreException when the ledger failed otherwise
     */
    public Optional<BigDecimal> settle(BudgetDecision decision, BigDecimal actualCost) {
        return settle(decision, actualCost, null);
    }

    /**
     * As {@link #settle(BudgetDecision, BigDecimal)} for a call whose usage record is not durable yet (in memory until
     * the usage log hands it to the store or the spool): the journal entry is {@link ReservationJournal#markSettled
     * marked settled} instead of ended, so a process that dies before the record is saved leaves the sweeper what it
     * needs to write the record, and the sweeper then charges nothing (the settlement is in the ledger). Once the entry
     * is marked, {@code untilRecorded} gets the task that ends it, to run when the record is durable. Same round trips
     * before the ledger as {@code settle}; the entry's end is one more write, after the record.
     */
    public Optional<BigDecimal> settle(
            BudgetDecision decision, BigDecimal actualCost, Consumer<Runnable> untilRecorded) {
        BigDecimal tightest = null;
        Instant now = clock.instant();
        // When the sweeper already ended this call's entry (it ran past the TTL): it charged the worst case of a call
        // it could name (then nothing is added: the worst case stays, never counted twice), else released it (then
        // only the spend is added).
        String id = decision.reservationId();
        boolean owned = id == null || (untilRecorded == null ? journal.take(id) : journal.markSettled(id));
        if (owned && id != null && untilRecorded != null) {
            untilRecorded.accept(() -> endSettledQuietly(id));
        }
        if (!owned && decision.chargedIfOrphaned()) {
            return Optional.empty();
        }
        // once per item: budgets on the same scope value and period share theirs (shareItems)
        Map<String, Integer> itemIndex = new LinkedHashMap<>();
        List<BudgetLedger.Settlement> settlements =
                new ArrayList<>(decision.reservations().size());
        for (Reservation r : decision.reservations()) {
            Integer known = itemIndex.putIfAbsent(r.itemKey(), settlements.size());
            BudgetLedger.Settlement s = new BudgetLedger.Settlement(
                    r.itemKey(),
                    owned ? r.reserved() : BigDecimal.ZERO,
                    actualCost != null ? actualCost : r.reserved());
            if (known == null) {
                settlements.add(s);
            } else if (s.reserved().compareTo(settlements.get(known).reserved()) > 0) {
                settlements.set(known, s); // an alert budget not held beside a held one: the item holds the worst case
            }
        }
        List<BudgetState> states;
        try {
            // one write for all of the call's items where the store can (the local ledger's journal entry)
            states = ledger.settleAll(decision.reservationId(), settlements);
        } catch (BudgetWriteNotDurableException e) {
            // Counted, its journal write pending (a full disk): the entry ends as for any settlement, or it would be
            // written as open at every flush and, once the ledger's journal no longer names it, charged again.
            if (owned && decision.reservationId() != null) {
                journal.settled(decision.reservationId());
            }
            throw e;
        } catch (RuntimeException e) {
            // The call already ran: its usage record keeps the cost; the ledger misses it until reconciled.
            throw new BudgetStoreException("could not settle the call's budget items", e);
        }
        if (owned && decision.reservationId() != null) {
            journal.settled(decision.reservationId());
        }
        for (Reservation r : decision.reservations()) {
            BudgetState state = states.get(itemIndex.get(r.itemKey()));
            if (r.policy().mode() != BudgetPolicy.Mode.ALERT) {
                // Of the budgets that can refuse a call, as the reservation's figure (remainingAfter, which the
                // deployed carrier sends): an alert budget never refuses. For a sharded budget: this shard's
                // remaining times the shards, an estimate of the whole.
                BigDecimal remaining = state.remaining(r.policy().shardLimit())
                        .multiply(BigDecimal.valueOf(r.policy().shards()));
                tightest = tightest == null || remaining.compareTo(tightest) < 0 ? remaining : tightest;
            }
            try {
                alertIfCrossed(r, state, now);
            } catch (RuntimeException e) {
                // settled all the same (the caller must not count it unsettled); the other budgets are still judged,
                // and this one's alert waits for the next settlement or refusal
            }
        }
        return Optional.ofNullable(tightest);
    }

    /**
     * Adds {@code cost} as spend to each of {@code items}, with nothing reserved for it (a batch's results, fetched
     * after the batch ran), at most once per {@code chargeId} on each item where the ledger can tell (DynamoDB); sends
     * the thresholds' alerts. Returns the item keys not charged: charge them again with the same id before counting
     * the cost as done, so that a retry after a failure, or after a crash in between, adds it once.
     *
     * <p>Each of {@code items} names the first item of its budget in the period charged ({@code shardKey(value, at,
     * 0)}). A sharded budget takes the cost on all of its shards, each in proportion to its headroom (its share of the
     * limit less what it holds), the excess over their headroom evenly: no shard holds more than its share while the
     * budget has room, so the shards together still admit no more than the limit. Budgets sharing an item (the same
     * scope value and period) count on the items of the fewest shards among them, as a call does. Alerts judge the
     * budget's whole spend against its whole limit, in the period of the items charged (a batch fetched days after it
     * ended alerts for the day it ended).
     */
    public List<String> chargeOnce(String chargeId, List<Reservation> items, BigDecimal cost) {
        Map<String, Integer> fewest = new LinkedHashMap<>();
        for (Reservation r : items) {
            fewest.merge(firstItem(r.itemKey()), r.policy().shards(), Math::min);
        }
        // once per item: budgets on the same scope value and period share theirs
        List<BudgetLedger.Settlement> settlements = new ArrayList<>();
        Map<String, List<String>> shardsOf = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : fewest.entrySet()) {
            String first = e.getKey();
            int count = e.getValue();
            List<String> keys = new ArrayList<>(count);
            for (int shard = 0; shard < count; shard++) {
                keys.add(shard == 0 ? first : first + SHARD_SUFFIX + shard);
            }
            shardsOf.put(first, keys);
            BigDecimal share = null;
            for (Reservation r : items) {
                if (firstItem(r.itemKey()).equals(first)) {
                    BigDecimal own = r.policy().sharingItems(count).shardLimit();
                    share = share == null ? own : share.min(own);
                }
            }
            List<BigDecimal> parts = count == 1 ? List.of(cost) : spread(cost, share, committed(keys));
            for (int shard = 0; shard < count; shard++) {
                if (shard == 0 || parts.get(shard).signum() != 0) {
                    settlements.add(new BudgetLedger.Settlement(keys.get(shard), BigDecimal.ZERO, parts.get(shard)));
                }
            }
        }
        if (fewest.values().stream().anyMatch(count -> count > 1)) {
            settlements = planned(chargeId, settlements); // a budget's shards: each takes what the first try gave it
        }
        List<String> failed = ledger.chargeEachOnce(chargeId, settlements);
        Instant now = clock.instant();
        Map<String, Optional<BudgetState>> states = new HashMap<>();
        for (Reservation r : items) {
            String first = firstItem(r.itemKey());
            List<String> keys = shardsOf.get(first);
            if (keys.stream().anyMatch(failed::contains)) {
                continue; // its alert is judged when the retry charges the rest
            }
            try {
                Optional<BudgetState> state = states.get(first);
                if (state == null) {
                    state = wholeState(keys);
                    states.put(first, state);
                }
                Reservation whole =
                        new Reservation(r.policy().sharingItems(keys.size()), r.scopeValue(), first, BigDecimal.ZERO);
                state.ifPresent(s -> alertIfCrossed(whole, s, true, now, CHARGED_PERIODS_BACK));
            } catch (RuntimeException e) {
                // the spend is counted; its alert waits for the item's next settlement
            }
        }
        return failed;
    }

    private static final String SHARD_SUFFIX = "#shard-";

    /**
     * {@code settlements} with each item's amount as the charge's first try planned it ({@link BudgetLedger#planOnce});
     * an item the kept plan does not name (a budget added since) takes its share as worked out now.
     */
    private List<BudgetLedger.Settlement> planned(String chargeId, List<BudgetLedger.Settlement> settlements) {
        Map<String, BigDecimal> kept = new HashMap<>();
        for (BudgetLedger.Settlement s : ledger.planOnce(chargeId, settlements)) {
            kept.put(s.itemKey(), s.actual());
        }
        List<BudgetLedger.Settlement> out = new ArrayList<>(settlements.size());
        for (BudgetLedger.Settlement s : settlements) {
            BigDecimal amount = kept.get(s.itemKey());
            out.add(amount == null ? s : new BudgetLedger.Settlement(s.itemKey(), s.reserved(), amount));
        }
        return out;
    }

    /**
     * How many periods back a charge's items may be: a batch's results are charged to the period it ended in, and
     * fetched when the client asks (a daily budget's batch fetched up to about a year later still alerts).
     */
    private static final int CHARGED_PERIODS_BACK = 400;

    /** The first item of the budget {@code itemKey} belongs to (shard 0's, named without a shard). */
    private static String firstItem(String itemKey) {
        int shard = itemKey.lastIndexOf(SHARD_SUFFIX);
        return shard < 0 ? itemKey : itemKey.substring(0, shard);
    }

    private List<BigDecimal> committed(List<String> keys) {
        List<BigDecimal> out = new ArrayList<>(keys.size());
        for (String key : keys) {
            out.add(ledger.state(key).map(BudgetState::committed).orElse(BigDecimal.ZERO));
        }
        return out;
    }

    /** The shards' states summed; empty when none holds anything. */
    private Optional<BudgetState> wholeState(List<String> keys) {
        BudgetState sum = null;
        for (String key : keys) {
            Optional<BudgetState> state = ledger.state(key);
            if (state.isPresent()) {
                BudgetState s = state.get();
                sum = sum == null
                        ? s
                        : new BudgetState(
                                sum.spent().add(s.spent()),
                                sum.reserved().add(s.reserved()),
                                sum.committed().add(s.committed()));
            }
        }
        return Optional.ofNullable(sum);
    }

    /**
     * {@code cost} split over shards each allowed {@code share} and holding {@code committed}: in proportion to each
     * one's headroom, up to it, the rest evenly; exact to the cent's billionth (the rounding left on the roomiest).
     */
    static List<BigDecimal> spread(BigDecimal cost, BigDecimal share, List<BigDecimal> committed) {
        int n = committed.size();
        List<BigDecimal> headroom = new ArrayList<>(n);
        BigDecimal room = BigDecimal.ZERO;
        int roomiest = 0;
        for (int i = 0; i < n; i++) {
            BigDecimal h = share.subtract(committed.get(i)).max(BigDecimal.ZERO);
            headroom.add(h);
            room = room.add(h);
            if (h.compareTo(headroom.get(roomiest)) > 0) {
                roomiest = i;
            }
        }
        List<BigDecimal> parts = new ArrayList<>(n);
        if (cost.signum() == 0) {
            return Collections.nCopies(n, BigDecimal.ZERO);
        }
        if (room.compareTo(cost) >= 0) {
            for (int i = 0; i < n; i++) {
                parts.add(cost.multiply(headroom.get(i)).divide(room, 9, java.math.RoundingMode.DOWN));
            }
        } else {
            BigDecimal excess = cost.subtract(room).divide(BigDecimal.valueOf(n), 9, java.math.RoundingMode.DOWN);
            for (int i = 0; i < n; i++) {
                parts.add(headroom.get(i).add(excess));
            }
        }
        BigDecimal left = cost;
        for (BigDecimal part : parts) {
            left = left.subtract(part);
        }
        parts.set(roomiest, parts.get(roomiest).add(left));
        return parts;
    }

    /**
     * Ends the reservations of calls that never settled, with no usage record written for the ones it charges; see
     * {@link #sweep(int, Consumer)}. Returns how many entries it charged or released.
     */
    public int sweep(int max) {
        Swept swept = sweep(max, open -> {});
        return swept.charged() + swept.released();
    }

    /**
     * Ends the reservations of calls that never settled (the gateway crashed or timed out mid-call) once their TTL
     * has passed. The rule, per expired entry:
     *
     * <ul>
     *   <li>confirmed and naming its call: <b>charged</b>. The call may have been answered and billed, so its worst
     *       case moves from reserved to spent on every item ({@link BudgetLedger#settle} at the worst case) and the
     *       budget never admits that money again. {@code recordFirst} gets the entry <em>before</em> it is ended and
     *       must make the call's usage record durable (or throw: the entry stays for the next sweep). A crash after the
     *       record and before the entry is ended writes the record again at the next sweep: readers drop the repeated
     *       request id.
     *   <li>confirmed and naming no call (a provider batch's admission, whose results are charged when recorded; an
     *       entry from an earlier version): <b>released</b>.
     *   <li>unconfirmed (the reservations may never have been made): removed; nothing is charged or released, so
     *       what may be reserved stays reserved (less budget, never more).
     *   <li>marked settled ({@link #settle(BudgetDecision, BigDecimal, Consumer)}: the call settled, then its process
     *       died before the usage record was saved): {@code recordFirst} gets it, then it is ended; nothing is
     *       charged, the settlement being in the ledger already.
     * </ul>
     *
     * Safe to run from several instances at once: each entry is ended by the one that removes it (both may write the
     * record, which readers then see once).
     */
    public Swept sweep(int max, Consumer<ReservationJournal.OpenReservation> recordFirst) {
        return sweep(clock.instant(), max, recordFirst);
    }

    /**
     * As {@link #sweep(int, Consumer)} for every entry in the journal, expired or not: for a gateway whose journal is
     * its own (the local one) at start, before any call of its own, when each entry left belongs to a call that died
     * with the previous process. Loops until the journal holds only entries kept for their record.
     */
    public Swept sweepAll(Consumer<ReservationJournal.OpenReservation> recordFirst) {
        Swept total = new Swept(0, 0, 0, BigDecimal.ZERO);
        while (true) {
            Swept pass = sweep(Instant.MAX, 100, recordFirst);
            total = new Swept(
                    total.charged() + pass.charged(),
                    total.released() + pass.released(),
                    pass.kept(),
                    total.failed() + pass.failed(),
                    total.chargedUsd().add(pass.chargedUsd()),
                    total.recorded() + pass.recorded());
            if (pass.charged() + pass.released() + pass.recorded() == 0) {
                return total;
            }
        }
    }

    private Swept sweep(Instant orphanedBefore, int max, Consumer<ReservationJournal.OpenReservation> recordFirst) {
        Objects.requireNonNull(recordFirst, "recordFirst");
        int charged = 0;
        int released = 0;
        int kept = 0;
        int failed = 0;
        int recorded = 0;
        BigDecimal chargedUsd = BigDecimal.ZERO;
        for (ReservationJournal.OpenReservation open : journal.expired(orphanedBefore, max)) {
            // each entry on its own: a store error on one (its record, its removal, an item's charge) is counted and
            // the sweep carries on; what it left is retried at the next sweep
            try {
                if (open.settled()) {
                    // Its call settled (the ledger holds its cost) and the process died before its usage record was
                    // saved: the record is written (the worst-case estimate: the entry holds nothing better), nothing
                    // is charged. A record that was saved after all is one record to readers, which keep the call's.
                    if (open.call() != null) {
                        try {
                            recordFirst.accept(open);
                        } catch (RuntimeException e) {
                            kept++;
                            continue;
                        }
                    }
                    if (journal.endSettled(open.id()) && open.call() != null) {
                        recorded++;
                    }
                    continue;
                }
                if (!open.confirmed()) {
                    journal.remove(open.id());
                    continue;
                }
                if (open.call() == null) {
                    if (journal.remove(open.id())) {
                        for (String item : open.itemKeys()) {
                            ledger.release(item, open.amount());
                        }
                        released++;
                    }
                    continue;
                }
                boolean rest = open.id().endsWith(REST_SUFFIX);
                if (!rest && open.itemKeys().isEmpty() && open.amount().signum() == 0) {
                    // a call no budget applied to, journaled for its record alone: recorded, nothing to charge
                    try {
                        recordFirst.accept(open);
                    } catch (RuntimeException e) {
                        kept++;
                        continue;
                    }
                    if (journal.remove(open.id())) {
                        recorded++;
                    }
                    continue;
                }
                if (!rest) {
                    try {
                        recordFirst.accept(open);
                    } catch (RuntimeException e) {
                        kept++; // no durable record yet: the entry, and its reservation, wait for the next sweep
                        continue;
                    }
                }
                if (journal.remove(open.id())) {
                    String chargeId =
                            rest ? open.id().substring(0, open.id().length() - REST_SUFFIX.length()) : open.id();
                    // The worst case once per item. An entry of an earlier version names an item once per budget
                    // sharing it (each reserved it there): all of those reservations end, the cost counts once.
                    Map<String, Integer> times = new LinkedHashMap<>();
                    for (String item : open.itemKeys()) {
                        times.merge(item, 1, Integer::sum);
                    }
                    List<BudgetLedger.Settlement> worstCase = new ArrayList<>(times.size());
                    times.forEach((item, n) -> worstCase.add(new BudgetLedger.Settlement(
                            item, open.amount().multiply(BigDecimal.valueOf(n)), open.amount())));
                    if (!rest) {
                        charged++;
                        chargedUsd = chargedUsd.add(open.amount());
                    }
                    // each item on its own and at most once per entry (the local ledger: one write naming the entry)
                    List<String> failedItems = ledger.chargeEachOnce(chargeId, worstCase);
                    alertCharged(open, failedItems);
                    if (!failedItems.isEmpty()) {
                        // the items not charged go back into the journal, already expired, under the entry's id
                        // marked as the rest of a charge whose record is written: the next sweep charges them only
                        List<String> left = new ArrayList<>();
                        for (String item : failedItems) {
                            left.addAll(Collections.nCopies(times.getOrDefault(item, 1), item));
                        }
                        journal.open(new ReservationJournal.OpenReservation(
                                chargeId + REST_SUFFIX, left, open.amount(), open.expiresAt(), true, open.call()));
                        failed++; // (if that write fails too, the catch below counts it once)
                    }
                }
            } catch (RuntimeException e) {
                failed++;
            }
        }
        return new Swept(charged, released, kept, failed, chargedUsd, recorded);
    }

    /** Ends an entry kept for its call's record, now durable; an entry left is ended by the sweeper (record again). */
    private void endSettledQuietly(String reservationId) {
        try {
            journal.endSettled(reservationId);
        } catch (RuntimeException e) {
            // the sweeper finds it settled: it writes the record again (readers keep one) and charges nothing
        }
    }

    /** The limit an alert budget's item holds a call's worst case under: any amount fits (alerts never refuse). */
    private static final BigDecimal UNBOUNDED = BigDecimal.TEN.pow(24);

    /**
     * Sends the threshold alerts a sweeper's charge crossed, as a settlement would: the call will never settle, and a
     * budget it filled may admit no later call whose settlement would send them. Each charged item is matched to the
     * budget it belongs to through the call's attribution; an item whose budget is gone, or whose period is over,
     * sends nothing.
     */
    private void alertCharged(ReservationJournal.OpenReservation open, List<String> failedItems) {
        Instant now = clock.instant();
        try {
            List<BudgetPolicy> inForce = new ArrayList<>();
            for (BudgetPolicy stored : policies.list()) {
                inForce.add(stored.inForceAt(now));
            }
            for (String item : open.itemKeys()) {
                if (failedItems.contains(item)) {
                    continue;
                }
                // every budget counting on the item: budgets on the same scope value and period share it, on the
                // items of the fewest shards among them (shareItems), and judge it as the call was reserved
                List<Reservation> counting = new ArrayList<>(1);
                int fewest = Integer.MAX_VALUE;
                for (BudgetPolicy policy : inForce) {
                    String value = policy.scope()
                            .matchValue(open.call().attribution(), open.call().keyId());
                    if (value != null
                            && item.startsWith("budget#" + policy.scope().type().label() + ":" + value + "#"
                                    + policy.period().label() + "#")) {
                        counting.add(new Reservation(policy, value, item, BigDecimal.ZERO));
                        fewest = Math.min(fewest, policy.shards());
                    }
                }
                for (Reservation r : counting) {
                    Reservation shared =
                            new Reservation(r.policy().sharingItems(fewest), r.scopeValue(), item, BigDecimal.ZERO);
                    ledger.state(item).ifPresent(state -> alertIfCrossed(shared, state, now));
                }
            }
        } catch (RuntimeException e) {
            // the spend is counted; its alert waits for the item's next settlement
        }
    }

    /**
     * The id suffix of a journal entry holding the items of a sweeper's charge that failed: its call's record is
     * already written and its worst case counted, so the next sweep only charges the items (once each, by the
     * original entry's id).
     */
    public static final String REST_SUFFIX = "~rest";

    /**
     * The id suffix of a journal entry holding the items of a refused call whose release failed: no call, so the
     * sweeper releases them (under its own id, so the call's next attempt, which reuses the call's id, leaves it).
     */
    static final String UNRELEASED_SUFFIX = "~unreleased";

    /**
     * What a sweep did: entries charged at their worst case, released, kept because their usage record could not be
     * written yet, and failed because the store refused a write (the entry, or the items of its charge that failed,
     * wait for the next sweep); {@code chargedUsd} is the sum of the worst cases charged (once per call, whatever the
     * number of budget items each was charged on); {@code recorded} counts the entries of calls that settled but
     * died before their usage record was saved ({@link ReservationJournal#markSettled}): their record written, nothing
     * charged.
     */
    public record Swept(int charged, int released, int kept, int failed, BigDecimal chargedUsd, int recorded) {
        public Swept {
            Objects.requireNonNull(chargedUsd, "chargedUsd");
        }

        /** A sweep that found no settled call's entry ({@code recorded}: entries whose record it wrote, uncharged). */
        public Swept(int charged, int released, int kept, int failed, BigDecimal chargedUsd) {
            this(charged, released, kept, failed, chargedUsd, 0);
        }

        /** A sweep in which no write failed. */
        public Swept(int charged, int released, int kept, BigDecimal chargedUsd) {
            this(charged, released, kept, 0, chargedUsd);
        }

        /** A sweep that charged nothing of note (its amount unknown): zero. */
        public Swept(int charged, int released, int kept) {
            this(charged, released, kept, 0, BigDecimal.ZERO);
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private Attempt attempt(
            List<Reservation> applicable,
            String model,
            Optional<BigDecimal> estimate,
            Instant now,
            String id,
            ReservationJournal.Call call) {
        // loops rather than streams: this runs on every call's path
        List<Reservation> enforced = new ArrayList<>(applicable.size());
        for (Reservation r : applicable) {
            if (r.policy().mode() != BudgetPolicy.Mode.ALERT) {
                enforced.add(r);
            }
        }
        // A forwarded call's worst case is also held on its alert budgets' items (never refused there), so that when
        // the call never settles (kill -9 mid-call) the sweeper charges it and has its record written, as for a
        // block budget. Admission-only reservations (no call) leave alert budgets alone: their results are charged.
        boolean holdAlerts = call != null && estimate.isPresent() && enforced.size() < applicable.size();
        if (enforced.isEmpty() && !holdAlerts) {
            return Attempt.allowed(applicable, estimate.orElse(BigDecimal.ZERO), false);
        }
        if (estimate.isEmpty()) {
            Reservation first = enforced.get(0);
            return Attempt.blocked(
                    List.of(first),
                    null,
                    refusal(
                            first,
                            BudgetState.EMPTY,
                            now,
                            "model '" + model + "' has no price in the catalog, or the call's worst case on it is"
                                    + " unknown (input stored at the provider on a model of unknown context window),"
                                    + " so a budget cannot bound its cost"));
        }
        BigDecimal amount = estimate.get();
        List<Reservation> held = holdAlerts ? applicable : enforced;
        // One reservation per item, for every budget counting on it (budgets on the same scope value and period share
        // their items: shareItems). A sharded budget starts on a random shard; the journal names it, and is corrected
        // if the call borrows.
        Map<String, List<Reservation>> byItem = new LinkedHashMap<>();
        for (Reservation r : held) {
            byItem.computeIfAbsent(r.itemKey(), k -> new ArrayList<>(1)).add(r);
        }
        List<List<Reservation>> firstChoice = new ArrayList<>(byItem.size());
        List<String> firstKeys = new ArrayList<>(byItem.size());
        for (List<Reservation> members : byItem.values()) {
            Reservation lead = members.get(0);
            int shards = lead.policy().shards();
            String key = shards == 1
                    ? lead.itemKey()
                    : lead.policy()
                            .shardKey(
                                    lead.scopeValue(),
                                    now,
                                    ThreadLocalRandom.current().nextInt(shards));
            firstChoice.add(onItem(members, key));
            firstKeys.add(key);
        }
        // A remote store writes the journal entry at the same time as the reservations (one round trip before the
        // call goes out, not two). Such an entry is unconfirmed until the reservations are known to stand: the sweeper
        // releases only confirmed entries, so an entry whose reservation never happened cannot give budget back.
        boolean parallel = executor != null;
        ReservationJournal.OpenReservation entry = new ReservationJournal.OpenReservation(
                id, firstKeys, amount, now.plus(reservationTtl), !parallel, call);
        CompletableFuture<Void> journaled = null;
        if (parallel) {
            journaled = CompletableFuture.runAsync(() -> journal.open(entry), executor);
        } else {
            try {
                journal.open(entry);
            } catch (RuntimeException e) {
                return journalFailed(enforced, applicable, amount);
            }
        }
        List<Result> results = new ArrayList<>(firstChoice.size());
        if (executor == null) {
            // An in-process ledger answers in microseconds: a hand-off to another thread would cost more than it saves.
            for (List<Reservation> members : firstChoice) {
                results.add(tryReserve(members, amount, now));
            }
        } else {
            List<CompletableFuture<Result>> futures = new ArrayList<>();
            for (List<Reservation> members : firstChoice) {
                futures.add(CompletableFuture.supplyAsync(() -> tryReserve(members, amount, now), executor));
            }
            futures.forEach(f -> results.add(f.join()));
        }
        if (journaled != null) {
            try {
                journaled.join();
            } catch (RuntimeException e) {
                // no entry to find them by: give back what was taken, then decide as for a journal that failed first
                for (Result result : results) {
                    if (result.granted) {
                        releaseQuietly(withAmount(result.members.get(0), amount));
                    }
                }
                return journalFailed(enforced, applicable, amount);
            }
        }

        List<Reservation> taken = new ArrayList<>();
        List<Reservation> alertsNotHeld = new ArrayList<>(0);
        List<Result> refused = new ArrayList<>();
        boolean storeErrorClosed = false;
        boolean unenforced = false;
        for (Result result : results) {
            if (result.error != null && result.alertsOnly()) {
                alertsNotHeld.addAll(result.members); // not enforced: the call goes ahead, its spend added at settle
            } else if (result.error != null) {
                if (result.failsClosed()) {
                    storeErrorClosed = true;
                } else {
                    unenforced = true;
                    taken.addAll(result.members);
                }
            } else if (result.granted) {
                for (Reservation m : result.members) {
                    taken.add(withAmount(m, amount));
                }
            } else {
                refused.add(result);
            }
        }
        if (storeErrorClosed || !refused.isEmpty()) {
            releaseOrLeaveToSweeper(id, taken, amount, now);
            if (storeErrorClosed) {
                return Attempt.storeError(amount);
            }
            for (Result result : refused) {
                alertOnRefusal(result, amount, now);
            }
            Result tightest = refused.stream()
                    .min(Comparator.comparing(
                            r -> r.state.remaining(r.binding.get(0).policy().limitUsd())))
                    .orElseThrow();
            // every refusing budget is carried with its period end: waiting for the tightest one's is not enough
            List<Refusal> others = new ArrayList<>(refused.size() - 1);
            for (Result result : refused) {
                if (result != tightest) {
                    others.add(refusal(result.binding.get(0), result.state, now, "budget exceeded"));
                }
            }
            return Attempt.blocked(
                    refused.stream().flatMap(r -> r.binding.stream()).toList(),
                    amount,
                    refusal(tightest.binding.get(0), tightest.state, now, "budget exceeded")
                            .withAlsoRefusing(others),
                    refused);
        }
        boolean borrowed = false;
        for (Reservation t : taken) {
            borrowed |= !firstKeys.contains(t.itemKey());
        }
        if (unenforced || borrowed || !alertsNotHeld.isEmpty()) {
            // The journal must name exactly the items reserved: not ones whose store failed, and the shard a
            // sharded budget borrowed from rather than the one it tried first.
            List<String> reserved = taken.stream()
                    .filter(r -> r.reserved().signum() > 0)
                    .map(Reservation::itemKey)
                    .distinct()
                    .toList();
            try {
                journal.open(new ReservationJournal.OpenReservation(
                        id, reserved, amount, now.plus(reservationTtl), true, call));
            } catch (RuntimeException e) {
                // keeps the wider entry: the sweeper then over-releases at worst by what failed to reserve
            }
        }
        if (!parallel && call != null) {
            // In-process stores: the admitted call's entry is made durable before the call goes out (the local journal
            // appends it; see ReservationJournal.confirm), so a call killed in flight is charged at the next start.
            try {
                journal.confirm(id);
            } catch (RuntimeException e) {
                releaseOrLeaveToSweeper(id, taken, amount, now);
                return journalFailed(enforced, applicable, amount);
            }
        }
        if (parallel && !unenforced && !borrowed) {
            // off the call's path: the call goes out while the entry is marked
            executor.execute(() -> {
                try {
                    journal.confirm(id);
                } catch (RuntimeException e) {
                    // stays unconfirmed: after a crash the sweeper drops it without releasing (less budget, never more)
                }
            });
        }
        List<Reservation> all = new ArrayList<>(taken);
        if (holdAlerts) {
            all.addAll(alertsNotHeld);
        } else {
            for (Reservation r : applicable) {
                if (r.policy().mode() == BudgetPolicy.Mode.ALERT) {
                    all.add(r);
                }
            }
        }
        // As settle() reports it: for a sharded budget, the shard's remaining times the shards (of enforced budgets).
        BigDecimal remaining = null;
        for (Result result : results) {
            if (!result.granted) {
                continue;
            }
            for (Reservation m : result.members) {
                BudgetPolicy policy = m.policy();
                if (policy.mode() != BudgetPolicy.Mode.ALERT) {
                    BigDecimal left =
                            result.state.remaining(policy.shardLimit()).multiply(BigDecimal.valueOf(policy.shards()));
                    remaining = remaining == null || left.compareTo(remaining) < 0 ? left : remaining;
                }
            }
        }
        return new Attempt(Outcome.ALLOW, all, List.of(), amount, null, unenforced, id, remaining, call != null);
    }

    /** A journal that cannot be written: refuse under a fail-closed policy, else let the call go unenforced. */
    private static Attempt journalFailed(List<Reservation> enforced, List<Reservation> applicable, BigDecimal amount) {
        boolean closed =
                enforced.stream().anyMatch(r -> r.policy().onStoreError() == BudgetPolicy.OnStoreError.FAIL_CLOSED);
        if (closed) {
            return Attempt.storeError(amount);
        }
        return new Attempt(
                Outcome.ALLOW, new ArrayList<>(applicable), List.of(), amount, null, true, null, null, false);
    }

    private void removeQuietly(String id) {
        try {
            journal.remove(id);
        } catch (RuntimeException e) {
            // the sweeper will find the entry; releasing nothing reserved is harmless
        }
    }

    /**
     * Reserves on the item of one or more budgets (several when they share it: the same scope value and period) under
     * the smallest of their limits; on a sharded budget, on a random shard first and then on each other shard in turn
     * (borrowing its headroom), refused only when every shard refuses.
     */
    private Result tryReserve(List<Reservation> members, BigDecimal amount, Instant now) {
        Reservation lead = members.get(0);
        BudgetPolicy shape = lead.policy(); // budgets sharing an item count on the same shards
        int shards = shape.shards();
        int first = 0;
        while (first < shards - 1
                && !shape.shardKey(lead.scopeValue(), now, first).equals(lead.itemKey())) {
            first++;
        }
        BigDecimal spent = BigDecimal.ZERO;
        BigDecimal reserved = BigDecimal.ZERO;
        BigDecimal committed = BigDecimal.ZERO;
        List<Reservation> binding = new ArrayList<>(1);
        try {
            BigDecimal limit = UNBOUNDED;
            for (Reservation r : members) {
                BudgetPolicy policy = r.policy();
                if (policy.mode() == BudgetPolicy.Mode.ALERT) {
                    continue;
                }
                BigDecimal own = policy.countInForceUnknown()
                        ? shardLimits.limit(policy, r.scopeValue(), now)
                        : policy.shardLimit();
                int c = own.compareTo(limit);
                if (c < 0 || binding.isEmpty()) {
                    limit = own;
                    binding.clear();
                    binding.add(r);
                } else if (c == 0) {
                    binding.add(r);
                }
            }
            for (int i = 0; i < shards; i++) {
                String key = shape.shardKey(lead.scopeValue(), now, (first + i) % shards);
                ReserveResult result = ledger.reserve(key, limit, amount);
                if (result.granted()) {
                    return new Result(onItem(members, key), binding, true, result.state(), null);
                }
                spent = spent.add(result.state().spent());
                reserved = reserved.add(result.state().reserved());
                committed = committed.add(result.state().committed());
            }
            return new Result(members, binding, false, new BudgetState(spent, reserved, committed), null);
        } catch (RuntimeException e) {
            return new Result(members, binding, false, BudgetState.EMPTY, e);
        }
    }

    /** The same reservations on {@code itemKey}. */
    private static List<Reservation> onItem(List<Reservation> members, String itemKey) {
        if (members.size() == 1) {
            Reservation r = members.get(0);
            return r.itemKey().equals(itemKey)
                    ? members
                    : List.of(new Reservation(r.policy(), r.scopeValue(), itemKey, r.reserved()));
        }
        List<Reservation> out = new ArrayList<>(members.size());
        for (Reservation r : members) {
            out.add(new Reservation(r.policy(), r.scopeValue(), itemKey, r.reserved()));
        }
        return out;
    }

    /**
     * Budgets on the same scope value and period ({@code feature:*} and {@code feature:chatbot}) name the same ledger
     * items (their names are stored state: {@link BudgetPolicy#itemKey}), so they count the same spend: each of them
     * gets its reservation on the same item, to be reserved, settled and charged once for all of them, under the
     * smallest of their limits. When their shard counts differ they share the items of the fewest
     * ({@link BudgetPolicy#sharingItems}).
     */
    private static List<Reservation> shareItems(List<Reservation> applicable, Instant now) {
        if (applicable.size() < 2) {
            return applicable;
        }
        Map<String, Integer> fewest = new HashMap<>();
        for (Reservation r : applicable) {
            fewest.merge(r.policy().itemKey(r.scopeValue(), now), r.policy().shards(), Math::min);
        }
        if (fewest.size() == applicable.size()) {
            return applicable; // nothing shared: the usual case
        }
        Map<String, String> chosen = new HashMap<>();
        List<Reservation> out = new ArrayList<>(applicable.size());
        for (Reservation r : applicable) {
            String item = r.policy().itemKey(r.scopeValue(), now);
            int count = fewest.get(item);
            BudgetPolicy policy = r.policy().sharingItems(count);
            String key = chosen.computeIfAbsent(
                    item,
                    k -> count == 1
                            ? k
                            : policy.shardKey(
                                    r.scopeValue(),
                                    now,
                                    ThreadLocalRandom.current().nextInt(count)));
            out.add(new Reservation(policy, r.scopeValue(), key, r.reserved()));
        }
        return out;
    }

    /**
     * Gives back the reservations of a call that will not run and ends its journal entry. The items whose release
     * certainly was not applied stay in the journal under their own entry, without a call, already confirmed: the
     * sweeper releases them once it expires, instead of the amounts staying reserved until the period ends. A release
     * whose outcome is unknown is not done again (it may have been applied): that amount stays reserved.
     */
    private void releaseOrLeaveToSweeper(String id, List<Reservation> taken, BigDecimal amount, Instant now) {
        List<String> unreleased = new ArrayList<>();
        Set<String> released = new java.util.HashSet<>();
        for (Reservation r : taken) {
            // once per item: budgets on the same scope value and period share theirs
            if (r.reserved().signum() > 0 && released.add(r.itemKey()) && releaseQuietly(r) == Release.NOT_APPLIED) {
                unreleased.add(r.itemKey());
            }
        }
        if (!unreleased.isEmpty()) {
            try {
                journal.open(new ReservationJournal.OpenReservation(
                        id + UNRELEASED_SUFFIX, unreleased, amount, now.plus(reservationTtl), true, null));
            } catch (RuntimeException e) {
                // the store is down: the amounts stay reserved (less budget, never more) until reconciled
            }
        }
        removeQuietly(id);
    }

    /** How a release ended; a failed one leaves an over-count, never an under-count. */
    private Release releaseQuietly(Reservation r) {
        try {
            ledger.release(r.itemKey(), r.reserved());
            return Release.DONE;
        } catch (BudgetWriteNotAppliedException e) {
            return Release.NOT_APPLIED;
        } catch (RuntimeException e) {
            return Release.UNKNOWN;
        }
    }

    private enum Release {
        DONE,
        NOT_APPLIED,
        UNKNOWN
    }

    /**
     * Sends the thresholds a refused item's spend has crossed, as a settlement would: a limit lowered below what is
     * spent refuses every call of a block budget, so no settlement would ever send the new limit's alerts. The
     * refusal's state is the whole budget's (every shard refused). Once per threshold and limit, as ever.
     */
    private void alertOnRefusal(Result refused, BigDecimal amount, Instant now) {
        try {
            for (Reservation r : refused.members) {
                alertIfCrossed(r, refused.state, true, now);
            }
        } catch (RuntimeException e) {
            // the call is refused all the same; the alert waits for the next refusal or settlement
        }
        for (Reservation r : refused.binding) {
            if (r.policy().mode() != BudgetPolicy.Mode.BLOCK) {
                continue; // a degrade budget degrades the call first: told only if refused at the end
            }
            try {
                noticeFirstRefusal(r, refused.state, amount, now);
            } catch (RuntimeException e) {
                // the call is refused all the same; the notice waits for the next refusal
            }
        }
    }

    /**
     * Sends a block budget's {@link RefusalNotice} at the first call it refuses in a period, once across instances (a
     * marker per budget, period and limit, as the thresholds' alerts): it can refuse before any threshold is crossed.
     * A degrade budget sends it only when the call is refused at the end ({@link #noticeDegradeRefusals}); no budget
     * sends it when its spend has reached an alert threshold of 100 % or more, whose alert tells the same
     * ({@link #overrunAlertReached}).
     */
    private void noticeFirstRefusal(Reservation r, BudgetState state, BigDecimal amount, Instant now) {
        BudgetPolicy policy = r.policy();
        String key = "refused#" + policy.itemKey(r.scopeValue(), now) + "#limit-"
                + policy.limitUsd().stripTrailingZeros().toPlainString() + "#policy-" + policy.id();
        if (askedMarker.contains(key)) {
            return;
        }
        Instant end = policy.period().end(now, policy.zone());
        Instant expires = end != null ? end.plus(1, ChronoUnit.DAYS) : now.plus(3650, ChronoUnit.DAYS);
        if (!marker.isMarked(key)) {
            boolean sharded = policy.shards() > 1;
            BigDecimal spent = sharded ? totalSpent(policy, r.scopeValue(), now) : state.spent();
            if (overrunAlertReached(policy, spent)) {
                marker.markOnce(key, expires); // an alert of 100 % or more, judged at this refusal, says so
            } else {
                sendOnce(
                        key,
                        expires,
                        null,
                        RefusalNotice.of(
                                policy,
                                r.scopeValue(),
                                policy.period().key(now, policy.zone()),
                                spent,
                                sharded ? null : state.reserved(),
                                amount,
                                end));
            }
        }
        if (askedMarker.size() > 100_000) {
            askedMarker.clear();
        }
        askedMarker.add(key);
    }

    /**
     * Whether {@code spent} has reached one of the policy's thresholds of 100 % or more, whose alert
     * ({@link #alertIfCrossed}) then tells its watchers the budget is spent. A threshold above the spend's percentage
     * (120 % of a limit lowered to 112.5 %) is never reached while the budget refuses, and a zero limit sends no alert:
     * the refusal notice is then the only word that calls are refused.
     */
    static boolean overrunAlertReached(BudgetPolicy policy, BigDecimal spent) {
        BigDecimal limit = policy.limitUsd();
        if (limit.signum() == 0) {
            return false;
        }
        BigDecimal hundredfold = spent.multiply(BigDecimal.valueOf(100));
        return policy.alertAt().stream()
                .anyMatch(t -> t >= 100 && hundredfold.compareTo(limit.multiply(BigDecimal.valueOf(t))) >= 0);
    }

    /**
     * Sends {@code alert} or {@code notice} when this is the first asking for {@code markerKey} across instances,
     * losing it at no kill: it is held first ({@link AlertSink#hold}: in the outbox, waiting on the marker), the marker
     * is then set with the held delivery as its owner, and the delivery sent, or dropped when another set the marker.
     * A process killed between any two steps leaves it held; the next start sends it when the marker is unset or its
     * own, else drops it ({@code HeldAlerts#settleLeftOver}).
     */
    private void sendOnce(String markerKey, Instant expiresAt, BudgetAlert alert, AlertSink.Notice notice) {
        AlertSink.Held held = alerts.hold(alert, notice, new AlertOutbox.Waiting(markerKey, expiresAt));
        if (marker.markOnce(markerKey, expiresAt, held.owner())) {
            held.send();
        } else {
            held.drop();
        }
    }

    private void alertIfCrossed(Reservation r, BudgetState state, Instant now) {
        alertIfCrossed(r, state, false, now);
    }

    private void alertIfCrossed(Reservation r, BudgetState state, boolean whole, Instant now) {
        alertIfCrossed(r, state, whole, now, 1);
    }

    /**
     * @param whole {@code state} is the whole budget's (its shards summed), not the item a call settled on
     * @param periodsBack how many periods before {@code now}'s the item may be in
     */
    private void alertIfCrossed(Reservation r, BudgetState state, boolean whole, Instant now, int periodsBack) {
        BudgetPolicy policy = r.policy();
        if (policy.limitUsd().signum() == 0) {
            return;
        }
        // A sharded budget is judged by the shard this call settled on: shards fill evenly, calls land at random.
        BigDecimal shardLimit = whole ? policy.limitUsd() : policy.shardLimit();
        if (shardLimit.signum() == 0) {
            return;
        }
        BigDecimal percent = state.spent().multiply(BigDecimal.valueOf(100)).divide(shardLimit, MathContext.DECIMAL64);
        String itemKey = null; // worked out only once a threshold is crossed: most settlements cross none
        Instant at = null;
        for (int threshold : policy.alertAt()) {
            if (percent.compareTo(BigDecimal.valueOf(threshold)) < 0) {
                continue;
            }
            if (itemKey == null) {
                // the period of the item the call settled on: a call reserved before midnight settles on its own day
                at = inPeriodOf(r, now, periodsBack);
                if (at == null) {
                    return;
                }
                itemKey = policy.itemKey(r.scopeValue(), at);
            }
            // Once per budget and threshold of each limit: raised (or lowered), the budget alerts again at the new
            // limit's thresholds; two budgets sharing the item (feature:* and feature:chatbot) alert each.
            String unnamed = "alert#" + itemKey + "#" + threshold + "#limit-"
                    + policy.limitUsd().stripTrailingZeros().toPlainString();
            String key = unnamed + "#policy-" + policy.id();
            // The shared marker decides which instance alerts; this instance asks it once per threshold and period.
            if (askedMarker.contains(key)) {
                continue;
            }
            if (!stillInForce(policy)) {
                return; // deleted or changed while the call ran: the call's spend is counted, the alert is not due
            }
            Instant end = policy.period().end(at, policy.zone());
            // (a period long over, charged late: the marker still outlives the alert's sending)
            Instant expires = end != null
                    ? (end.isAfter(now) ? end : now).plus(1, ChronoUnit.DAYS)
                    : now.plus(3650, ChronoUnit.DAYS);
            // set already (by another instance, or by a version whose markers did not name the budget, before
            // 2026-12-06: not again at upgrade): nothing to hold
            if (!marker.isMarked(key) && !marker.isMarked(unnamed)) {
                sendOnce(
                        key,
                        expires,
                        new BudgetAlert(
                                policy.id(),
                                r.scopeValue(),
                                policy.period().key(at, policy.zone()),
                                threshold,
                                policy.limitUsd(),
                                policy.shards() == 1 || whole ? state.spent() : totalSpent(policy, r.scopeValue(), at),
                                policy.mode(),
                                now),
                        null);
            }
            if (askedMarker.size() > 100_000) {
                askedMarker.clear();
            }
            askedMarker.add(key);
        }
    }

    /**
     * Whether {@code policy}, as the call reserved under it, is still the stored one with the same limit: a budget
     * deleted, or whose limit changed, while the call ran sends no alert for it (the changed one alerts by its new
     * limit at the next settlement). A store that cannot answer leaves the alert due: better one alert too many.
     */
    private boolean stillInForce(BudgetPolicy policy) {
        try {
            return policies.find(policy.id())
                    .map(stored -> stored.limitUsd().compareTo(policy.limitUsd()) == 0)
                    .orElse(false);
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * An instant in the period of the item {@code r} settled on: {@code now}, or the last instant of one of the
     * {@code periodsBack} periods before (a call reserved before a period's end settles after it, on its own period's
     * item, not the new one's; a batch's results are charged to the period it ended in); null when it is none of them
     * (the policy changed under the call).
     */
    private static Instant inPeriodOf(Reservation r, Instant now, int periodsBack) {
        BudgetPolicy policy = r.policy();
        Instant at = now;
        for (int back = 0; ; back++) {
            if (holdsItem(policy, r, at)) {
                return at;
            }
            Instant start = policy.period().start(at, policy.zone());
            if (start == null || back == periodsBack) {
                return null;
            }
            at = start.minusMillis(1);
        }
    }

    private static boolean holdsItem(BudgetPolicy policy, Reservation r, Instant at) {
        String first = policy.itemKey(r.scopeValue(), at);
        return r.itemKey().equals(first) || r.itemKey().startsWith(first + "#shard-");
    }

    private BigDecimal totalSpent(BudgetPolicy policy, String scopeValue, Instant now) {
        BigDecimal total = BigDecimal.ZERO;
        for (int shard = 0; shard < policy.shards(); shard++) {
            total = total.add(ledger.state(policy.shardKey(scopeValue, now, shard))
                    .map(BudgetState::spent)
                    .orElse(BigDecimal.ZERO));
        }
        return total;
    }

    private static Reservation withAmount(Reservation r, BigDecimal amount) {
        return new Reservation(r.policy(), r.scopeValue(), r.itemKey(), amount);
    }

    private static Refusal refusal(Reservation r, BudgetState state, Instant now, String reason) {
        BudgetPolicy p = r.policy();
        return new Refusal(
                p,
                r.scopeValue(),
                p.period().key(now, p.zone()),
                state.spent(),
                p.period().end(now, p.zone()),
                reason);
    }

    /**
     * A reservation on one item for the budgets {@code members} counting on it; {@code binding}: the enforced ones
     * whose limit the item was held to (the smallest), empty when all are alert budgets.
     */
    private record Result(
            List<Reservation> members, List<Reservation> binding, boolean granted, BudgetState state, Throwable error) {

        boolean alertsOnly() {
            return members.stream().allMatch(r -> r.policy().mode() == BudgetPolicy.Mode.ALERT);
        }

        boolean failsClosed() {
            return members.stream()
                    .anyMatch(r -> r.policy().mode() != BudgetPolicy.Mode.ALERT
                            && r.policy().onStoreError() == BudgetPolicy.OnStoreError.FAIL_CLOSED);
        }
    }

    private record Attempt(
            Outcome outcome,
            List<Reservation> reservations,
            List<Reservation> refused,
            BigDecimal estimate,
            Refusal refusal,
            boolean unenforced,
            String reservationId,
            BigDecimal remaining,
            boolean chargedIfOrphaned,
            List<Result> results) {

        Attempt(
                Outcome outcome,
                List<Reservation> reservations,
                List<Reservation> refused,
                BigDecimal estimate,
                Refusal refusal,
                boolean unenforced,
                String reservationId,
                BigDecimal remaining,
                boolean chargedIfOrphaned) {
            this(
                    outcome,
                    reservations,
                    refused,
                    estimate,
                    refusal,
                    unenforced,
                    reservationId,
                    remaining,
                    chargedIfOrphaned,
                    List.of());
        }

        static Attempt allowed(List<Reservation> reservations, BigDecimal estimate, boolean unenforced) {
            return new Attempt(Outcome.ALLOW, reservations, List.of(), estimate, null, unenforced, null, null, false);
        }

        static Attempt blocked(List<Reservation> refused, BigDecimal estimate, Refusal refusal) {
            return blocked(refused, estimate, refusal, List.of());
        }

        /** @param results the items that refused, each with its state (for the refusal notices) */
        static Attempt blocked(List<Reservation> refused, BigDecimal estimate, Refusal refusal, List<Result> results) {
            return new Attempt(Outcome.BLOCK, List.of(), refused, estimate, refusal, false, null, null, false, results);
        }

        static Attempt storeError(BigDecimal estimate) {
            return new Attempt(Outcome.STORE_ERROR, List.of(), List.of(), estimate, null, false, null, null, false);
        }

        BudgetDecision decision(String model) {
            return new BudgetDecision(
                    outcome,
                    model,
                    estimate == null ? BigDecimal.ZERO : estimate,
                    reservations,
                    refusal,
                    unenforced,
                    reservationId,
                    remaining,
                    chargedIfOrphaned);
        }
    }
}
