package dev.spendgate.report.internal;

/**
 * Text for a CSV cell that a spreadsheet opens as text, never as a formula: a value starting with {@code = + - @}, a tab
 * or a carriage return gets a leading {@code '} (OWASP "CSV injection"). For text columns only; numbers such as
 * {@code -0.04} are written as they are.
 */
public final class CsvText {
    private CsvText() {}

    /** The value, with a leading {@code '} if a spreadsheet would read it as a formula; null stays null. */
    public static String cell(String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        return switch (value.charAt(0)) {
            case '=', '+', '-', '@', '\t', '\r' -> "'" + value;
            default -> value;
        };
    }
}
