package dev.spendgate.function.proxy.local;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;

/**
 * The size of a request head as HTTP/1.1 would carry it, which {@code SPENDGATE_MAX_HEADER_BYTES} limits: request line,
 * {@code Host}, one line per header and the blank line. An HTTP/2 head arrives decoded, so the same head gets the same
 * answer on either protocol.
 */
final class HeadSize {
    private static final int REQUEST_LINE_REST = " HTTP/1.1\r\n".length() + 1; // and the space after the method
    private static final int HOST_LINE = "Host: \r\n".length();
    private static final int FIELD_LINE = ": \r\n".length();
    private static final int BLANK_LINE = 2;

    private HeadSize() {}

    static long asHttp11(Request request) {
        HttpURI uri = request.getHttpURI();
        long size = request.getMethod().length() + length(uri.getPathQuery()) + REQUEST_LINE_REST + BLANK_LINE;
        if (uri.hasAuthority()) {
            size += HOST_LINE + uri.getAuthority().length();
        }
        for (HttpField field : request.getHeaders()) {
            size += field.getName().length() + length(field.getValue()) + FIELD_LINE;
        }
        return size;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
