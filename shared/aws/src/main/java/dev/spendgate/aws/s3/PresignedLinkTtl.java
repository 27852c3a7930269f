package dev.spendgate.aws.s3;

/**
 * How long the monthly report's S3 links may be valid ({@code SPENDGATE_REPORT_LINK_TTL_HOURS}): a URL presigned with
 * SigV4 is valid for at most 7 days, and S3's presigner refuses to sign for longer. Checked at synth and at the report
 * function's start with this one rule, rather than failing at the first link of the first month too large to attach.
 */
public final class PresignedLinkTtl {
    /** SigV4's limit on a presigned URL, 7 days, in hours; also the default. */
    public static final int MAX_HOURS = 168;

    /** The rule, as an error states it. */
    public static final String RULE =
            "whole hours, 1 to " + MAX_HOURS + " (a presigned S3 link is valid for at most 7 days)";

    private PresignedLinkTtl() {}

    /** Whether {@code value} (surrounding blanks ignored) is whole hours, 1 to {@link #MAX_HOURS}. */
    public static boolean valid(String value) {
        String v = value == null ? "" : value.trim();
        return v.matches("[0-9]{1,3}") && Integer.parseInt(v) >= 1 && Integer.parseInt(v) <= MAX_HOURS;
    }
}
