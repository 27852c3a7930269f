package dev.spendgate.domain.routing;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A routing rule: calls to {@code from} that match every given condition go to {@code to} instead, for a sampled
 * share of them ({@code sharePercent}, 100 = all). Conditions left null match anything.
 *
 * @param id names the rule in records ({@code routed_by}) and in the {@code X-Spendgate-Routed} header
 * @param maxPromptTokens matches calls whose estimated input is at most this many tokens
 * @param maxOutputTokens matches calls whose output cap is set and at most this
 * @param tools {@code true}: only calls with tools; {@code false}: only calls without
 * @param headers request headers that must carry exactly these values (e.g. {@code X-Cost-Tier: low})
 * @param findingId the waste finding this rule was applied for, or null
 * @param fromAliases other names of {@code from} the rule also takes, matched exactly (a pinned snapshot such as
 *     {@code gpt-4o-2024-08-06}, which the pricing catalog prices as {@code gpt-4o}); empty: {@code from} only
 */
public record RouteRule(
        String id,
        String from,
        String to,
        String feature,
        String department,
        String keyId,
        String endpoint,
        Long maxPromptTokens,
        Long maxOutputTokens,
        Boolean tools,
        Map<String, String> headers,
        BigDecimal sharePercent,
        String findingId,
        List<String> fromAliases) {

    public RouteRule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        sharePercent = sharePercent == null ? BigDecimal.valueOf(100) : sharePercent;
        fromAliases = fromAliases == null ? List.of() : List.copyOf(fromAliases);
    }

    /** A rule that takes calls to {@code from} by that name only. */
    public RouteRule(
            String id,
            String from,
            String to,
            String feature,
            String department,
            String keyId,
            String endpoint,
            Long maxPromptTokens,
            Long maxOutputTokens,
            Boolean tools,
            Map<String, String> headers,
            BigDecimal sharePercent,
            String findingId) {
        this(
                id,
                from,
                to,
                feature,
                department,
                keyId,
                endpoint,
                maxPromptTokens,
                maxOutputTokens,
                tools,
                headers,
                sharePercent,
                findingId,
                List.of());
    }

    /** Whether the call meets every condition (the share is drawn separately, by {@link #sampled}). */
    public boolean matches(RequestTraits call) {
        return (call.model().equals(from) || fromAliases.contains(call.model()))
                && (feature == null || feature.equals(call.attribution().feature()))
                && (department == null || department.equals(call.attribution().department()))
                && (keyId == null || keyId.equals(call.keyId()))
                && (endpoint == null || endpoint.equals(call.endpoint()))
                && (maxOutputTokens == null
                        || (call.maxOutputTokens() != null && call.maxOutputTokens() <= maxOutputTokens))
                && (tools == null || tools == call.hasTools())
                && headers.entrySet().stream().allMatch(h -> {
                    String value = call.headers().apply(h.getKey().toLowerCase(Locale.ROOT));
                    return value != null && value.trim().equalsIgnoreCase(h.getValue());
                })
                && (maxPromptTokens == null || call.promptTokens().getAsLong() <= maxPromptTokens);
    }

    /**
     * Whether this call falls in the rule's share: a deterministic draw from the rule id and the call's sample key
     * (FNV-1a, 10,000 buckets), so a share of 10 moves about one call in ten and a retried request id draws the same.
     */
    public boolean sampled(String sampleKey) {
        if (sharePercent.compareTo(BigDecimal.valueOf(100)) >= 0) {
            return true;
        }
        long hash = 0xcbf29ce484222325L;
        for (byte b : (id + "\n" + sampleKey).getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        long bucket = Math.floorMod(hash, 10_000L);
        return BigDecimal.valueOf(bucket).compareTo(sharePercent.movePointRight(2)) < 0;
    }
}
