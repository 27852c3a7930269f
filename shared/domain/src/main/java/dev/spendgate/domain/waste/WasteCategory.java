package dev.spendgate.domain.waste;

import java.util.Locale;

/** The five kinds of waste the detectors look for. */
public enum WasteCategory {
    MODEL_MISMATCH,
    CONTEXT_BLOAT,
    RETRY_WASTE,
    CACHE_MISS,
    UNGOVERNED_KEY;

    /** The name used in findings JSON and on the command line, e.g. {@code model_mismatch}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WasteCategory parse(String label) {
        return valueOf(label.trim().toUpperCase(Locale.ROOT));
    }
}
