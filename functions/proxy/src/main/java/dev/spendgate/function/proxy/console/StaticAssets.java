package dev.spendgate.function.proxy.console;

import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The console's style sheet, script and Chart.js (vendored with its licence under {@code dev/spendgate/console/}),
 * read from the jar once. Nothing is fetched from the network at run time.
 */
final class StaticAssets {
    static final String ROOT = "/dev/spendgate/console/";
    private static final Map<String, String> TYPES = Map.of(
            "console.css", "text/css; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "chart.umd.min.js", "text/javascript; charset=utf-8",
            "chart.js.LICENSE.md", "text/plain; charset=utf-8");

    private final Map<String, byte[]> files;

    private StaticAssets(Map<String, byte[]> files) {
        this.files = files;
    }

    static StaticAssets load() {
        java.util.HashMap<String, byte[]> files = new java.util.HashMap<>();
        for (String name : TYPES.keySet()) {
            try (InputStream in = StaticAssets.class.getResourceAsStream(ROOT + name)) {
                if (in == null) {
                    throw new IllegalStateException("console asset " + name + " is missing from the jar");
                }
                files.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new StaticAssets(Map.copyOf(files));
    }

    void serve(String name, ResponseSink sink) throws IOException {
        byte[] body = files.get(name);
        if (body == null) {
            Reply.html(sink, 404, Html.page("", "Not found", Html.notice("error", "No such file.")));
            return;
        }
        Reply.bytes(sink, 200, Reply.headers(TYPES.get(name)).set("Cache-Control", "private, max-age=300"), body);
    }
}
