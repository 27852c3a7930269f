package dev.spendgate.report.chargeback;

import dev.spendgate.domain.report.Chargeback;
import dev.spendgate.report.internal.CsvText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes {@code chargeback.csv}: one line per department, team, feature and cost centre, with the GL account, whether
 * the line is direct, shared or suspense (and why), the exact amount and the amount in cents. The cent amounts sum to
 * the month's total rounded to the cent. Text that a spreadsheet would read as a formula (a team or feature named
 * {@code -A1} or {@code @SUM(..)}) starts with {@code '} ({@link CsvText}).
 */
public final class ChargebackCsvWriter {
    public static final List<String> COLUMNS = List.of(
            "month",
            "department",
            "team",
            "feature",
            "gl_account",
            "cost_centre",
            "allocation",
            "note",
            "calls",
            "exact_amount_usd",
            "amount_usd");

    private ChargebackCsvWriter() {}

    public static byte[] write(Chargeback chargeback) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CSVPrinter csv = new CSVPrinter(
                new OutputStreamWriter(bytes, StandardCharsets.UTF_8),
                CSVFormat.RFC4180
                        .builder()
                        .setRecordSeparator('\n')
                        .setHeader(COLUMNS.toArray(String[]::new))
                        .get())) {
            for (Chargeback.Line l : chargeback.lines()) {
                csv.printRecord(
                        chargeback.month().toString(),
                        CsvText.cell(l.department()),
                        CsvText.cell(l.team()),
                        CsvText.cell(l.feature()),
                        CsvText.cell(l.glAccount()),
                        CsvText.cell(l.costCentre()),
                        l.kind().label(),
                        CsvText.cell(l.note()),
                        l.calls(),
                        l.exactAmountUsd().toPlainString(),
                        l.amountUsd().toPlainString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
