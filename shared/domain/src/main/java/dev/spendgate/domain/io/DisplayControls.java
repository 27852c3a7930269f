package dev.spendgate.domain.io;

/**
 * Characters that change how a line of text displays rather than showing as themselves: the C0 and C1 control
 * characters (a line break splits a table's row, ESC reaches the terminal as a command) and the bidirectional
 * formatting characters U+061C, U+200E, U+200F, U+202A-U+202E and U+2066-U+2069 (a right-to-left override shows the
 * rest of the line, a row's columns, in another order than the one written). Key names and owners and the gateway's
 * {@code model} refuse them; the CLI's tables print them escaped.
 */
public final class DisplayControls {
    private DisplayControls() {}

    /** Whether {@code c} is a bidirectional formatting character (an embedding, override, isolate or mark). */
    public static boolean isBidiControl(int c) {
        return c == 0x061C
                || c == 0x200E
                || c == 0x200F
                || (c >= 0x202A && c <= 0x202E)
                || (c >= 0x2066 && c <= 0x2069);
    }

    /** Whether {@code c} is a control character or a bidirectional formatting character. */
    public static boolean isControl(int c) {
        return Character.isISOControl(c) || isBidiControl(c);
    }

    /** Whether {@code text} holds a control character or a bidirectional formatting character. */
    public static boolean hasControl(String text) {
        return text.chars().anyMatch(DisplayControls::isControl);
    }
}
