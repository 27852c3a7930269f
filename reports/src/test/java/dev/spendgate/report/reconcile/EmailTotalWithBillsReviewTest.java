package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.domain.report.Money;
import dev.spendgate.report.MonthlyReport;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Finance reports": with provider bills the PDF's first page gives the total with them as an equation
 * ("Total with provider bills: $132.78 = $119.05 metered by the gateway + $13.73 billed by providers beyond it" for
 * MonthlyReportReconciliationTest's month), and the FOCUS file, chargeback.csv and manifest.json total the same.
 * Locally ({@code spendgate report --openai F --anthropic F}, no gateway AWS estimate) the email's subject and text
 * give the metered $119.05 only, as "AI spend", and never mention the bills, while the FOCUS and chargeback files
 * attached to it total $132.78. The same month in AWS, where the gateway's own cost line is added, says the
 * total with the bills: the text finance reads depends on a setting that has nothing to do with the bills.
 */
class EmailTotalWithBillsReviewTest {
    @TempDir
    Path dir;

    @Test
    void run_withProviderBillsEmailed_subjectOrBodyStatesTheTotalTheFilesCarry() throws Exception {
        MonthlyReportReconciliationTest.metered = SimulatedMonth.usage();
        MonthlyReportReconciliationTest month = new MonthlyReportReconciliationTest();
        month.dir = dir;
        List<byte[]> sent = new ArrayList<>();
        MailTransport transport = (from, to, raw) -> {
            sent.add(raw);
            return MailTransport.Delivery.TO_ALL;
        };

        MonthlyReport.Result result = month.run(
                month.bills(MonthlyReportReconciliationTest.GATEWAY_ACCOUNTS),
                new MonthlyReport.Email(
                        "reports@spendgate.test",
                        List.of("cfo@example.test"),
                        10_000_000,
                        transport,
                        name -> "file:///" + name));

        BigDecimal focusTotal = MonthlyReportReconciliationTest.sum(month.focusRows());
        assertThat(result.providerBillRowsUsd()).isEqualByComparingTo(MonthlyReportReconciliationTest.BEYOND);
        assertThat(result.chargeback().totalUsd().setScale(2, RoundingMode.HALF_UP))
                .isEqualByComparingTo(focusTotal.setScale(2, RoundingMode.HALF_UP));
        String withBills = Money.usd(focusTotal);
        assertThat(month.pdfText()).contains("Total with provider bills: " + withBills);

        assertThat(sent).hasSize(1);
        MimeMessage message =
                new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(sent.get(0)));
        String body = (String) ((Multipart) message.getContent()).getBodyPart(0).getContent();
        assertThat(message.getSubject() + "\n" + body)
                .as("the FOCUS and chargeback files attached total " + withBills + " (metered "
                        + Money.usd(result.figures().totalUsd()) + "): the email must say so, as the PDF does")
                .contains(withBills);
    }
}
