package dev.spendgate.function.proxy.console;

import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes console answers with the headers every one of them carries (no caching, no framing, no foreign code). */
final class Reply {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private Reply() {}

    static Headers headers(String contentType) {
        return new Headers()
                .set("Content-Type", contentType)
                .set("Cache-Control", "no-store")
                .set("Content-Security-Policy", CSP)
                .set("X-Content-Type-Options", "nosniff")
                .set("X-Frame-Options", "DENY")
                .set("Referrer-Policy", "same-origin");
    }

    static void html(ResponseSink sink, int status, String html) throws IOException {
        bytes(sink, status, headers("text/html; charset=utf-8"), html.getBytes(StandardCharsets.UTF_8));
    }

    /** 303 to a location relative to the page (so the same answer works under /console and /admin/console). */
    static void redirect(ResponseSink sink, String location, String setCookie) throws IOException {
        Headers h = headers("text/plain; charset=utf-8").set("Location", location);
        if (setCookie != null) {
            h.set("Set-Cookie", setCookie);
        }
        bytes(sink, 303, h, new byte[0]);
    }

    static void bytes(ResponseSink sink, int status, Headers headers, byte[] body) throws IOException {
        sink.start(status, headers, body.length);
        sink.write(body);
        sink.end();
    }
}
