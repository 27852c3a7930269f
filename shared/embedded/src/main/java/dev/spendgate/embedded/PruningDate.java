package dev.spendgate.embedded;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The UTC date the local ledger may drop past periods' items by ({@link PastPeriodItems}), which is not always the
 * wall clock's: dropping cannot be undone, and a clock far ahead (a VM started before NTP set it) would drop the
 * current period's items. The date is trusted when it is the one the ledger last trusted or the day after (the clock
 * ran into it); a date that jumped (more than a day forward, or back) is trusted once it has held, running on from one
 * flush to the next, for {@link #HOLD}: NTP sets a wrong clock within minutes, a gateway started again after days off
 * drops an hour late. The date last trusted is kept in the ledger's file, so a start the next day prunes at once.
 */
final class PruningDate {
    /** How long a date that jumped must hold before it is trusted. */
    static final Duration HOLD = Duration.ofHours(1);

    private LocalDate trusted; // null: not known (a file an older version wrote)
    private LocalDate lastSeen;
    private Instant jumpSeenAt; // when the date last jumped, while it is not trusted

    /** @param trusted the date the ledger last trusted; null when not known */
    PruningDate(LocalDate trusted) {
        this.trusted = trusted;
    }

    /** What {@link #check} found at one flush. */
    record Check(LocalDate today, LocalDate trusted, boolean trustedNow, boolean jumpedNow) {}

    /**
     * The verdict at {@code now}: {@code trustedNow} when past periods may be dropped by {@code today}; {@code
     * jumpedNow} when the date just jumped from the one trusted (once per jump, for the log). Not thread-safe: the
     * ledger's flush calls it under its lock.
     */
    Check check(Instant now) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        LocalDate before = trusted;
        boolean ok;
        boolean jumped = false;
        if (trusted != null && (today.equals(trusted) || today.equals(trusted.plusDays(1)))) {
            ok = true;
        } else {
            boolean ranOn = lastSeen != null && (today.equals(lastSeen) || today.equals(lastSeen.plusDays(1)));
            if (jumpSeenAt == null || !ranOn || now.isBefore(jumpSeenAt)) {
                jumped = jumpSeenAt == null || !ranOn;
                jumpSeenAt = now;
            }
            ok = !now.isBefore(jumpSeenAt.plus(HOLD));
        }
        lastSeen = today;
        if (ok) {
            trusted = today;
            jumpSeenAt = null;
        }
        return new Check(today, before, ok, jumped);
    }

    /** The date last trusted, kept in the ledger's file; null when none is yet. */
    LocalDate trusted() {
        return trusted;
    }
}
