package dev.spendgate.function.proxy.console;

import static dev.spendgate.function.proxy.console.Html.esc;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monthly reports ({@code reports/YYYY-MM/...}: FOCUS CSV, chargeback, data quality, board PDF) as written by
 * {@code ./spendgate report} or the scheduled report runner, newest month first, each file to download.
 */
final class ReportsView {
    static final Pattern KEY = Pattern.compile("reports/(\\d{4}-\\d{2})/([A-Za-z0-9][A-Za-z0-9._-]{0,127})");
    private static final Map<String, String> TYPES = Map.of(
            "pdf", "application/pdf",
            "csv", "text/csv; charset=utf-8",
            "json", "application/json");

    private final ObjectStore store;

    ReportsView(ObjectStore store) {
        this.store = store;
    }

    String render() {
        TreeMap<String, List<String>> months = new TreeMap<>(java.util.Comparator.reverseOrder());
        for (String key : store.list("reports/")) {
            Matcher m = KEY.matcher(key);
            if (m.matches() && type(m.group(2)) != null) {
                months.computeIfAbsent(m.group(1), x -> new java.util.ArrayList<>())
                        .add(key);
            }
        }
        if (months.isEmpty()) {
            return Html.notice(
                    "ok",
                    "No monthly reports yet. ./spendgate report --month YYYY-MM writes one"
                            + " (in AWS the report runner does, on the 1st of each month).");
        }
        StringBuilder sb = new StringBuilder("<ul class=\"reports\" data-testid=\"reports-list\">");
        months.forEach((month, keys) -> {
            sb.append("<li><h2>").append(esc(month)).append("</h2><ul>");
            for (String key : keys) {
                sb.append("<li><a download href=\"report-file?key=")
                        .append(esc(URLEncoder.encode(key, StandardCharsets.UTF_8)))
                        .append("\">")
                        .append(esc(key.substring(key.lastIndexOf('/') + 1)))
                        .append("</a></li>");
            }
            sb.append("</ul></li>");
        });
        return sb.append("</ul>").toString();
    }

    void download(String key, ResponseSink sink) throws IOException {
        Matcher m = key == null ? null : KEY.matcher(key);
        Optional<byte[]> bytes =
                m != null && m.matches() && type(m.group(2)) != null ? store.get(key) : Optional.empty();
        if (bytes.isEmpty()) {
            Reply.html(sink, 404, Html.page("reports", "Not found", Html.notice("error", "No report file " + key)));
            return;
        }
        String name = m.group(1) + "-" + m.group(2);
        Reply.bytes(
                sink,
                200,
                Reply.headers(type(m.group(2))).set("Content-Disposition", "attachment; filename=\"" + name + "\""),
                bytes.get());
    }

    private static String type(String file) {
        int dot = file.lastIndexOf('.');
        return dot < 0 ? null : TYPES.get(file.substring(dot + 1));
    }
}
