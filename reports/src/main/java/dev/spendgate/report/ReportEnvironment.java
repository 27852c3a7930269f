package dev.spendgate.report;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.report.email.SmtpMailTransport;
import dev.spendgate.report.focus.FocusCsvWriter;
import dev.spendgate.report.focus.FocusVersion;
import dev.spendgate.report.narrative.LlmNarrative;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Report settings from environment variables, read once (the CLI and the report function share them):
 *
 * <ul>
 *   <li>{@code SPENDGATE_CHARGEBACK_RULES}: path of the chargeback rules JSON file
 *   <li>{@code SPENDGATE_PRICING_OVERRIDES}: the customer price file the gateway uses (contracted prices)
 *   <li>{@code SPENDGATE_FOCUS_BILLING_ACCOUNT_ID}, {@code SPENDGATE_FOCUS_BILLING_ACCOUNT_NAME}
 *   <li>{@code SPENDGATE_REPORT_EMAIL_TO} (comma-separated), {@code SPENDGATE_REPORT_EMAIL_FROM},
 *       {@code SPENDGATE_REPORT_ATTACH_MAX_BYTES} (default 7000000)
 *   <li>{@code SPENDGATE_SMTP_HOST}, {@code SPENDGATE_SMTP_PORT} (25), {@code SPENDGATE_SMTP_USER},
 *       {@code SPENDGATE_SMTP_PASSWORD}, {@code SPENDGATE_SMTP_STARTTLS} (true when a user is set, else false),
 *       {@code SPENDGATE_SMTP_IMPLICIT_TLS} (TLS from the first byte; true on port 465, else false)
 *   <li>{@code SPENDGATE_REPORT_LLM_BASE_URL}, {@code SPENDGATE_REPORT_LLM_KEY} (a Spendgate key),
 *       {@code SPENDGATE_REPORT_LLM_MODEL}: draft the narrative with an LLM through Spendgate (off when unset)
 *   <li>{@code SPENDGATE_FOCUS_VERSION}: {@code 1.1} (default) or {@code 1.3}
 * </ul>
 */
public record ReportEnvironment(
        Path rulesFile,
        Path pricingOverrides,
        FocusCsvWriter.Settings focus,
        List<String> emailTo,
        String emailFrom,
        long maxAttachmentBytes,
        SmtpMailTransport.Settings smtp,
        LlmNarrative.Settings llm,
        FocusVersion focusVersion) {

    public static final long DEFAULT_MAX_ATTACHMENT_BYTES = 7_000_000;

    /**
     * One address of {@code SPENDGATE_REPORT_EMAIL_TO}, refused at start when it is none (a semicolon-separated list,
     * a typo), rather than each month at the send.
     */
    private static String recipient(String address) {
        try {
            new InternetAddress(address, true);
            return address;
        } catch (AddressException e) {
            throw new IllegalArgumentException(
                    "SPENDGATE_REPORT_EMAIL_TO must be comma-separated email addresses; '" + address + "' is not one ("
                            + e.getMessage() + ")",
                    e);
        }
    }

    /**
     * {@code SPENDGATE_REPORT_EMAIL_FROM}: one address, or one with a display name ({@code Spendgate Reports
     * <reports@example.com>}), refused at start when it is not (two addresses, a semicolon, a typo), rather than each
     * month when the email is composed, after the files are written.
     */
    private static String sender(String address) {
        try {
            // strict, and one address only: the constructor refuses a list
            new InternetAddress(address, true);
            return address;
        } catch (AddressException e) {
            throw new IllegalArgumentException(
                    "SPENDGATE_REPORT_EMAIL_FROM must be one email address; '" + address + "' is not one ("
                            + e.getMessage() + ")",
                    e);
        }
    }

    public static ReportEnvironment from(Map<String, String> env) {
        String to = blankToNull(env.get("SPENDGATE_REPORT_EMAIL_TO"));
        String host = blankToNull(env.get("SPENDGATE_SMTP_HOST"));
        String accountId = blankToNull(env.get("SPENDGATE_FOCUS_BILLING_ACCOUNT_ID"));
        String accountName = blankToNull(env.get("SPENDGATE_FOCUS_BILLING_ACCOUNT_NAME"));
        return new ReportEnvironment(
                path(env.get("SPENDGATE_CHARGEBACK_RULES")),
                path(env.get("SPENDGATE_PRICING_OVERRIDES")),
                new FocusCsvWriter.Settings(
                        accountId == null ? FocusCsvWriter.Settings.DEFAULT.billingAccountId() : accountId,
                        accountName == null ? FocusCsvWriter.Settings.DEFAULT.billingAccountName() : accountName,
                        "USD"),
                to == null
                        ? List.of()
                        : Arrays.stream(to.split(","))
                                .map(String::trim)
                                .filter(s -> !s.isEmpty())
                                .map(ReportEnvironment::recipient)
                                .toList(),
                Optional.ofNullable(blankToNull(env.get("SPENDGATE_REPORT_EMAIL_FROM")))
                        .map(ReportEnvironment::sender)
                        .orElse("spendgate-reports@localhost"),
                number(
                        env.get("SPENDGATE_REPORT_ATTACH_MAX_BYTES"),
                        DEFAULT_MAX_ATTACHMENT_BYTES,
                        "SPENDGATE_REPORT_ATTACH_MAX_BYTES"),
                host == null ? null : smtp(host, env),
                llm(env),
                blankToNull(env.get("SPENDGATE_FOCUS_VERSION")) == null
                        ? FocusVersion.DEFAULT
                        : FocusVersion.parse(env.get("SPENDGATE_FOCUS_VERSION"), "SPENDGATE_FOCUS_VERSION"));
    }

    private static SmtpMailTransport.Settings smtp(String host, Map<String, String> env) {
        int port = (int) number(env.get("SPENDGATE_SMTP_PORT"), 25, "SPENDGATE_SMTP_PORT");
        return new SmtpMailTransport.Settings(
                host,
                port,
                blankToNull(env.get("SPENDGATE_SMTP_USER")),
                env.get("SPENDGATE_SMTP_PASSWORD"),
                // with a user and password, TLS unless turned off explicitly: never log in in clear
                flag(
                        env.get("SPENDGATE_SMTP_STARTTLS"),
                        blankToNull(env.get("SPENDGATE_SMTP_USER")) != null,
                        "SPENDGATE_SMTP_STARTTLS"),
                // RFC 8314: port 465 is submission over implicit TLS; any other port may be told so
                flag(
                        env.get("SPENDGATE_SMTP_IMPLICIT_TLS"),
                        port == SmtpMailTransport.Settings.SUBMISSIONS_PORT,
                        "SPENDGATE_SMTP_IMPLICIT_TLS"));
    }

    /**
     * Only what an analysis reads: the chargeback rules and price overrides files. The email, SMTP, LLM and FOCUS
     * settings are not read, so a command that sends nothing ({@code waste}, {@code reconcile}, the console's findings)
     * is not stopped by a mistake in them; {@code report} and the report function read them with {@link #from}.
     */
    public static ReportEnvironment forAnalysis(Map<String, String> env) {
        return new ReportEnvironment(
                path(env.get("SPENDGATE_CHARGEBACK_RULES")),
                path(env.get("SPENDGATE_PRICING_OVERRIDES")),
                FocusCsvWriter.Settings.DEFAULT,
                List.of(),
                "spendgate-reports@localhost",
                DEFAULT_MAX_ATTACHMENT_BYTES,
                null,
                null,
                FocusVersion.DEFAULT);
    }

    private static LlmNarrative.Settings llm(Map<String, String> env) {
        String url = blankToNull(env.get("SPENDGATE_REPORT_LLM_BASE_URL"));
        String key = blankToNull(env.get("SPENDGATE_REPORT_LLM_KEY"));
        String model = blankToNull(env.get("SPENDGATE_REPORT_LLM_MODEL"));
        if (url == null && key == null && model == null) {
            return null;
        }
        if (url == null || key == null || model == null) {
            throw new IllegalArgumentException("an LLM narrative needs SPENDGATE_REPORT_LLM_BASE_URL,"
                    + " SPENDGATE_REPORT_LLM_KEY and SPENDGATE_REPORT_LLM_MODEL together");
        }
        return new LlmNarrative.Settings(url, key, model, null);
    }

    /** The bundled catalog with the customer's overrides, as the gateway prices calls. */
    public PricingCatalog contractedCatalog() {
        PricingCatalog bundled = PricingCatalog.bundled();
        return pricingOverrides == null ? bundled : bundled.withOverrides(pricingOverrides);
    }

    /** The rules from {@code file} if given, else from the configured file, else everything to suspense. */
    public ChargebackRules rules(Path file) {
        Path chosen = file != null ? file : rulesFile;
        if (chosen == null) {
            return ChargebackRules.NONE;
        }
        try {
            return ChargebackRules.parse(Files.readAllBytes(chosen));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read chargeback rules " + chosen, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(chosen + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "ReportEnvironment[rulesFile=" + rulesFile + ", emailTo=" + emailTo.size() + " recipients, smtp=" + smtp
                + ", llm=" + llm + "]";
    }

    private static Path path(String value) {
        String v = blankToNull(value);
        return v == null ? null : Path.of(v);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    /**
     * {@code true} or {@code false} (any case, surrounding blanks ignored), {@code fallback} when unset; anything else
     * is refused naming the variable. {@link Boolean#parseBoolean} would read {@code yes} or {@code 1} as false: for
     * {@code SPENDGATE_SMTP_STARTTLS} that sends the SMTP password in clear.
     */
    public static boolean flag(String value, boolean fallback, String name) {
        String v = blankToNull(value);
        if (v == null) {
            return fallback;
        }
        return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, got '" + v + "'");
        };
    }

    private static long number(String value, long fallback, String name) {
        String v = blankToNull(value);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a positive whole number, got '" + v + "'");
        }
    }
}
