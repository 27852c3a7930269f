package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Refuses a call that names a file its key may not use. Files live at the provider under the gateway's one provider
 * key, which can read every file of the organisation: a Responses {@code input_file} or {@code input_image} part's
 * {@code file_id}, a chat {@code file} part's {@code file.file_id}, a tool's {@code file_ids} would otherwise have the
 * model read another team's upload back to the caller. Each such id ({@link #fileIds}; OpenAI-format bodies only, the
 * gateway keeping OpenAI uploads only) is checked with {@link FileAccess}: another key's upload is 404,
 * in the error shape {@code /v1/files/{id}} answers another key, recorded as {@code file_not_found}; nothing is
 * forwarded or reserved. A value that is not a file id the gateway could have kept is not looked up (it never saw it,
 * so it passes as an id the gateway never saw does). More than {@value #MAX_FILE_IDS} distinct ids: 400, as each costs
 * object-store reads; a store that cannot be read, 503 ({@link #storeUnavailable}).
 */
public final class CheckFileReferences implements Stage {
    static final int MAX_FILE_IDS = 100;
    /** The ids the gateway keeps files under ({@code BatchStore.isValidId}). */
    private static final Pattern FILE_ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

    private final FileAccess files;

    public CheckFileReferences(FileAccess files) {
        this.files = Objects.requireNonNull(files, "files");
    }

    @Override
    public Step apply(CallContext ctx) {
        if (ctx.body() == null || ctx.key() == null || ctx.format() != ApiFormat.OPENAI) {
            return Step.proceed(ctx); // the gateway keeps OpenAI uploads only
        }
        Map<String, String> named = fileIds(ctx.body());
        if (named.size() > MAX_FILE_IDS) {
            return Step.refuse(
                    ctx,
                    Refusal.of(
                            400,
                            "invalid_request_error",
                            "The request names " + named.size() + " file ids; Spendgate takes at most " + MAX_FILE_IDS
                                    + " a call.",
                            "file_id"));
        }
        for (Map.Entry<String, String> e : named.entrySet()) {
            boolean may;
            try {
                may = files.mayReference(ctx.key().id(), e.getKey());
            } catch (ObjectStoreException | UncheckedIOException unreadable) {
                Log.warn(
                        ctx.requestId(),
                        "could not read who uploaded file " + e.getKey() + ": " + unreadable.getMessage());
                return Step.refuse(ctx, storeUnavailable(e.getKey(), e.getValue()));
            }
            if (!may) {
                return Step.refuse(
                        ctx,
                        Refusal.of(
                                        404,
                                        ctx.format() == ApiFormat.OPENAI ? "invalid_request_error" : "not_found_error",
                                        "No file found with id '" + e.getKey() + "' for this Spendgate key.",
                                        e.getValue())
                                .recordedAs("file_not_found"));
            }
        }
        return Step.proceed(ctx);
    }

    /**
     * The object store holding the uploads' owners could not be read: 503 with {@code Retry-After: 1}, as the call may
     * pass once the store answers (a 500 would tell the SDK not to retry). Nothing is forwarded or reserved.
     */
    private static Refusal storeUnavailable(String fileId, String path) {
        return Refusal.of(
                        503,
                        "api_error",
                        "Spendgate could not check who uploaded file '" + fileId + "' just now; retry shortly.",
                        path)
                .withHeaders(Map.of("Retry-After", "1"))
                .recordedAs("file_store_unavailable");
    }

    /**
     * The file ids {@code body} names in the places that make the model read a file, each with the path of its first
     * place (e.g. {@code input[0].content[1].file_id}): a Responses {@code input_file} or {@code input_image} part, a
     * chat {@code file} part's {@code file.file_id}, a tool container's {@code file_ids}. A {@code file_id} anywhere else
     * (a {@code file_citation} annotation of an answer sent back as input, a tool call's arguments) makes the model
     * read nothing, so it is not looked up.
     */
    static Map<String, String> fileIds(JsonNode body) {
        Map<String, String> ids = new LinkedHashMap<>();
        contentParts(ids, body.path("input"), "input");
        contentParts(ids, body.path("messages"), "messages");
        JsonNode tools = body.path("tools");
        for (int i = 0; i < tools.size(); i++) {
            JsonNode files = tools.get(i).path("container").path("file_ids");
            for (int j = 0; j < files.size(); j++) {
                if (files.get(j).isTextual()) {
                    add(ids, files.get(j).asText(), "tools[" + i + "].container.file_ids[" + j + "]");
                }
            }
        }
        return ids;
    }

    /** The file parts of each item's {@code content} in {@code items} (Responses {@code input}, chat messages). */
    private static void contentParts(Map<String, String> ids, JsonNode items, String name) {
        if (!items.isArray()) {
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            JsonNode content = items.get(i).path("content");
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String type = part.path("type").asText("");
                String at = name + "[" + i + "].content[" + j + "]";
                if ((type.equals("input_file") || type.equals("input_image"))
                        && part.path("file_id").isTextual()) {
                    add(ids, part.path("file_id").asText(), at + ".file_id");
                } else if (type.equals("file")
                        && part.path("file").path("file_id").isTextual()) {
                    add(ids, part.path("file").path("file_id").asText(), at + ".file.file_id");
                }
            }
        }
    }

    private static void add(Map<String, String> ids, String id, String path) {
        if (FILE_ID.matcher(id).matches()) {
            ids.putIfAbsent(id, path);
        }
    }
}
