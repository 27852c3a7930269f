package dev.spendgate.function.proxy.pipeline;

/** Client-supplied text as it may appear in a message: at most 100 characters, printable ASCII. */
final class Text {
    private Text() {}

    static String sanitize(String value) {
        String v = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return v.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
