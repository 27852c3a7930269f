package dev.spendgate.domain.report;

import dev.spendgate.domain.pricing.ModelPrice;
import java.math.BigDecimal;

/**
 * The separately priced kinds of token of one call: each is one FOCUS SKU price (a {@code SkuMeter}). Reasoning tokens
 * are part of output tokens and priced with them, so they are not a type of their own.
 */
public enum TokenType {
    INPUT("Input Tokens", "Input"),
    CACHED_INPUT("Cached Input Tokens", "CachedInput"),
    CACHE_WRITE_5M("Cache Write Tokens (5m)", "CacheWrite5m"),
    CACHE_WRITE_1H("Cache Write Tokens (1h)", "CacheWrite1h"),
    OUTPUT("Output Tokens", "Output");

    private final String meter;
    private final String id;

    TokenType(String meter, String id) {
        this.meter = meter;
        this.id = id;
    }

    /** The FOCUS {@code SkuMeter} value, e.g. {@code Output Tokens}. */
    public String meter() {
        return meter;
    }

    /** A PascalCase id used in SKU price ids and {@code SkuPriceDetails}. */
    public String id() {
        return id;
    }

    /** The price per million tokens of this type; cache prices fall back to the input price, as billing does. */
    public BigDecimal pricePerMillion(ModelPrice price) {
        BigDecimal p =
                switch (this) {
                    case INPUT -> price.input();
                    case CACHED_INPUT -> price.cachedInput();
                    case CACHE_WRITE_5M -> price.cacheWrite5m();
                    case CACHE_WRITE_1H -> price.cacheWrite1h();
                    case OUTPUT -> price.output();
                };
        return p != null ? p : price.input();
    }

    /** The rate per million tokens of this type in a tier's rates; cache rates fall back to the input rate. */
    public BigDecimal pricePerMillion(dev.spendgate.domain.pricing.Rates rates) {
        return switch (this) {
            case INPUT -> rates.input();
            case CACHED_INPUT -> rates.cachedInputOrInput();
            case CACHE_WRITE_5M -> rates.cacheWrite5mOrInput();
            case CACHE_WRITE_1H -> rates.cacheWrite1hOrInput();
            case OUTPUT -> rates.output();
        };
    }

    /** This type's count in a usage. */
    public long count(dev.spendgate.domain.pricing.TokenUsage t) {
        return switch (this) {
            case INPUT -> t.uncachedInputTokens();
            case CACHED_INPUT -> t.cachedInputTokens();
            case CACHE_WRITE_5M -> t.cacheWrite5mTokens();
            case CACHE_WRITE_1H -> t.cacheWrite1hTokens();
            case OUTPUT -> t.outputTokens();
        };
    }

    /** This type's count in the totals. */
    public long count(CellTotals totals) {
        return switch (this) {
            case INPUT -> totals.uncachedInputTokens();
            case CACHED_INPUT -> totals.cachedInputTokens();
            case CACHE_WRITE_5M -> totals.cacheWrite5mTokens();
            case CACHE_WRITE_1H -> totals.cacheWrite1hTokens();
            case OUTPUT -> totals.outputTokens();
        };
    }
}
