package dev.spendgate.domain.waste;

import java.util.List;

/**
 * One day aggregate handed over part by part, for a merge that never holds the whole day: a decoded
 * {@link DayAggregate} ({@link DayAggregate#feed}) or a stored one read as a stream ({@link DayAggregateStream}).
 *
 * <p>Order: {@link #totals} first and {@link #end} last; a day's retry scopes before its orphan peaks; its prompt
 * heads before its unread states, and both before its prompts. Sections of different detectors may interleave.
 */
interface DaySections {
    void totals(DayAggregate.Totals totals);

    void retryScope(RetryDetector.ScopeState scope);

    void retryOrphanPeak(String session, long peak);

    void modelMismatch(ModelMismatchDetector.GroupState group);

    void contextBloat(ContextBloatDetector.GroupState group);

    void cacheMiss(CacheMissDetector.PartitionState partition);

    void ungoverned(UngovernedKeyDetector.ComboState combo);

    void promptHead(PromptCacheDetector.HeadState head);

    void promptUnread(PromptCacheDetector.UnreadState unread);

    void prompt(PromptCacheDetector.PromptState prompt);

    void batchJob(BatchTierDetector.JobState job);

    /** The day's usual-prompt states and prompts past the day's cap: small, given whole. */
    void end(List<PromptCacheDetector.UnstableState> unstable, long headsDropped);

    /** Sections dropped as they come (a check that a stored day reads to its end). */
    DaySections NONE = new DaySections() {
        @Override
        public void totals(DayAggregate.Totals totals) {}

        @Override
        public void retryScope(RetryDetector.ScopeState scope) {}

        @Override
        public void retryOrphanPeak(String session, long peak) {}

        @Override
        public void modelMismatch(ModelMismatchDetector.GroupState group) {}

        @Override
        public void contextBloat(ContextBloatDetector.GroupState group) {}

        @Override
        public void cacheMiss(CacheMissDetector.PartitionState partition) {}

        @Override
        public void ungoverned(UngovernedKeyDetector.ComboState combo) {}

        @Override
        public void promptHead(PromptCacheDetector.HeadState head) {}

        @Override
        public void promptUnread(PromptCacheDetector.UnreadState unread) {}

        @Override
        public void prompt(PromptCacheDetector.PromptState prompt) {}

        @Override
        public void batchJob(BatchTierDetector.JobState job) {}

        @Override
        public void end(List<PromptCacheDetector.UnstableState> unstable, long headsDropped) {}
    };
}
