package dev.spendgate.report.reconcile;

import dev.spendgate.domain.io.GzipMembers;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.ProviderCharge;
import dev.spendgate.domain.reconcile.TokenKind;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads Amazon Bedrock lines from an AWS Data Exports CSV (plain or gzip): a CUR 2.0 export
 * (https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html) or a FOCUS 1.0/1.2 with AWS columns
 * export (https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-focus-1-2-aws-columns.html). Usage types
 * follow https://docs.aws.amazon.com/bedrock/latest/userguide/cost-mgmt-understanding-cur-data.html:
 * {@code <region>-<model>-input-tokens}, {@code -output-tokens}, {@code -cache-read-input-token-count}, {@code
 * -cache-write-input-token-count}. Other Bedrock usage types (batch, provisioned throughput, customization, storage)
 * and non-usage lines (tax, credits) are never metered by the gateway. Parquet exports are not read.
 */
public final class AwsBill {
    /** One export format: the columns read and their names. */
    /** FOCUS's column that marks a correction of an earlier period ({@code Correction}). */
    private static final String CHARGE_CLASS = "ChargeClass";

    private record Columns(
            String format,
            String day,
            String end,
            String service,
            String usageType,
            String cost,
            String quantity,
            String currency,
            String resource,
            String tags,
            String lineType,
            String lineId,
            String interval) {
        List<String> required() {
            return List.of(day, service, usageType, cost, quantity, currency);
        }
    }

    private static final Columns CUR2 = new Columns(
            "CUR 2.0",
            "line_item_usage_start_date",
            "line_item_usage_end_date",
            "line_item_product_code",
            "line_item_usage_type",
            "line_item_unblended_cost",
            "line_item_usage_amount",
            "line_item_currency_code",
            "line_item_resource_id",
            "resource_tags",
            "line_item_line_item_type",
            "identity_line_item_id",
            "identity_time_interval");
    private static final Columns FOCUS = new Columns(
            "FOCUS",
            "ChargePeriodStart",
            "ChargePeriodEnd",
            "ServiceName",
            "x_UsageType",
            "BilledCost",
            "ConsumedQuantity",
            "BillingCurrency",
            "ResourceId",
            "Tags",
            "ChargeCategory",
            null,
            null);
    private static final Pattern REGION = Pattern.compile("^[A-Z]{2,4}\\d?-");
    /** A chunk of one export: {@code <export-name>-00001.csv.gz}, {@code -00002...}, in one folder. */
    private static final Pattern CHUNK = Pattern.compile("^(.*)-\\d{1,5}(\\.csv(?:\\.gz)?)$", Pattern.CASE_INSENSITIVE);

    private static final Pattern TOKEN = Pattern.compile(
            "^(.+?)-(?:(cache-read-input-token-count)|(cache-write-input-token-count)|(?:mantle-)?(input-tokens|output-tokens))(?:-.*)?$",
            Pattern.CASE_INSENSITIVE);

    private AwsBill() {}

    /**
     * Why a Parquet export fails: every Parquet reader served to this project needs Hadoop on the class path
     * (parquet-hadoop declares hadoop-common as "provided") or native libraries (DuckDB), too heavy for the report
     * Lambda; AWS Data Exports writes the same columns as CSV.
     */
    public static final String PARQUET_NOT_READ = "a Parquet file: Spendgate reads AWS Data Exports as CSV (plain or"
            + " gzip); set the export's file format to \"text/csv\" (compression GZIP) and give that file";

    /**
     * Reads the files as one bill. Chunks of one export ({@code name-00001.csv.gz}, {@code name-00002.csv.gz} in one
     * folder) may share days; two exports (or versions of one) covering the same day are refused, and so is a line
     * ({@code identity_line_item_id} and {@code identity_time_interval}) given twice, so no cost counts twice.
     */
    public static ProviderBill read(List<Path> files) {
        List<ProviderCharge> charges = new ArrayList<>();
        Set<LocalDate> days = new TreeSet<>();
        Map<LocalDate, String> dayFile = new HashMap<>();
        Map<LocalDate, String> dayExport = new HashMap<>();
        Map<String, String> lineFile = new HashMap<>();
        List<String> warnings = new ArrayList<>();
        List<String> formats = new ArrayList<>();
        for (Path f : files) {
            String origin = f.getFileName().toString();
            String export = export(f);
            TreeSet<LocalDate> fileDays = new TreeSet<>();
            formats.add(readFile(f, origin, charges, fileDays, warnings, lineFile));
            if (!fileDays.isEmpty()) { // an export covers every day from its first to its last, spend or not
                fileDays.first().datesUntil(fileDays.last().plusDays(1)).forEach(fileDays::add);
            }
            for (LocalDate d : fileDays) {
                String before = dayFile.putIfAbsent(d, origin);
                String beforeExport = dayExport.putIfAbsent(d, export);
                if (before != null && !export.equals(beforeExport)) {
                    throw new BillFormatException(
                            origin,
                            "covers " + d + " like " + before + ": overlapping exports would count that day twice");
                }
            }
            days.addAll(fileDays);
        }
        return new ProviderBill(
                BillSource.AWS,
                charges,
                List.of(),
                new TreeSet<>(days),
                new TreeSet<>(),
                warnings,
                "AWS " + String.join(", ", new TreeSet<>(formats)) + " export ("
                        + String.join(
                                ", ",
                                files.stream()
                                        .map(p -> p.getFileName().toString())
                                        .toList()) + ")");
    }

    /** The export a file belongs to: its folder and its name without the chunk number. */
    private static String export(Path f) {
        Path abs = f.toAbsolutePath().normalize();
        String name = abs.getFileName().toString();
        Matcher m = CHUNK.matcher(name);
        String stem = m.matches() ? m.group(1) + m.group(2).toLowerCase(Locale.ROOT) : name;
        return abs.getParent() + "/" + stem;
    }

    private static String readFile(
            Path f,
            String origin,
            List<ProviderCharge> charges,
            Set<LocalDate> days,
            List<String> warnings,
            Map<String, String> lineFile) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(f))) {
            raw.mark(4);
            byte[] magic = raw.readNBytes(4);
            raw.reset();
            boolean parquetMagic =
                    magic.length == 4 && magic[0] == 'P' && magic[1] == 'A' && magic[2] == 'R' && magic[3] == '1';
            if (parquetMagic || origin.toLowerCase(java.util.Locale.ROOT).endsWith(".parquet")) {
                throw new BillFormatException(origin, PARQUET_NOT_READ);
            }
            InputStream in = magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b
                    ? new GzipMembers(raw, 65536)
                    : raw;
            Reader reader = new InputStreamReader(withoutByteOrderMark(in), StandardCharsets.UTF_8);
            try (CSVParser csv = CSVFormat.RFC4180
                    .builder()
                    .setHeader()
                    .setSkipHeaderRecord(true)
                    .setIgnoreSurroundingSpaces(true)
                    .get()
                    .parse(reader)) {
                List<String> header = csv.getHeaderNames();
                Columns c = header.contains(CUR2.usageType()) ? CUR2 : header.contains(FOCUS.cost()) ? FOCUS : null;
                if (c == null) {
                    throw new BillFormatException(
                            origin,
                            "neither a CUR 2.0 nor a FOCUS export: expected columns " + CUR2.required() + " or "
                                    + FOCUS.required() + ", found " + header);
                }
                List<String> missing =
                        c.required().stream().filter(h -> !header.contains(h)).toList();
                if (!missing.isEmpty()) {
                    throw new BillFormatException(origin, c.format() + " export lacks column(s) " + missing);
                }
                String interval = header.contains(c.interval()) ? c.interval() : c.day();
                int skippedNonBedrock = 0;
                for (CSVRecord r : csv) {
                    String where = origin + " line " + (r.getRecordNumber() + 1);
                    if (!r.isConsistent()) {
                        throw new BillFormatException(
                                where, "has " + r.size() + " fields, the header has " + header.size());
                    }
                    LocalDate day = day(r.get(c.day()), where, c.day());
                    // FOCUS ChargeClass "Correction": a change to an earlier, invoiced period (a refund), whose
                    // ConsumedQuantity is null by the spec; never metered, and its day is not a day the export covers
                    boolean correction = header.contains(CHARGE_CLASS)
                            && r.get(CHARGE_CLASS).trim().equalsIgnoreCase("Correction");
                    String lineType = correction
                            ? "Correction"
                            : header.contains(c.lineType())
                                    ? r.get(c.lineType()).trim()
                                    : "Usage";
                    boolean usage = lineType.isEmpty() || lineType.equalsIgnoreCase("Usage");
                    if (!correction) {
                        days.add(day);
                    }
                    if (!isBedrock(r.get(c.service()))) {
                        skippedNonBedrock++;
                        continue;
                    }
                    if (usage && header.contains(c.end())) { // taxes and fees may span the month in any export
                        oneDayAtMost(r.get(c.day()), r.get(c.end()), where, c.day() + ".." + c.end());
                    }
                    if (c.lineId() != null && header.contains(c.lineId())) {
                        String id = r.get(c.lineId()) + "|" + r.get(interval);
                        String before = r.get(c.lineId()).isBlank() ? null : lineFile.putIfAbsent(id, origin);
                        if (before != null) {
                            throw new BillFormatException(
                                    where,
                                    c.lineId() + " " + r.get(c.lineId()) + " for " + r.get(interval)
                                            + " appears twice"
                                            + (before.equals(origin)
                                                    ? ""
                                                    : " (also in " + before
                                                            + "): overlapping exports would count it twice"));
                        }
                    }
                    String currency = r.get(c.currency()).trim();
                    if (!currency.equalsIgnoreCase("USD")) {
                        throw new BillFormatException(
                                where,
                                c.currency() + " is '" + currency
                                        + "'; only USD bills are reconciled (the gateway meters in USD)");
                    }
                    BigDecimal cost = number(r.get(c.cost()), where, c.cost());
                    String account = account(r, c, header);
                    String usageType = r.get(c.usageType()).trim();
                    if (!usage) {
                        charges.add(ProviderCharge.unmetered(
                                BillSource.AWS,
                                day,
                                null,
                                account,
                                lineType.toLowerCase(Locale.ROOT),
                                cost,
                                usageType + " (" + lineType + ")"));
                        continue;
                    }
                    charges.add(charge(usageType, day, account, cost, r.get(c.quantity()), where, c.quantity()));
                }
                if (skippedNonBedrock > 0 && charges.isEmpty()) {
                    warnings.add(origin + ": " + skippedNonBedrock + " lines, none of them Amazon Bedrock");
                }
                return c.format();
            }
        } catch (ZipException | EOFException e) {
            throw new BillFormatException(origin, "a damaged gzip file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        } catch (IllegalStateException | UncheckedIOException e) {
            throw new BillFormatException(origin, "not a readable CSV: " + e.getMessage(), e);
        }
    }

    /**
     * The text after a leading UTF-8 byte order mark (EF BB BF), which Excel's "CSV UTF-8" and Windows PowerShell write:
     * a signature, not part of the first column's name.
     */
    static InputStream withoutByteOrderMark(InputStream in) throws IOException {
        InputStream b = in.markSupported() ? in : new BufferedInputStream(in);
        b.mark(3);
        byte[] head = b.readNBytes(3);
        if (head.length < 3 || (head[0] & 0xff) != 0xEF || (head[1] & 0xff) != 0xBB || (head[2] & 0xff) != 0xBF) {
            b.reset();
        }
        return b;
    }

    static ProviderCharge charge(
            String usageType,
            LocalDate day,
            String account,
            BigDecimal cost,
            String quantity,
            String where,
            String col) {
        String bare = REGION.matcher(usageType).replaceFirst("");
        String lower = bare.toLowerCase(Locale.ROOT);
        if (lower.contains("batch")) {
            return ProviderCharge.unmetered(BillSource.AWS, day, null, account, "batch", cost, usageType);
        }
        Matcher m = TOKEN.matcher(bare);
        if (!m.matches()) {
            String item = lower.contains("provisioned") || lower.contains("modelunit")
                    ? "provisioned throughput"
                    : lower.contains("storage")
                            ? "storage"
                            : lower.contains("customization") || lower.contains("train")
                                    ? "fine-tuning"
                                    : "other: " + usageType;
            return ProviderCharge.unmetered(BillSource.AWS, day, null, account, item, cost, usageType);
        }
        TokenKind kind = m.group(2) != null
                ? TokenKind.CACHED_INPUT
                : m.group(3) != null
                        ? TokenKind.CACHE_WRITE_5M
                        : m.group(4).toLowerCase(Locale.ROOT).startsWith("input") ? TokenKind.INPUT : TokenKind.OUTPUT;
        BigDecimal q = number(quantity, where, col);
        long tokens;
        try {
            tokens = q.stripTrailingZeros().longValueExact();
        } catch (ArithmeticException e) {
            throw new BillFormatException(where, col + " " + quantity + " is not a whole number of tokens");
        }
        return ProviderCharge.tokens(BillSource.AWS, day, m.group(1), account, kind, tokens, cost, usageType);
    }

    private static boolean isBedrock(String service) {
        String s = service.toLowerCase(Locale.ROOT).replace(" ", "");
        return s.contains("bedrock");
    }

    private static String account(CSVRecord r, Columns c, List<String> header) {
        String resource = header.contains(c.resource()) ? r.get(c.resource()).trim() : "";
        String tags = header.contains(c.tags()) ? r.get(c.tags()).trim() : "";
        if (tags.equals("{}") || tags.equals("[]")) {
            tags = "";
        }
        String a = (resource + (tags.isEmpty() ? "" : " " + tags)).trim();
        return a.isEmpty() ? null : a;
    }

    private static LocalDate day(String value, String where, String col) {
        String v = value.trim();
        try {
            return LocalDate.parse(v.length() >= 10 ? v.substring(0, 10) : v);
        } catch (DateTimeParseException e) {
            throw new BillFormatException(where, col + " '" + value + "' is not a date-time");
        }
    }

    /**
     * Refuses a line longer than one day: an export with monthly time granularity starts every line on the 1st, so read
     * as daily it would put the month's usage on the 1st.
     */
    private static void oneDayAtMost(String start, String end, String where, String col) {
        LocalDateTime from = dateTime(start);
        LocalDateTime to = dateTime(end);
        if (from != null && to != null && to.isAfter(from.plusDays(1))) {
            throw new BillFormatException(
                    where,
                    col + " " + start.trim() + "/" + end.trim() + " is longer than one day: reconciliation compares"
                            + " days, so it needs an export with daily (or hourly) time granularity; set the export's"
                            + " time granularity to Daily and give that file");
        }
    }

    /** {@code 2026-11-01T00:00:00Z}, {@code 2026-11-01 00:00:00} or {@code 2026-11-01}; null if none of them. */
    private static LocalDateTime dateTime(String value) {
        String v = value.trim().replace(' ', 'T');
        try {
            return v.length() >= 19
                    ? LocalDateTime.parse(v.substring(0, 19))
                    : LocalDate.parse(v.substring(0, Math.min(10, v.length()))).atStartOfDay();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static BigDecimal number(String value, String where, String col) {
        try {
            return new BigDecimal(value.trim());
        } catch (NumberFormatException e) {
            throw new BillFormatException(where, col + " '" + value + "' is not a number");
        }
    }
}
