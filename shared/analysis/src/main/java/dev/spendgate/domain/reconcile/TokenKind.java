package dev.spendgate.domain.reconcile;

/** The token kinds providers bill separately; each has its own unit price. */
public enum TokenKind {
    INPUT("input"),
    CACHED_INPUT("cached_input"),
    CACHE_WRITE_5M("cache_write_5m"),
    CACHE_WRITE_1H("cache_write_1h"),
    OUTPUT("output");

    private final String label;

    TokenKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
