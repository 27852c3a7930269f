package dev.spendgate.function.proxy.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConnectionGuardTest {
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

    @Test
    void headOverdue_unfinishedHeadWhoseBeginTimeIsNotVisibleYet_isNotClosed() {
        // the parser left START on its own thread; the sweeper still reads its begin time as 0: a new connection's
        // first request, not a head begun at nanoTime 0 (the first sweep used to close such a connection at once)
        assertThat(ConnectionGuard.headOverdue(true, 0, 0, System.nanoTime(), TIMEOUT))
                .isFalse();
    }

    @Test
    void headOverdue_sameUnfinishedHeadSeenAgainPastTheDeadline_isClosed() {
        long now = System.nanoTime();
        long begin = now - TIMEOUT - 1;
        assertThat(ConnectionGuard.headOverdue(true, begin, begin, now, TIMEOUT))
                .isTrue();
    }

    @Test
    void headOverdue_firstSightingOfAnOldHead_waitsForTheNextSweep() {
        long now = System.nanoTime();
        long begin = now - TIMEOUT - 1;
        assertThat(ConnectionGuard.headOverdue(true, begin, 0, now, TIMEOUT)).isFalse();
    }

    @Test
    void headOverdue_headWithinTheDeadlineOrFinished_isNotClosed() {
        long now = System.nanoTime();
        long begin = now - TIMEOUT + TimeUnit.MILLISECONDS.toNanos(500);
        assertThat(ConnectionGuard.headOverdue(true, begin, begin, now, TIMEOUT))
                .isFalse();
        assertThat(ConnectionGuard.headOverdue(false, now - 2 * TIMEOUT, now - 2 * TIMEOUT, now, TIMEOUT))
                .isFalse();
    }

    /**
     * The HTTP/2 head deadline for a HEADERS frame sent byte by byte reads two private fields of Jetty's parser
     * ({@link H2HeadProbe}): a Jetty upgrade that renames them must fail here, not leave such heads unwatched.
     */
    @Test
    void jettysHttp2ParserStillHasTheFieldsTheHeadDeadlineReads() {
        assertThat(H2HeadProbe.available()).isTrue();
    }

    /** 200 connections and 100 HTTP/2 calls: every call the limits admit has a thread, and 200 are left over. */
    @Test
    void threadsCoverEveryCallTheLimitsAdmitWithRoomToSpare() {
        assertThat(ConnectionGuard.maxThreads(100)).isEqualTo(400);
        assertThat(ConnectionGuard.maxThreads(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
    }
}
