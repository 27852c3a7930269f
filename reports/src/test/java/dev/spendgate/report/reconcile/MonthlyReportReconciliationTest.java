package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.report.email.SmtpMailTransport;
import dev.spendgate.report.focus.FocusMetadata;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monthly report reconciled against provider bills built from a simulated month: a raw-key team calling OpenAI
 * around the gateway on 10-12 November ($0.60 a day), and batch, storage and web-search lines on 20 November. What a
 * CFO reads: the FOCUS file's total includes the billed spend beyond the metering, apart and to the cent, the PDF
 * shows the total with the bills and the match status, and the email carries reconciliation.csv.
 */
class MonthlyReportReconciliationTest {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

    static final Set<String> GATEWAY_ACCOUNTS = Set.of(ProviderFiles.GATEWAY_PROJECT, "wrkspc_gateway");
    static final List<LocalDate> RAW_DAYS =
            List.of(LocalDate.of(2026, 11, 10), LocalDate.of(2026, 11, 11), LocalDate.of(2026, 11, 12));
    /** The raw-key team's $1.80 and the never-metered $4.225 (OpenAI) + $7.70 (Anthropic). */
    static final BigDecimal BEYOND = new BigDecimal("13.725");

    static MonthlyUsage metered;

    @TempDir
    Path dir;

    final Store out = new Store();
    final Store data = new Store();

    @BeforeAll
    static void simulate() {
        metered = SimulatedMonth.usage();
    }

    ProviderBills bills(Set<String> gatewayAccounts) throws Exception {
        ProviderFiles f = ProviderFiles.of(metered, SimulatedMonth.CATALOG);
        ModelPrice mini = SimulatedMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        for (LocalDate d : RAW_DAYS) {
            f.usage.add(new ProviderFiles.Usage(
                    d,
                    "openai",
                    "gpt-4o-mini-2024-07-18",
                    "key_rawteam",
                    TokenUsage.openAi(2_000_000, 0, 500_000, 0),
                    mini));
        }
        LocalDate d = LocalDate.of(2026, 11, 20);
        f.extras.add(new ProviderFiles.Extra(
                d, "openai", "gpt-4o-2024-08-06, batch input", new BigDecimal("4.125"), null, null));
        f.extras.add(new ProviderFiles.Extra(d, "openai", "file search storage", new BigDecimal("0.10"), null, null));
        f.extras.add(new ProviderFiles.Extra(
                d, "anthropic", "Claude Sonnet 4.5 Batch Usage", new BigDecimal("7.50"), "batch", "tokens"));
        f.extras.add(new ProviderFiles.Extra(
                d, "anthropic", "Web Search Usage", new BigDecimal("0.20"), null, "web_search"));
        Path oc = Files.writeString(dir.resolve("openai-costs.json"), ProviderFiles.json(f.openAiCostPages(7)));
        Path ou = Files.writeString(dir.resolve("openai-usage.json"), ProviderFiles.json(f.openAiUsagePages(31)));
        Path ac = Files.writeString(dir.resolve("anthropic-cost.json"), ProviderFiles.json(f.anthropicCostPages(7)));
        Path au = Files.writeString(dir.resolve("anthropic-usage.json"), ProviderFiles.json(f.anthropicUsagePages(31)));
        List<ProviderBill> bills = List.of(OpenAiBill.read(List.of(oc, ou)), AnthropicBill.read(List.of(ac, au)));
        return new ProviderBills(bills, null, gatewayAccounts);
    }

    MonthlyReport.Result run(ProviderBills bills, MonthlyReport.Email email) {
        MonthlyUsageSource source =
                (m, s, r, tap) -> m.equals(SimulatedMonth.MONTH) ? SimulatedMonth.usage() : MonthlyUsage.of(m);
        return MonthlyReport.create(
                        new MonthlyReport.Settings(SimulatedMonth.CATALOG, SimulatedMonth.CATALOG, null, null, null),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .withProviderBills(bills)
                .run(SimulatedMonth.MONTH, source, data, out, "", email, false);
    }

    List<CSVRecord> focusRows() throws Exception {
        try (CSVParser p = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new InputStreamReader(
                        new ByteArrayInputStream(out.get(MonthlyReport.FOCUS).orElseThrow()),
                        StandardCharsets.UTF_8))) {
            return p.getRecords();
        }
    }

    static BigDecimal sum(List<CSVRecord> rows) {
        return rows.stream().map(r -> new BigDecimal(r.get("BilledCost"))).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    static boolean fromBill(CSVRecord r) {
        return r.get("Tags").contains("\"x_CostSource\":\"provider_bill\"");
    }

    @Test
    void run_withProviderBills_focusCarriesTheBilledSpendBeyondMeteringApartAndToTheCent() throws Exception {
        MonthlyReport.Result result = run(bills(GATEWAY_ACCOUNTS), null);

        List<CSVRecord> rows = focusRows();
        List<CSVRecord> billRows =
                rows.stream().filter(MonthlyReportReconciliationTest::fromBill).toList();
        List<CSVRecord> meteredRows = rows.stream().filter(r -> !fromBill(r)).toList();
        assertThat(sum(meteredRows)).isEqualByComparingTo(metered.totalCostUsd());
        assertThat(sum(billRows)).isEqualByComparingTo(BEYOND);
        assertThat(sum(rows)).isEqualByComparingTo(metered.totalCostUsd().add(BEYOND));
        assertThat(result.focusBilledTotalUsd())
                .isEqualByComparingTo(metered.totalCostUsd().add(BEYOND));
        assertThat(result.providerBillRowsUsd()).isEqualByComparingTo(BEYOND);

        Map<String, BigDecimal> byClass = new TreeMap<>();
        for (CSVRecord r : billRows) {
            assertThat(r.get("ChargeCategory")).isEqualTo("Adjustment");
            assertThat(r.get("ChargeDescription")).startsWith("provider_bill: ");
            String cls = r.get("Tags").replaceAll(".*\"x_ReconciliationClass\":\"([a-z_]+)\".*", "$1");
            byClass.merge(cls, new BigDecimal(r.get("BilledCost")), BigDecimal::add);
        }
        assertThat(byClass).containsOnlyKeys("not_seen_by_gateway", "never_metered");
        assertThat(byClass.get("not_seen_by_gateway")).isEqualByComparingTo("1.80");
        assertThat(byClass.get("never_metered")).isEqualByComparingTo("11.925");

        // the raw-key team's spend lands on its own project, one row per day it called around the gateway
        List<CSVRecord> notSeen = billRows.stream()
                .filter(r -> r.get("Tags").contains("not_seen_by_gateway"))
                .toList();
        assertThat(notSeen)
                .extracting(r -> r.get("ChargePeriodStart").substring(0, 10))
                .containsExactly("2026-11-10", "2026-11-11", "2026-11-12");
        assertThat(notSeen).allSatisfy(r -> {
            assertThat(r.get("Tags")).contains("\"x_ProviderAccount\":\"proj_key_rawteam\"");
            assertThat(r.get("ProviderName")).isEqualTo("OpenAI");
            assertThat(new BigDecimal(r.get("BilledCost"))).isEqualByComparingTo("0.60");
        });
        assertThat(new String(out.get(FocusMetadata.FILE).orElseThrow(), StandardCharsets.UTF_8))
                .contains("x_CostSource=provider_bill");
    }

    @Test
    void run_gatewayAccountsUnknown_notSeenSpendNamesEveryAccountOfTheLineUnsplit() throws Exception {
        run(bills(Set.of()), null);

        List<CSVRecord> notSeen = focusRows().stream()
                .filter(r -> r.get("Tags").contains("not_seen_by_gateway"))
                .toList();
        assertThat(notSeen).hasSize(3);
        assertThat(notSeen).allSatisfy(r -> assertThat(r.get("Tags"))
                .contains("\"x_ProviderAccount\":\"proj_gateway, proj_key_rawteam\""));
        assertThat(sum(notSeen)).isEqualByComparingTo("1.80");
    }

    @Test
    void run_withProviderBills_pdfShowsTheTotalWithBillsAndTheReconciliation() throws Exception {
        MonthlyReport.Result result = run(bills(GATEWAY_ACCOUNTS), null);

        String text;
        try (PDDocument doc = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            text = new PDFTextStripper().getText(doc);
        }
        String page1;
        try (PDDocument doc = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            PDFTextStripper first = new PDFTextStripper();
            first.setEndPage(1);
            page1 = first.getText(doc);
        }
        BigDecimal meteredTotal = metered.totalCostUsd();
        assertThat(page1)
                .contains("Total with provider bills: " + Money.usd(meteredTotal.add(BEYOND)) + " = "
                        + Money.usd(meteredTotal) + " metered by the gateway + $13.73 billed by providers beyond it")
                .contains("Of that, $13.73 never went through the gateway")
                .contains("openai: "
                        + Money.usd(result.reconciliation().totals().values().stream()
                                .filter(t -> t.source().id().equals("openai"))
                                .findFirst()
                                .orElseThrow()
                                .billedUsd())
                        + " billed, matched within 0.0 %; $6.03 not metered by the gateway")
                .contains("anthropic: ")
                .contains("$7.70 not metered by the gateway");
        assertThat(text)
                .contains("Reconciliation with provider bills")
                .contains("Spend not metered by the gateway, per provider account")
                .contains("proj_key_rawteam")
                .contains("not seen by gateway $1.80")
                .contains("x_CostSource=provider_bill");
    }

    String pdfText() throws Exception {
        try (PDDocument doc = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            return new PDFTextStripper().getText(doc);
        }
    }

    @Test
    void run_providerWithoutBill_pdfStatesNoBillDataForIt() throws Exception {
        ProviderBills two = bills(GATEWAY_ACCOUNTS);
        ProviderBills withReason = new ProviderBills(
                two.bills(),
                null,
                GATEWAY_ACCOUNTS,
                Map.of(dev.spendgate.domain.reconcile.BillSource.AWS, "no export configured"));

        run(withReason, null);

        assertThat(pdfText())
                .contains("aws: no bill data (no export configured)")
                .contains("openai: ")
                .contains("matched within 0.0 %");
        // the figures are those of the two bills alone
        assertThat(sum(focusRows().stream()
                        .filter(MonthlyReportReconciliationTest::fromBill)
                        .toList()))
                .isEqualByComparingTo(BEYOND);
    }

    @Test
    void run_noBillForAnyProvider_pdfStatesNoBillDataForEachAndAddsNoBillRows() throws Exception {
        ProviderBills none = new ProviderBills(
                List.of(),
                null,
                Set.of(),
                Map.of(
                        dev.spendgate.domain.reconcile.BillSource.OPENAI, "no admin key",
                        dev.spendgate.domain.reconcile.BillSource.ANTHROPIC, "no admin key",
                        dev.spendgate.domain.reconcile.BillSource.AWS, "no export configured"));

        MonthlyReport.Result result = run(none, null);

        assertThat(pdfText())
                .contains("Reconciliation with provider bills: no bill data for any provider")
                .contains("openai: no bill data (no admin key)")
                .contains("anthropic: no bill data (no admin key)")
                .contains("aws: no bill data (no export configured)");
        assertThat(focusRows()).noneMatch(MonthlyReportReconciliationTest::fromBill);
        assertThat(out.get(ReconciliationCsv.FILE_NAME)).isEmpty();
        assertThat(result.warnings())
                .anySatisfy(w -> assertThat(w).startsWith("provider bills not reconciled: no bill data for 2026-11"));
    }

    @Test
    void run_withProviderBillsAndEmail_attachesReconciliationCsvThroughSmtp() throws Exception {
        MonthlyReport.Email email = new MonthlyReport.Email(
                "reports@spendgate.test",
                List.of("cfo@example.test"),
                10_000_000,
                SmtpMailTransport.create(
                        new SmtpMailTransport.Settings("127.0.0.1", ServerSetupTest.SMTP.getPort(), null, null, false)),
                key -> "https://files.example.test/" + key);

        run(bills(GATEWAY_ACCOUNTS), email);

        MimeMessage[] received = mail.getReceivedMessages();
        assertThat(received).hasSize(1);
        Multipart parts = (Multipart) received[0].getContent();
        Map<String, byte[]> files = new TreeMap<>();
        for (int i = 0; i < parts.getCount(); i++) {
            Part p = parts.getBodyPart(i);
            if (p.getFileName() != null) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                p.getInputStream().transferTo(b);
                files.put(p.getFileName(), b.toByteArray());
            }
        }
        assertThat(files)
                .containsOnlyKeys(
                        "board-report.pdf",
                        "focus-1.1.csv",
                        "chargeback.csv",
                        "data-quality.json",
                        "focus-metadata.json",
                        "reconciliation.csv");
        assertThat(files.get("reconciliation.csv"))
                .isEqualTo(out.get(ReconciliationCsv.FILE_NAME).orElseThrow());
        String csv = new String(files.get("reconciliation.csv"), StandardCharsets.UTF_8);
        assertThat(csv.lines().filter(l -> l.contains(",not_seen_by_gateway,"))).hasSize(3);
    }

    /**
     * The same reconciled month as finance reads the email: the subject says "AI spend report November 2026: $X" with
     * the gateway's metered total, while the attached focus-1.1.csv and chargeback.csv both total $13.73 more (what the
     * providers billed beyond the metering), and the body says nothing of it. The PDF prints the total with the bills
     * as an equation; the email's own figure matches no attached file's total and gives no reason why.
     */
    @Test
    void run_withProviderBillsAndEmail_emailStatesTheTotalTheAttachmentsSumTo() throws Exception {
        MonthlyReport.Email email = new MonthlyReport.Email(
                "reports@spendgate.test",
                List.of("cfo@example.test"),
                10_000_000,
                SmtpMailTransport.create(
                        new SmtpMailTransport.Settings("127.0.0.1", ServerSetupTest.SMTP.getPort(), null, null, false)),
                key -> "https://files.example.test/" + key);

        MonthlyReport.Result result = run(bills(GATEWAY_ACCOUNTS), email);

        assertThat(Money.usd(result.chargeback().totalUsd())).isEqualTo(Money.usd(result.focusBilledTotalUsd()));
        assertThat(result.providerBillRowsUsd()).isEqualByComparingTo(BEYOND);
        MimeMessage m = mail.getReceivedMessages()[0];
        String body = (String) ((Multipart) m.getContent()).getBodyPart(0).getContent();
        String read = m.getSubject() + "\n" + body;
        assertThat(read)
                .as("the email as finance reads it:%n%s", read)
                .contains(Money.usd(result.focusBilledTotalUsd()));
    }

    static final class Store implements ObjectStore {
        final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();

        @Override
        public void put(String key, byte[] content) {
            objects.put(key, content.clone());
        }

        @Override
        public Optional<byte[]> get(String key) {
            return Optional.ofNullable(objects.get(key));
        }

        @Override
        public List<String> list(String prefix) {
            return new ArrayList<>(
                    objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList());
        }
    }
}
