package dev.spendgate.domain.waste;

import java.util.Locale;

/** The kinds of waste the detectors look for. */
public enum WasteCategory {
    MODEL_MISMATCH,
    CONTEXT_BLOAT,
    RETRY_WASTE,
    CACHE_MISS,
    UNGOVERNED_KEY,
    /** Prompt-cache writes never read, and system prompts whose changing start defeats caching. */
    PROMPT_CACHE,
    /** Non-interactive jobs billed at the standard tier that a Batch API would bill at half. */
    BATCH_TIER;

    /** The name used in findings JSON and on the command line, e.g. {@code model_mismatch}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WasteCategory parse(String label) {
        return valueOf(label.trim().toUpperCase(Locale.ROOT));
    }
}
