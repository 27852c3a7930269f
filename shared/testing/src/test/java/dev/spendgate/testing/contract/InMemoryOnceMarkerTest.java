package dev.spendgate.testing.contract;

import dev.spendgate.domain.budget.InMemoryOnceMarker;
import dev.spendgate.domain.budget.OnceMarker;

/** The in-memory fake that domain tests use keeps the same contract as the real adapters. */
class InMemoryOnceMarkerTest extends OnceMarkerContract {
    private InMemoryOnceMarker current;

    @Override
    protected OnceMarker newMarker() {
        current = InMemoryOnceMarker.create(java.time.Clock.systemUTC());
        return current;
    }

    @Override
    protected boolean keepsOwners() {
        return false; // gone with its process: nothing asks it again after a kill
    }

    @Override
    protected OnceMarker reopenMarker() {
        return current; // the same memory: what a reopened file or table would hold
    }
}
