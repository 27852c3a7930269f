package dev.spendgate.aws.athena;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayWork;
import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.CellKey;
import dev.spendgate.domain.report.CellTotals;
import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.report.TrackedIds;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.AthenaClientBuilder;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.GetQueryResultsRequest;
import software.amazon.awssdk.services.athena.model.GetQueryResultsResponse;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.QueryExecutionStatus;
import software.amazon.awssdk.services.athena.model.ResultConfiguration;
import software.amazon.awssdk.services.athena.model.Row;
import software.amazon.awssdk.services.athena.model.StartQueryExecutionRequest;

/**
 * A month's cells aggregated by Athena over the usage table ({@link AthenaUsageTable}), so one Lambda never reads
 * every object of a big month. The query reads only the month's partitions (partition projection), drops repeated
 * request ids as the in-process reader does, and sums costs as {@code DECIMAL(38,18)}: exact for every cost the
 * gateway writes (catalog prices have at most 18 decimal places per token).
 */
public final class AthenaMonthlyUsageSource implements MonthlyUsageSource {
    /**
     * The most bytes of quoted ids one cost query lists: each query scans the whole month, so as many ids as fit go in
     * one, below Athena's 262,144-byte query text with room for the rest of the query (about 2 KB).
     */
    static final int ID_BYTES_PER_QUERY = 200_000;
    /** A priced call charged at its reserved worst case (the gateway stopped before recording it). */
    static final String WORST_CASE = "cost_basis = 'reserved_worst_case' AND cost_usd IS NOT NULL";
    /**
     * A priced call on tokens the gateway counted itself (a stream cut before its usage event), not one charged at its
     * worst case (rows written before cost_basis existed read it as NULL).
     */
    static final String ESTIMATED_TOKENS = "usage_source = 'estimated' AND cost_usd IS NOT NULL"
            + " AND coalesce(cost_basis, '') <> 'reserved_worst_case'";

    private final AthenaClient athena;
    private final Settings settings;
    private String tableBucket; // guarded by this: the table to make sure of before the first query, then null

    public AthenaMonthlyUsageSource(AthenaClient athena, Settings settings) {
        this.athena = Objects.requireNonNull(athena, "athena");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Where the table is and where Athena writes results ({@code outputLocation} may be null when the workgroup sets
     * it).
     */
    public record Settings(String database, String table, String workgroup, String outputLocation, Duration timeout) {
        public Settings {
            AthenaUsageTable.check(database, "database");
            AthenaUsageTable.check(table, "table");
            workgroup = workgroup == null || workgroup.isBlank() ? "primary" : workgroup;
            timeout = timeout == null ? Duration.ofMinutes(10) : timeout;
        }
    }

    /** An Athena client configured like the other Spendgate clients. */
    public static AthenaClient client(AwsClients aws) {
        AthenaClientBuilder builder = AthenaClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        aws.region().ifPresent(builder::region);
        aws.endpointOverride().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Creates the usage table if it does not exist yet. */
    public void createTableIfMissing(String bucket) {
        run(AthenaUsageTable.ddl(settings.database(), settings.table(), bucket), row -> {});
    }

    /**
     * {@link #createTableIfMissing} before the first {@link #load}, not now: a Lambda built with SnapStart runs its
     * init when a version is published, which nothing orders after the workgroup and table of the same deployment.
     */
    public AthenaMonthlyUsageSource withTableCreatedOnFirstLoad(String bucket) {
        synchronized (this) {
            tableBucket = Objects.requireNonNull(bucket, "bucket");
        }
        return this;
    }

    private synchronized void ensureTable() {
        if (tableBucket != null) {
            createTableIfMissing(tableBucket);
            tableBucket = null;
        }
    }

    @Override
    public MonthlyUsage load(YearMonth month, Set<String> sessions, Set<String> requestIds, Consumer<UsageRecord> tap) {
        return load(month, sessions, requestIds, tap, CostCheck.NONE);
    }

    /**
     * The month's cells, each record's cost checked in the query first ({@link #with}): a cost that is not a number,
     * negative or, when {@code check} holds costs to a catalog, above its model's maximum for its tokens is quarantined
     * (counted in the usage's data quality, in no figure), as the in-process reader quarantines it.
     */
    @Override
    public MonthlyUsage load(
            YearMonth month, Set<String> sessions, Set<String> requestIds, Consumer<UsageRecord> tap, CostCheck check) {
        ensureTable();
        MonthlyUsage usage = MonthlyUsage.tracking(month, sessions, requestIds);
        Ceilings ceilings = check.holdsToCatalog() ? ceilings(month, check) : Ceilings.NONE;
        String with = with(month, ceilings.rows());
        usage.quality()
                .aggregatedCostCheck(
                        check.holdsToCatalog()
                                ? DataQuality.AggregatedCostCheck.CATALOG_MAXIMUM
                                : DataQuality.AggregatedCostCheck.SIGN_AND_NUMBER);
        if (ceilings.leftRecords() > 0) {
            usage.quality().aggregatedUnchecked(ceilings.leftIdentities(), ceilings.leftRecords());
        }
        run(cellsQuery(with), row -> {
            List<String> v = values(row);
            if (v.size() > QUARANTINE && v.get(QUARANTINE) != null) {
                // records whose cost the query quarantined: counted, in no figure (nor the gateway's own work)
                usage.quality()
                        .quarantinedAggregated(
                                CostCheck.Reason.ofKey(v.get(QUARANTINE)).orElseThrow(),
                                Long.parseLong(v.get(8)),
                                decimal(v.get(17)));
                return;
            }
            usage.add(
                    new CellKey(
                            LocalDate.parse(v.get(0)),
                            v.get(1),
                            v.get(2),
                            v.get(3),
                            v.get(4),
                            v.get(5),
                            v.get(6),
                            v.get(7),
                            v.size() > 18 && v.get(18) != null && !v.get(18).isEmpty() ? v.get(18) : null,
                            // the tier the calls were priced at (served, else requested), as the log reader keys
                            // cells: FOCUS prices flex, priority and batch rows at their rates, and reconciliation
                            // matches the bill's batch lines to batch cells
                            tier(v.size() > 29 ? v.get(29) : null)),
                    CellTotals.of(
                                    Long.parseLong(v.get(8)),
                                    Long.parseLong(v.get(9)),
                                    Long.parseLong(v.get(10)),
                                    new TokenUsage(
                                            Long.parseLong(v.get(11)),
                                            Long.parseLong(v.get(12)),
                                            Long.parseLong(v.get(13)),
                                            Long.parseLong(v.get(14)),
                                            Long.parseLong(v.get(15)),
                                            Long.parseLong(v.get(16)),
                                            // web searches of priced calls (records without the field count none)
                                            v.size() > 27 ? count(v.get(27)) : 0,
                                            // of them, those of the web_search_preview tool
                                            v.size() > 28 ? count(v.get(28)) : 0),
                                    new BigDecimal(v.get(17)),
                                    // rows written before cost_basis existed read it as NULL: provider-reported, none
                                    // charged at the worst case (count_if and the coalesced sum give 0; null read as 0
                                    // too)
                                    v.size() > 19 && v.get(19) != null ? Long.parseLong(v.get(19)) : 0,
                                    v.size() > 20 && v.get(20) != null ? new BigDecimal(v.get(20)) : BigDecimal.ZERO,
                                    // tokens of unpriced calls: the gateway saw them, only their price is unknown
                                    v.size() > 26
                                            ? new TokenUsage(
                                                    count(v.get(21)),
                                                    count(v.get(22)),
                                                    count(v.get(23)),
                                                    count(v.get(24)),
                                                    count(v.get(25)),
                                                    count(v.get(26)))
                                            : TokenUsage.ZERO)
                            // the calls priced on tokens the gateway counted itself, apart from the provider-reported
                            // ones,
                            // as the log reader keeps them (FOCUS marks their rows estimated)
                            .withEstimatedTokens(
                                    v.size() > ESTIMATED_LAST ? count(v.get(37)) : 0,
                                    v.size() > ESTIMATED_LAST ? decimal(v.get(38)) : BigDecimal.ZERO,
                                    v.size() > ESTIMATED_LAST
                                            ? new TokenUsage(
                                                    count(v.get(39)),
                                                    count(v.get(40)),
                                                    count(v.get(41)),
                                                    count(v.get(42)),
                                                    count(v.get(43)),
                                                    count(v.get(44)),
                                                    count(v.get(45)),
                                                    count(v.get(46)))
                                            : TokenUsage.ZERO));
            if (v.size() > GATEWAY_WORK_LAST) {
                // what the cell's records say the gateway did, for its own AWS cost estimate (GatewayWork.add)
                usage.addGatewayWork(
                        LocalDate.parse(v.get(0)),
                        GatewayWork.of(
                                Long.parseLong(v.get(8)) - count(v.get(32)),
                                count(v.get(30)),
                                count(v.get(31)),
                                count(v.get(32)),
                                count(v.get(33)),
                                count(v.get(34)),
                                count(v.get(35)),
                                count(v.get(36))));
            }
        });
        // per key and id: the usage counts a row only for the outcomes of its own key (TrackedIds)
        int idBytes = idBytes(with);
        for (List<String> chunk : chunks(ids(sessions), idBytes)) {
            run(costQuery(with, "session", chunk), row -> {
                List<String> v = values(row);
                usage.addSessionCost(v.get(0), v.get(1), decimal(v.get(2)), v.size() > 4 ? count(v.get(4)) : 0);
                usage.addTrackedFeature(
                        v.get(0),
                        v.get(1),
                        false,
                        v.size() > 5 ? v.get(5) : null,
                        decimal(v.get(2)),
                        v.size() > 4 ? count(v.get(4)) : 0);
            });
        }
        for (List<String> chunk : chunks(ids(requestIds), idBytes)) {
            run(costQuery(with, "request_id", chunk), row -> {
                List<String> v = values(row);
                usage.addRequestCost(
                        v.get(0),
                        v.get(1),
                        v.size() > 3 ? v.get(3) : null,
                        decimal(v.get(2)),
                        v.size() > 4 ? count(v.get(4)) : 0);
                usage.addTrackedFeature(
                        v.get(0),
                        v.get(1),
                        true,
                        v.size() > 5 ? v.get(5) : null,
                        decimal(v.get(2)),
                        v.size() > 4 ? count(v.get(4)) : 0);
            });
        }
        // the success rate's denominator, asked when the report needs it: one query per outcome's set of features
        usage.distinctSessionsFrom((features, keys, also) -> {
            long[] distinct = {0};
            run(
                    distinctSessionsQuery(with, features, keys),
                    row -> distinct[0] = count(values(row).get(0)));
            // the sessions that produced the outcome with no call of those features this month (theirs were in the
            // month before): added, so the success rate's numerator and denominator count the same window
            for (String pairs : sessionPairs(also, idBytes)) {
                run(
                        outsideSessionsQuery(with, features, pairs),
                        row -> distinct[0] += count(values(row).get(0)));
            }
            return distinct[0];
        });
        return usage;
    }

    /**
     * The distinct sessions of the month that used any of {@code features} with any of {@code keys} (null: any key), as
     * the log reader counts them: distinct (key, session) pairs, since another key's {@code s-1} is another session,
     * and only the keys that posted the outcome, since another key's {@code chat} is another feature.
     */
    String distinctSessionsQuery(String with, Set<String> features, Set<String> keys) {
        return with + "SELECT count(*) FROM (SELECT DISTINCT key_id, session FROM deduped"
                + " WHERE session IS NOT NULL AND feature IN (" + quoted(features) + ")"
                + (keys == null ? "" : " AND key_id IN (" + quoted(keys) + ")") + ") AS sessions";
    }

    /**
     * How many of the sessions {@code pairs} (SQL rows {@code ('key', 'session')}, {@link #sessionPairs}) did not use
     * any of {@code features} this month: they are not among {@link #distinctSessionsQuery}'s.
     */
    String outsideSessionsQuery(String with, Set<String> features, String pairs) {
        return with + "SELECT count(*) FROM (SELECT key_id, session FROM (VALUES " + pairs
                + ") AS named (key_id, session) EXCEPT SELECT key_id, session FROM deduped"
                + " WHERE session IS NOT NULL AND feature IN (" + quoted(features) + ")) AS outside";
    }

    /**
     * Tracked sessions ({@code key|session}) as SQL rows {@code ('key', 'session')}, in lists each within
     * {@link #ID_BYTES_PER_QUERY} bytes; a bare id (no key) has key NULL.
     */
    static List<String> sessionPairs(Set<String> tracked) {
        return sessionPairs(tracked, ID_BYTES_PER_QUERY);
    }

    static List<String> sessionPairs(Set<String> tracked, int idBytes) {
        List<String> lists = new ArrayList<>();
        StringBuilder list = new StringBuilder();
        int listBytes = 0;
        for (String t : new java.util.TreeSet<>(tracked)) {
            String key = TrackedIds.keyOf(t);
            String row = "(" + (key == null ? "CAST(NULL AS VARCHAR)" : "'" + key.replace("'", "''") + "'") + ", '"
                    + TrackedIds.idOf(t).replace("'", "''") + "')";
            int bytes = row.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 2;
            if (list.length() > 0 && listBytes + bytes > idBytes) {
                lists.add(list.toString());
                list.setLength(0);
                listBytes = 0;
            }
            list.append(list.length() == 0 ? "" : ", ").append(row);
            listBytes += bytes;
        }
        if (list.length() > 0) {
            lists.add(list.toString());
        }
        return lists;
    }

    /** Values as a SQL list, sorted: {@code 'a', 'b'} (quotes doubled; they are attribution values, but never trust). */
    private static String quoted(Set<String> values) {
        StringBuilder in = new StringBuilder();
        for (String v : new java.util.TreeSet<>(values)) {
            in.append(in.length() == 0 ? "" : ", ")
                    .append('\'')
                    .append(v.replace("'", "''"))
                    .append('\'');
        }
        return in.toString();
    }

    /**
     * The month's records, one per request id ({@code records}). The month is matched on the text of {@code ts_start}
     * (the codec omits zero milliseconds, so instants do not compare as strings), inside the month's partitions.
     */
    String records(YearMonth month) {
        return String.format(
                Locale.ROOT,
                "WITH records AS (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY request_id ORDER BY"
                        // a settled record replaces the worst-case estimate of the same call, as the log reader
                        // does: a call outlasting the reservation TTL settles after the sweep charged it
                        + " if(cost_basis = 'reserved_worst_case', 1, 0), ts_end)"
                        + " AS rn FROM \"%s\".\"%s\" WHERE year = '%04d' AND month = '%02d'"
                        + " AND substr(ts_start, 1, 7) = '%s') AS numbered WHERE rn = 1)",
                settings.database(),
                settings.table(),
                month.getYear(),
                month.getMonthValue(),
                month);
    }

    /**
     * The provider a record was priced as ({@link UsageRecord#pricedProvider}) and the model
     * ({@link UsageRecord#pricedModel}: the one served, else the one requested, and the requested id of a Bedrock path
     * whose answer named the Anthropic model), as SQL over a record {@code r}.
     */
    static final String PRICED_PROVIDER = "coalesce(r.pricing_provider, r.provider)";

    static final String PRICED_MODEL = "CASE WHEN r.model_served IS NULL OR (r.model_requested IS NOT NULL"
            + " AND coalesce(r.pricing_provider, r.provider) = 'bedrock' AND lower(r.model_served) LIKE 'claude-%'"
            + " AND strpos(lower(r.model_requested), 'anthropic.' || lower(r.model_served)) > 0)"
            + " THEN r.model_requested ELSE r.model_served END";

    /**
     * The WITH clause each query of a load starts with: the month's {@code records}; the {@code ceilings} their costs
     * are held to ({@link #ceilings}); {@code checked}, each record with the reason its cost is quarantined ({@code
     * quarantine}, a {@link CostCheck.Reason} key, NULL when sound), as {@link CostCheck#check} finds it: not a number,
     * negative, and (but for a worst-case estimate) above its ceiling for its tokens and searches; and {@code deduped},
     * the records whose cost is sound, which every figure sums.
     */
    String with(YearMonth month, List<String> ceilings) {
        String cost = "try_cast(r.cost_usd AS DECIMAL(38,18))";
        String previews = "if(r.web_search_tool = 'web_search_preview', coalesce(r.web_searches, 0), 0)";
        return records(month)
                + ",\nceilings AS (SELECT * FROM (VALUES "
                + "(CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR),"
                + " CAST(NULL AS DECIMAL(38,18)), CAST(NULL AS DECIMAL(38,18)), CAST(NULL AS DECIMAL(38,18)))"
                + (ceilings.isEmpty() ? "" : ", " + String.join(", ", ceilings))
                + ") AS c (provider, model, first_day, last_day, per_token, per_search, per_preview_search)),\n"
                + "checked AS (SELECT r.*, CASE WHEN r.cost_usd IS NULL THEN NULL"
                + " WHEN " + cost + " IS NULL THEN '" + CostCheck.Reason.NON_NUMERIC_COST.key() + "'"
                + " WHEN " + cost + " < 0 THEN '" + CostCheck.Reason.NEGATIVE_COST.key() + "'"
                + " WHEN r.cost_basis = 'reserved_worst_case' THEN NULL"
                + " WHEN c.per_token IS NOT NULL AND " + cost + " > c.per_token"
                + " * (coalesce(r.input_tokens, 0) + coalesce(r.output_tokens, 0))"
                + " + c.per_search * (coalesce(r.web_searches, 0) - " + previews + ")"
                + " + c.per_preview_search * " + previews
                + " THEN '" + CostCheck.Reason.IMPLAUSIBLE_COST.key() + "' END AS quarantine"
                // the model by equality first, so the engine joins by hash, then the provider (NULL included)
                + " FROM records r LEFT JOIN ceilings c ON " + PRICED_MODEL + " = c.model"
                + " AND " + PRICED_PROVIDER + " IS NOT DISTINCT FROM c.provider"
                + " AND substr(r.ts_start, 1, 10) BETWEEN c.first_day AND c.last_day),\n"
                + "deduped AS (SELECT * FROM checked WHERE quarantine IS NULL)\n";
    }

    /**
     * The most bytes of ceilings one query lists ({@link #ceilings}): with the ids of a cost query, within Athena's
     * 262,144 bytes of query text. A row is about 200 bytes: some 300 priced models of the month (a model's dated ids
     * and aliases are rows of their own).
     */
    static final int CEILING_BYTES = 60_000;

    /**
     * The ceilings' SQL rows, and the priced identities (and their records) left beyond the query's room, whose costs
     * are checked for sign and number only.
     */
    record Ceilings(List<String> rows, long leftIdentities, long leftRecords) {
        static final Ceilings NONE = new Ceilings(List.of(), 0, 0);
    }

    /**
     * The month's priced identities (the provider and model each priced record was priced as, {@link
     * #PRICED_PROVIDER}, {@link #PRICED_MODEL}), each with the ceiling its costs are held to on the days it appears:
     * SQL rows, one per identity and run of days with the same ceiling (a price change mid-month starts a row).
     * Identities the catalog does not know have none: their costs are checked for sign only, as record by record. At
     * most {@link #CEILING_BYTES}, the identities with the most records first; the rest are counted and stated in the
     * data quality.
     */
    Ceilings ceilings(YearMonth month, CostCheck check) {
        List<List<String>> identities = new ArrayList<>();
        run(
                records(month) + "\nSELECT priced_provider, priced_model, min(day), max(day), count(*) FROM (SELECT "
                        + PRICED_PROVIDER + " AS priced_provider, " + PRICED_MODEL + " AS priced_model,"
                        + " substr(r.ts_start, 1, 10) AS day FROM records r WHERE r.cost_usd IS NOT NULL"
                        + " AND coalesce(r.cost_basis, '') <> 'reserved_worst_case') AS priced"
                        + " WHERE priced_model IS NOT NULL GROUP BY 1, 2",
                row -> identities.add(values(row)));
        identities.sort(java.util.Comparator.comparingLong((List<String> v) -> -count(v.get(4))));
        List<String> rows = new ArrayList<>();
        int bytes = 0;
        long leftIdentities = 0;
        long leftRecords = 0;
        for (List<String> v : identities) {
            List<String> own = ceilingRows(v, check);
            int size = own.stream().mapToInt(r -> r.length() + 2).sum();
            if (bytes + size > CEILING_BYTES) {
                leftIdentities++;
                leftRecords += count(v.get(4));
            } else {
                rows.addAll(own);
                bytes += size;
            }
        }
        if (leftIdentities > 0) {
            System.err.println("WARN Athena report: " + leftIdentities + " priced models of " + month + " ("
                    + leftRecords + " records) over the query's room for ceilings: their costs are checked for sign"
                    + " and number only");
        }
        return new Ceilings(rows, leftIdentities, leftRecords);
    }

    /** One identity's rows: a row per run of days with the same ceiling; none when the catalog does not know it. */
    private static List<String> ceilingRows(List<String> v, CostCheck check) {
        List<String> rows = new ArrayList<>();
        LocalDate first = LocalDate.parse(v.get(2));
        LocalDate last = LocalDate.parse(v.get(3));
        // a probe priced as this identity: its provider, and the model as served (so priced as written)
        UsageRecord.Builder probe =
                UsageRecord.builder().requestId("ceiling").provider(v.get(0)).modelServed(v.get(1));
        LocalDate from = first;
        CostCheck.Ceiling ceiling = null;
        for (LocalDate day = first; !day.isAfter(last.plusDays(1)); day = day.plusDays(1)) {
            java.time.Instant start = day.atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            CostCheck.Ceiling today = day.isAfter(last)
                    ? null
                    : check.ceiling(probe.tsStart(start).tsEnd(start).build()).orElse(null);
            if (!Objects.equals(today, ceiling)) {
                if (ceiling != null) {
                    rows.add("(" + literal(v.get(0)) + ", " + literal(v.get(1)) + ", '" + from + "', '"
                            + day.minusDays(1) + "', " + decimalLiteral(ceiling.perToken()) + ", "
                            + decimalLiteral(ceiling.perSearch()) + ", " + decimalLiteral(ceiling.perPreviewSearch())
                            + ")");
                }
                ceiling = today;
                from = day;
            }
        }
        return rows;
    }

    private static String literal(String v) {
        return v == null ? "CAST(NULL AS VARCHAR)" : "'" + v.replace("'", "''") + "'";
    }

    /** An exact DECIMAL(38,18); a value finer than 18 places is rounded up, so the ceiling is never lowered. */
    private static String decimalLiteral(BigDecimal v) {
        return "CAST('"
                + v.setScale(Math.min(18, Math.max(0, v.scale())), java.math.RoundingMode.CEILING)
                        .toPlainString() + "' AS DECIMAL(38,18))";
    }

    /** The bytes of ids a query with {@code with} may list: within Athena's limit, never more than the constant. */
    static int idBytes(String with) {
        return Math.max(
                10_000,
                Math.min(
                        ID_BYTES_PER_QUERY,
                        ATHENA_QUERY_BYTES - 4_000 - with.getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
    }

    /** Athena's most bytes of query text. */
    static final int ATHENA_QUERY_BYTES = 262_144;

    /** A record's tier as a cell key has it: canonical, null for standard (or none). */
    private static String tier(String raw) {
        String canonical = ServiceTiers.canonical(raw == null || raw.isEmpty() ? null : raw);
        return ServiceTiers.STANDARD.equals(canonical) ? null : canonical;
    }

    /** A summed cost; null (only unpriced calls) reads as 0. */
    private static BigDecimal decimal(String v) {
        return v == null || v.isEmpty() ? BigDecimal.ZERO : new BigDecimal(v);
    }

    /** A summed count; null (a result without the column) reads as 0. */
    private static long count(String v) {
        return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
    }

    /** The cells query's last column of the gateway's own work ({@link GatewayWork}). */
    static final int GATEWAY_WORK_LAST = 36;

    /** The cells query's last column of the calls priced on estimated tokens ({@link #ESTIMATED_TOKENS}). */
    static final int ESTIMATED_LAST = 46;

    /** A record of a call that ran a proxy invocation (not a batch result line). */
    private static final String INVOKED = "batch_id IS NULL";

    /** An invocation whose record gives its length (a cache hit's 0 ms is one). */
    private static final String FILL = INVOKED + " AND cache = 'miss' AND status_code BETWEEN 200 AND 299"
            + " AND cost_usd IS NOT NULL AND error_type IS NULL";

    private static final String TIMED = INVOKED + " AND (latency_ms > 0 OR cache = 'hit')";

    /** The cells query's column of the reason a group's records were quarantined (NULL: their costs are sound). */
    static final int QUARANTINE = 47;

    String cellsQuery(String with) {
        String priced = "if(cost_usd IS NOT NULL, %s, 0)";
        String unpriced = "if(cost_usd IS NULL AND pricing_status = 'unpriced', %s, 0)";
        String estimated = "if(" + ESTIMATED_TOKENS + ", %s, 0)";
        return with
                + "SELECT substr(ts_start, 1, 10), provider, coalesce(model_served, model_requested), key_id, feature,"
                + " department, team, environment, count(*), count_if(cost_usd IS NOT NULL),"
                + " count_if(pricing_status = 'unpriced'), "
                + String.join(
                        ", ",
                        "sum(" + priced.formatted("input_tokens") + ")",
                        "sum(" + priced.formatted("cached_input_tokens") + ")",
                        "sum(" + priced.formatted("cache_write_tokens - cache_write_1h_tokens") + ")",
                        "sum(" + priced.formatted("cache_write_1h_tokens") + ")",
                        "sum(" + priced.formatted("output_tokens") + ")",
                        "sum(" + priced.formatted("reasoning_tokens") + ")")
                + ", CAST(coalesce(sum(try_cast(cost_usd AS DECIMAL(38,18))), 0) AS VARCHAR), pricing_provider"
                // calls charged at their reserved worst case, counted apart (schema 4's cost_basis)
                + ", count_if(" + WORST_CASE + "), CAST(coalesce(sum(if(" + WORST_CASE
                + ", try_cast(cost_usd AS DECIMAL(38,18)), NULL)), 0) AS VARCHAR), "
                // tokens of unpriced calls, counted apart like their calls
                + String.join(
                        ", ",
                        "sum(" + unpriced.formatted("input_tokens") + ")",
                        "sum(" + unpriced.formatted("cached_input_tokens") + ")",
                        "sum(" + unpriced.formatted("cache_write_tokens - cache_write_1h_tokens") + ")",
                        "sum(" + unpriced.formatted("cache_write_1h_tokens") + ")",
                        "sum(" + unpriced.formatted("output_tokens") + ")",
                        "sum(" + unpriced.formatted("reasoning_tokens") + ")")
                + ", sum(" + priced.formatted("coalesce(web_searches, 0)") + ")"
                + ", sum("
                + priced.formatted("if(web_search_tool = 'web_search_preview', coalesce(web_searches, 0), 0)")
                + ")"
                + ", coalesce(service_tier_served, service_tier_requested)"
                // the gateway's own work (GatewayWork.add): calls with a recorded length (a cache hit's, even 0 ms)
                // and those lengths, batch result lines (no invocation of their own), cache hits and look-ups
                + ", count_if(" + TIMED + "), sum(if(" + TIMED + ", latency_ms, 0)), count_if(batch_id IS NOT NULL)"
                + ", count_if(" + INVOKED + " AND cache = 'hit'), count_if(" + INVOKED
                + " AND cache IN ('hit', 'miss'))"
                // cache fills and their write units (CallProfile.cacheFillWriteUnits, integer division as ceilDiv)
                + ", count_if(" + FILL + "), sum(if(" + FILL + ", " + CallProfile.CACHE_FILL_SLOT_WRITES + " + 2 * (("
                + (CallProfile.CACHE_ANSWER_ITEM_BASE_BYTES + 1023) + " + "
                + CallProfile.CACHE_ANSWER_BYTES_PER_OUTPUT_TOKEN
                + " * greatest(coalesce(output_tokens, 0), 0)) / 1024), 0))"
                // calls priced on tokens the gateway counted itself, their cost and tokens (part of the priced ones)
                + ", count_if(" + ESTIMATED_TOKENS + "), CAST(coalesce(sum(if(" + ESTIMATED_TOKENS
                + ", try_cast(cost_usd AS DECIMAL(38,18)), NULL)), 0) AS VARCHAR), "
                + String.join(
                        ", ",
                        "sum(" + estimated.formatted("input_tokens") + ")",
                        "sum(" + estimated.formatted("cached_input_tokens") + ")",
                        "sum(" + estimated.formatted("cache_write_tokens - cache_write_1h_tokens") + ")",
                        "sum(" + estimated.formatted("cache_write_1h_tokens") + ")",
                        "sum(" + estimated.formatted("output_tokens") + ")",
                        "sum(" + estimated.formatted("reasoning_tokens") + ")",
                        "sum(" + estimated.formatted("coalesce(web_searches, 0)") + ")",
                        "sum("
                                + estimated.formatted(
                                        "if(web_search_tool = 'web_search_preview', coalesce(web_searches, 0), 0)")
                                + ")")
                // the records the check quarantined, in groups of their own (their costs as numbers where they are)
                + ", quarantine FROM checked GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 19, 30, 48";
    }

    String costQuery(String with, String column, List<String> ids) {
        StringBuilder in = new StringBuilder();
        for (String id : ids) {
            // ids are attribution values (letters, digits and . _ - : / @): nothing to escape, but never trust input
            in.append(in.length() == 0 ? "" : ", ")
                    .append('\'')
                    .append(id.replace("'", "''"))
                    .append('\'');
        }
        // per key: session ids are the clients' own, so two keys' s-1 are two sessions. max(session): a request's
        // session (one record per request id), so a request inside a session an outcome also names is counted once
        // unpriced calls counted apart: their cost is unknown, not zero (the sum of only unpriced calls is NULL)
        // per feature too: the features the outcome's calls used give its fully loaded cost (one row per feature;
        // the rows' costs add up to the id's)
        return with + "SELECT key_id, " + column
                + ", CAST(sum(try_cast(cost_usd AS DECIMAL(38,18))) AS VARCHAR), max(session),"
                + " count_if(cost_usd IS NULL AND pricing_status = 'unpriced'), feature FROM deduped"
                + " WHERE (cost_usd IS NOT NULL OR pricing_status = 'unpriced')"
                + " AND " + column + " IN (" + in + ") GROUP BY 1, 2, 6";
    }

    /** The session or request ids themselves, without the outcomes' keys. */
    static Set<String> ids(Set<String> tracked) {
        Set<String> ids = new java.util.HashSet<>();
        tracked.forEach(t -> ids.add(TrackedIds.idOf(t)));
        return ids;
    }

    private void run(String sql, Consumer<Row> sink) {
        StartQueryExecutionRequest.Builder start = StartQueryExecutionRequest.builder()
                .queryString(sql)
                .workGroup(settings.workgroup())
                .queryExecutionContext(c -> c.database(settings.database()));
        if (settings.outputLocation() != null) {
            start.resultConfiguration(ResultConfiguration.builder()
                    .outputLocation(settings.outputLocation())
                    .build());
        }
        String id = athena.startQueryExecution(start.build()).queryExecutionId();
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        long sleepMs = 200;
        while (true) {
            QueryExecutionStatus status = athena.getQueryExecution(r -> r.queryExecutionId(id))
                    .queryExecution()
                    .status();
            QueryExecutionState state = status.state();
            if (state == QueryExecutionState.SUCCEEDED) {
                break;
            }
            if (state == QueryExecutionState.FAILED || state == QueryExecutionState.CANCELLED) {
                String reason = status.stateChangeReason();
                throw new AthenaQueryException("Athena query " + id + " "
                        + state.toString().toLowerCase(Locale.ROOT) + ": " + reason
                        + (reason != null && reason.contains("'" + AthenaUsageTable.COST_BASIS + "'")
                                ? " (a table made before schema 4 lacks the column: run "
                                        + AthenaUsageTable.addCostBasis(settings.database(), settings.table())
                                        + ")"
                                : AthenaUsageTable.namesAddedColumn(reason)
                                        ? " (a table made by an earlier version lacks columns the report reads: add"
                                                + " those it lacks of "
                                                + AthenaUsageTable.addColumns(settings.database(), settings.table())
                                                + ")"
                                        : ""));
            }
            if (System.nanoTime() > deadline) {
                athena.stopQueryExecution(r -> r.queryExecutionId(id));
                throw new AthenaQueryException("Athena query " + id + " did not finish in " + settings.timeout());
            }
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AthenaQueryException("interrupted while waiting for Athena query " + id);
            }
            sleepMs = Math.min(2_000, sleepMs * 2);
        }
        String token = null;
        boolean header = true;
        do {
            GetQueryResultsResponse page = athena.getQueryResults(GetQueryResultsRequest.builder()
                    .queryExecutionId(id)
                    .nextToken(token)
                    .maxResults(1000)
                    .build());
            for (Row row : page.resultSet().rows()) {
                if (header) {
                    header = false; // the first row of a SELECT's results holds the column names
                    continue;
                }
                sink.accept(row);
            }
            token = page.nextToken();
        } while (token != null);
    }

    private static List<String> values(Row row) {
        List<String> v = new ArrayList<>(row.data().size());
        for (Datum d : row.data()) {
            v.add(d.varCharValue());
        }
        return v;
    }

    static List<List<String>> chunks(Set<String> ids) {
        return chunks(ids, ID_BYTES_PER_QUERY);
    }

    static List<List<String>> chunks(Set<String> ids, int idBytes) {
        List<String> sorted = new ArrayList<>(ids);
        sorted.sort(null);
        List<List<String>> chunks = new ArrayList<>();
        int from = 0;
        int bytes = 0;
        for (int i = 0; i < sorted.size(); i++) {
            // quoted, a doubled quote per quote, and ", " between: what costQuery writes
            String id = sorted.get(i);
            int size = id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    + (int) id.chars().filter(c -> c == '\'').count()
                    + 4;
            if (i > from && bytes + size > idBytes) {
                chunks.add(sorted.subList(from, i));
                from = i;
                bytes = 0;
            }
            bytes += size;
        }
        if (from < sorted.size()) {
            chunks.add(sorted.subList(from, sorted.size()));
        }
        return chunks;
    }

    /** An Athena query failed or timed out. */
    public static final class AthenaQueryException extends RuntimeException {
        public AthenaQueryException(String message) {
            super(message);
        }
    }
}
