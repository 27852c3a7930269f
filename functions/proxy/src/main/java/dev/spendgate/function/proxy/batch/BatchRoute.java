package dev.spendgate.function.proxy.batch;

import dev.spendgate.function.proxy.upstream.ApiFormat;
import java.util.Optional;

/** A batch-API path: which collection, and the batch or file id it names (null for the collection itself). */
record BatchRoute(Kind kind, String id) {
    enum Kind {
        OPENAI_FILES,
        OPENAI_FILE,
        OPENAI_FILE_CONTENT,
        OPENAI_BATCHES,
        OPENAI_BATCH,
        ANTHROPIC_BATCHES,
        ANTHROPIC_BATCH,
        ANTHROPIC_RESULTS
    }

    ApiFormat format() {
        return kind.name().startsWith("ANTHROPIC") ? ApiFormat.ANTHROPIC : ApiFormat.OPENAI;
    }

    /**
     * The built-in provider the route's batch API belongs to ({@code openai}, {@code anthropic}): batches and files
     * live at OpenAI and Anthropic, never at a providers-file provider that merely speaks their format.
     */
    String provider() {
        return format() == ApiFormat.ANTHROPIC ? "anthropic" : "openai";
    }

    /**
     * {@code /v1/files[/{id}[/content]]}, {@code /v1/batches[/{id}[/cancel]]},
     * {@code /v1/messages/batches[/{id}[/cancel|/results]]}; a query string is ignored.
     */
    static Optional<BatchRoute> parse(String path) {
        int q = path.indexOf('?');
        String p = q >= 0 ? path.substring(0, q) : path;
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        String[] s = p.split("/", -1); // "", "v1", ...
        if (s.length < 3 || !s[0].isEmpty() || !"v1".equals(s[1])) {
            return Optional.empty();
        }
        if ("files".equals(s[2])) {
            return switch (s.length) {
                case 3 -> Optional.of(new BatchRoute(Kind.OPENAI_FILES, null));
                case 4 -> Optional.of(new BatchRoute(Kind.OPENAI_FILE, s[3]));
                case 5 ->
                    "content".equals(s[4])
                            ? Optional.of(new BatchRoute(Kind.OPENAI_FILE_CONTENT, s[3]))
                            : Optional.empty();
                default -> Optional.empty();
            };
        }
        if ("batches".equals(s[2])) {
            return switch (s.length) {
                case 3 -> Optional.of(new BatchRoute(Kind.OPENAI_BATCHES, null));
                case 4 -> Optional.of(new BatchRoute(Kind.OPENAI_BATCH, s[3]));
                case 5 ->
                    "cancel".equals(s[4]) ? Optional.of(new BatchRoute(Kind.OPENAI_BATCH, s[3])) : Optional.empty();
                default -> Optional.empty();
            };
        }
        if ("messages".equals(s[2]) && s.length >= 4 && "batches".equals(s[3])) {
            return switch (s.length) {
                case 4 -> Optional.of(new BatchRoute(Kind.ANTHROPIC_BATCHES, null));
                case 5 -> Optional.of(new BatchRoute(Kind.ANTHROPIC_BATCH, s[4]));
                case 6 ->
                    "results".equals(s[5])
                            ? Optional.of(new BatchRoute(Kind.ANTHROPIC_RESULTS, s[4]))
                            : "cancel".equals(s[5])
                                    ? Optional.of(new BatchRoute(Kind.ANTHROPIC_BATCH, s[4]))
                                    : Optional.empty();
                default -> Optional.empty();
            };
        }
        return Optional.empty();
    }
}
