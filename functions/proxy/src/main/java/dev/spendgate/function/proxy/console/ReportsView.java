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
 * {@code ./spendgate report} or the scheduled report runner, newest month first, each file to download. Each file is
 * checked against the month's {@code manifest.json}: one the manifest does not list, or whose SHA-256 differs from the
 * one it lists, is marked as not part of the last complete run (a run that failed part way wrote it). The email
 * bookkeeping beside the files ({@code email-sent.json}, {@code email-claim-*.json}) is not a report and is not
 * offered. Beside each month's heading stands the manifest's {@code month_state}: a running month's files are a preview.
 */
final class ReportsView {
    static final Pattern KEY = Pattern.compile("reports/(\\d{4}-\\d{2})/([A-Za-z0-9][A-Za-z0-9._-]{0,127})");
    private static final Pattern BOOKKEEPING = Pattern.compile("email-sent\\.json|email-claim-.*\\.json");
    private static final String NOT_OF_THE_RUN = "not part of the last complete run: ";
    private static final Map<String, String> TYPES = Map.of(
            "pdf", "application/pdf",
            "csv", "text/csv; charset=utf-8",
            "json", "application/json");

    private final ObjectStore store;

    ReportsView(ObjectStore store) {
        this.store = store;
    }

    String render() {
        TreeMap<String, List<ObjectStore.Listed>> months = new TreeMap<>(java.util.Comparator.reverseOrder());
        for (ObjectStore.Listed listed : store.listWithSizes("reports/")) {
            Matcher m = KEY.matcher(listed.key());
            if (m.matches() && offered(m.group(2))) {
                months.computeIfAbsent(m.group(1), x -> new java.util.ArrayList<>())
                        .add(listed);
            }
        }
        if (months.isEmpty()) {
            return Html.notice(
                    "ok",
                    "No monthly reports yet. ./spendgate report --month YYYY-MM writes one"
                            + " (in AWS the report runner does, on the 2nd of each month).");
        }
        StringBuilder sb = new StringBuilder("<ul class=\"reports\" data-testid=\"reports-list\">");
        months.forEach((month, files) -> month(sb, month, files));
        return sb.append("</ul>").toString();
    }

    private void month(StringBuilder sb, String month, List<ObjectStore.Listed> files) {
        String prefix = "reports/" + month + "/";
        Optional<byte[]> raw = files.stream().anyMatch(f -> f.key().equals(prefix + ReportManifest.FILE))
                ? store.get(prefix + ReportManifest.FILE)
                : Optional.empty();
        Optional<ReportManifest> manifest = raw.flatMap(ReportManifest::read);
        sb.append("<li><h2>").append(esc(month)).append("</h2>");
        if (raw.isEmpty()) {
            sb.append("<p class=\"stale\">No manifest.json: no run of this month is known to have completed, so"
                    + " none of these files is vouched for.</p>");
        } else if (manifest.isEmpty()) {
            sb.append("<p class=\"stale\">manifest.json cannot be read: none of these files is vouched for.</p>");
        } else {
            sb.append(state(manifest.get()));
            manifest.get().files().keySet().stream()
                    .filter(name -> files.stream().noneMatch(f -> f.key().equals(prefix + name)))
                    .forEach(name -> sb.append("<p class=\"stale\">manifest.json lists ")
                            .append(esc(name))
                            .append(", which is missing.</p>"));
        }
        sb.append("<ul>");
        for (ObjectStore.Listed file : files) {
            String name = file.key().substring(prefix.length());
            sb.append("<li><a download href=\"report-file?key=")
                    .append(esc(URLEncoder.encode(file.key(), StandardCharsets.UTF_8)))
                    .append("\">")
                    .append(esc(name))
                    .append("</a>");
            if (manifest.isPresent() && !name.equals(ReportManifest.FILE)) {
                String why = unvouched(manifest.get(), name, file);
                if (why != null) {
                    sb.append(" <strong class=\"stale\">").append(esc(why)).append("</strong>");
                }
            }
            sb.append("</li>");
        }
        sb.append("</ul></li>");
    }

    /**
     * The month's state as its last complete run saw it ({@code month_state}): a running month's files are a preview
     * whose figures grow until the month ends.
     */
    private static String state(ReportManifest manifest) {
        String state = manifest.monthState() == null ? "" : manifest.monthState();
        String text =
                switch (state) {
                    case "complete" -> "Complete month";
                    case "running" ->
                        "<strong>Preview of the running month</strong>: its figures grow until the month ends";
                    case "future" -> "A month not yet begun: no spend in it";
                    default -> "Month state " + (state.isEmpty() ? "not stated" : esc(state));
                };
        return "<p data-testid=\"month-state\">" + text
                + (manifest.generatedAt() == null ? "" : "; files of the run of " + esc(manifest.generatedAt()))
                + ".</p>";
    }

    /** Why the manifest does not vouch for the file, or null when it does. */
    private String unvouched(ReportManifest manifest, String name, ObjectStore.Listed file) {
        ReportManifest.Listed listed = manifest.files().get(name);
        if (listed == null) {
            return NOT_OF_THE_RUN + "manifest.json does not list it (a run that failed part way wrote it).";
        }
        String differs = NOT_OF_THE_RUN + "its SHA-256 differs from the one manifest.json lists (a run that failed"
                + " part way wrote it).";
        if (file.size() != ObjectStore.Listed.UNKNOWN_SIZE && listed.bytes() >= 0 && file.size() != listed.bytes()) {
            return differs;
        }
        try {
            Optional<java.io.InputStream> content = store.open(file.key());
            if (content.isEmpty()) {
                return "gone since the page listed it.";
            }
            return manifest.vouchesFor(name, content.get()) ? null : differs;
        } catch (IOException | RuntimeException e) {
            return "could not be read to check it against manifest.json.";
        }
    }

    void download(String key, ResponseSink sink) throws IOException {
        Matcher m = key == null ? null : KEY.matcher(key);
        Optional<byte[]> bytes = m != null && m.matches() && offered(m.group(2)) ? store.get(key) : Optional.empty();
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

    /** A report file of a known type, not the email bookkeeping beside the files. */
    private static boolean offered(String file) {
        return type(file) != null && !BOOKKEEPING.matcher(file).matches();
    }

    private static String type(String file) {
        int dot = file.lastIndexOf('.');
        return dot < 0 ? null : TYPES.get(file.substring(dot + 1));
    }
}
