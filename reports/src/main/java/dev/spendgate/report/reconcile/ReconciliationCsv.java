package dev.spendgate.report.reconcile;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.reconcile.TokenKind;
import dev.spendgate.report.internal.CsvText;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * {@code reconciliation.csv}: one row per compared line, then one {@code provider_total} row per provider and a
 * {@code total} row. Columns are a promise to scripts (schema {@value #SCHEMA_VERSION}); amounts are exact USD.
 * {@code unexplained_usd} is the signed sum of the lines' unexplained differences (opposite lines cancel);
 * {@code unexplained_abs_usd}, the last column (added after the others, so schema 1 stands), is the sum of their
 * absolute values, the figure the threshold, the console and the alarms rest on. {@code estimate_settled_usd}, added
 * after it, is what the bill says the calls the gateway charged at an estimate cost less what it charged for them: a
 * sixth part of a line's difference, hence schema 2 (in schema 1 the five parts summed to it).
 */
public final class ReconciliationCsv {
    public static final int SCHEMA_VERSION = 2;
    public static final String FILE_NAME = "reconciliation.csv";
    static final List<String> HEADER = List.of(
            "schema_version",
            "row_type",
            "day",
            "provider",
            "model",
            "item",
            "provider_accounts",
            "billed_usd",
            "metered_usd",
            "difference_usd",
            "difference_pct",
            "explanation",
            "not_seen_usd",
            "price_drift_usd",
            "never_metered_usd",
            "rounding_usd",
            "unexplained_usd",
            "provider_input_tokens",
            "provider_output_tokens",
            "gateway_input_tokens",
            "gateway_output_tokens",
            "implied_usd_per_mtok",
            "catalog_usd_per_mtok",
            "data_quality",
            "unexplained_abs_usd",
            "estimate_settled_usd");

    private ReconciliationCsv() {}

    /** The file's text; {@code origins} names where each provider's figures came from. */
    public static String write(Reconciliation r, Map<BillSource, String> origins) {
        return write(r, origins, "");
    }

    /**
     * As {@link #write(Reconciliation, Map)}, the {@code total} row's {@code data_quality} also naming the records
     * left out of the metered side as the monthly report quarantines them ({@code leftOut}, a sentence of counts by
     * reason; empty for none).
     */
    public static String write(Reconciliation r, Map<BillSource, String> origins, String leftOut) {
        StringWriter out = new StringWriter();
        try (CSVPrinter csv = CSVFormat.RFC4180
                .builder()
                .setHeader(HEADER.toArray(String[]::new))
                .get()
                .print(out)) {
            for (ReconciliationLine l : r.lines()) {
                csv.printRecord(row(l));
            }
            BigDecimal billed = BigDecimal.ZERO;
            BigDecimal metered = BigDecimal.ZERO;
            BigDecimal[] parts = {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO};
            BigDecimal unexplainedAbs = BigDecimal.ZERO;
            BigDecimal settled = BigDecimal.ZERO;
            for (BillSource s : BillSource.values()) {
                Reconciliation.Totals t = r.totals().get(s);
                if (t == null) {
                    continue;
                }
                BigDecimal m = t.meteredUsd().subtract(t.meteredWithoutProviderDataUsd());
                boolean alarm = t.unexplainedPercent().compareTo(r.thresholdPercent()) > 0;
                csv.printRecord(totalRow(
                        "provider_total",
                        s.id(),
                        t.billedUsd(),
                        m,
                        alarm ? "unexplained_above_threshold" : "within_threshold",
                        new BigDecimal[] {
                            t.notSeenUsd(), t.priceDriftUsd(), t.neverMeteredUsd(), t.roundingUsd(), t.unexplainedUsd()
                        },
                        "billed from " + origins.getOrDefault(s, s.id()) + "; unexplained (sum of |lines|) "
                                + t.unexplainedPercent()
                                + (t.hasCredits()
                                        ? " % of charges before credits (threshold "
                                        : " % of billed (threshold ")
                                + r.thresholdPercent().stripTrailingZeros().toPlainString()
                                + " %)"
                                + (t.meteredWithoutProviderDataUsd().signum() != 0
                                        ? "; " + plain(t.meteredWithoutProviderDataUsd())
                                                + " USD metered on days without provider data left out"
                                        : ""),
                        t.unexplainedAbsUsd(),
                        t.estimateSettledUsd()));
                billed = billed.add(t.billedUsd());
                metered = metered.add(m);
                parts[0] = parts[0].add(t.notSeenUsd());
                parts[1] = parts[1].add(t.priceDriftUsd());
                parts[2] = parts[2].add(t.neverMeteredUsd());
                parts[3] = parts[3].add(t.roundingUsd());
                parts[4] = parts[4].add(t.unexplainedUsd());
                unexplainedAbs = unexplainedAbs.add(t.unexplainedAbsUsd());
                settled = settled.add(t.estimateSettledUsd());
            }
            csv.printRecord(totalRow(
                    "total",
                    "",
                    billed,
                    metered,
                    "",
                    parts,
                    r.month() + " through " + r.through()
                            + (leftOut.isEmpty() ? "" : "; " + ReconcileRun.leftOutSentence(leftOut)),
                    unexplainedAbs,
                    settled));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static List<Object> row(ReconciliationLine l) {
        List<Object> v = new ArrayList<>();
        v.add(SCHEMA_VERSION);
        v.add("line");
        v.add(l.day());
        v.add(l.source().id());
        v.add(l.model() == null ? "" : CsvText.cell(l.model())); // what clients sent
        v.add(CsvText.cell(l.item()));
        v.add(CsvText.cell(l.accounts().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> (e.getKey().isEmpty() ? "(none)" : e.getKey()) + "=" + plain(e.getValue()))
                .collect(Collectors.joining(";"))));
        v.add(plain(l.billedUsd()));
        v.add(plain(l.meteredUsd()));
        v.add(plain(l.differenceUsd()));
        v.add(pct(l.differenceUsd(), l.billedUsd()));
        v.add(l.explanation().label());
        v.add(plain(l.notSeenUsd()));
        v.add(plain(l.priceDriftUsd()));
        v.add(plain(l.neverMeteredUsd()));
        v.add(plain(l.roundingUsd()));
        v.add(plain(l.unexplainedUsd()));
        v.add(tokens(l.providerTokens(), true));
        v.add(tokens(l.providerTokens(), false));
        v.add(tokens(l.gatewayTokens(), true));
        v.add(tokens(l.gatewayTokens(), false));
        v.add(prices(l.impliedUsdPerMillion()));
        v.add(prices(l.catalogUsdPerMillion()));
        v.add(CsvText.cell(l.dataQuality()));
        v.add(plain(l.unexplainedUsd().abs()));
        v.add(plain(l.estimateSettledUsd()));
        return v;
    }

    private static List<Object> totalRow(
            String type,
            String provider,
            BigDecimal billed,
            BigDecimal metered,
            String explanation,
            BigDecimal[] parts,
            String quality,
            BigDecimal unexplainedAbs,
            BigDecimal settled) {
        List<Object> v = new ArrayList<>();
        v.add(SCHEMA_VERSION);
        v.add(type);
        v.add("");
        v.add(provider);
        v.add("");
        v.add("");
        v.add("");
        v.add(plain(billed));
        v.add(plain(metered));
        v.add(plain(billed.subtract(metered)));
        v.add(pct(billed.subtract(metered), billed));
        v.add(explanation);
        for (BigDecimal p : parts) {
            v.add(plain(p));
        }
        for (int i = 0; i < 6; i++) {
            v.add("");
        }
        v.add(quality);
        v.add(plain(unexplainedAbs));
        v.add(plain(settled));
        return v;
    }

    static String plain(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }

    private static String pct(BigDecimal part, BigDecimal whole) {
        if (whole.signum() == 0) {
            return "";
        }
        return part.multiply(BigDecimal.valueOf(100))
                .divide(whole, 2, RoundingMode.HALF_UP)
                .toPlainString();
    }

    private static String tokens(TokenUsage t, boolean input) {
        if (t == null) {
            return "";
        }
        return Long.toString(input ? t.inputTokens() : t.outputTokens());
    }

    private static String prices(Map<TokenKind, BigDecimal> m) {
        return m.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey().label() + "=" + plain(e.getValue()))
                .collect(Collectors.joining(";"));
    }
}
