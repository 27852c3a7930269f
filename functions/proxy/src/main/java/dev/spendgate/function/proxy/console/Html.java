package dev.spendgate.function.proxy.console;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;

/** Escaping and the page frame every console page shares (navigation, styles, scripts; nothing from a CDN). */
public final class Html {
    static final List<String[]> NAV = List.of(
            new String[] {"./", "Spend", "spend"},
            new String[] {"budgets", "Budgets", "budgets"},
            new String[] {"findings", "Findings", "findings"},
            new String[] {"keys", "Keys", "keys"},
            new String[] {"calls", "Recent calls", "calls"},
            new String[] {"reports", "Reports", "reports"});

    private Html() {}

    public static String esc(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Dollars to the cent for reading, "$1,234.50" whatever the machine's locale (a gateway started under de_DE would
     * otherwise print "$1.234,50"); tables that must match the CLI show the exact figure instead.
     */
    public static String usd(BigDecimal v) {
        return v == null ? "-" : "$" + String.format(Locale.ROOT, "%,.2f", v.setScale(2, RoundingMode.HALF_UP));
    }

    /** A count with thousands separated by commas, "51,389", whatever the machine's locale. */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** The whole page: {@code current} is the NAV id of the page, {@code body} its escaped HTML. */
    static String page(String current, String title, String body) {
        StringBuilder sb = new StringBuilder(body.length() + 2048);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>")
                .append(esc(title))
                .append(" - Spendgate console</title>")
                .append("<link rel=\"icon\" href=\"data:,\">")
                .append("<link rel=\"stylesheet\" href=\"static/console.css\">")
                .append("<script src=\"static/chart.umd.min.js\" defer></script>")
                .append("<script src=\"static/console.js\" defer></script>")
                .append("</head><body>")
                .append("<a class=\"skip\" href=\"#main\">Skip to content</a>")
                .append("<header><span class=\"brand\">Spendgate</span><nav aria-label=\"Console pages\"><ul>");
        for (String[] item : NAV) {
            sb.append("<li><a href=\"").append(item[0]).append('"');
            if (item[2].equals(current)) {
                sb.append(" aria-current=\"page\"");
            }
            sb.append('>').append(item[1]).append("</a></li>");
        }
        sb.append("</ul></nav></header><main id=\"main\" tabindex=\"-1\"><h1>")
                .append(esc(title))
                .append("</h1>")
                .append(body)
                .append("</main></body></html>\n");
        return sb.toString();
    }

    static String notice(String kind, String text) {
        return "<p class=\"notice " + kind + "\" role=\"" + (kind.equals("error") ? "alert" : "status") + "\">"
                + esc(text) + "</p>";
    }

    static String option(String value, String label, String selected) {
        return "<option value=\"" + esc(value) + "\"" + (value.equals(selected) ? " selected" : "") + ">" + esc(label)
                + "</option>";
    }

    static String input(String name, String label, String value, String hint) {
        String id = "f-" + name.replace('_', '-');
        return "<div class=\"field\"><label for=\"" + id + "\">" + esc(label) + "</label><input id=\"" + id
                + "\" name=\"" + esc(name) + "\" value=\"" + esc(value) + "\""
                + (hint == null ? "" : " aria-describedby=\"" + id + "-hint\"") + ">"
                + (hint == null ? "" : "<small id=\"" + id + "-hint\">" + esc(hint) + "</small>") + "</div>";
    }
}
