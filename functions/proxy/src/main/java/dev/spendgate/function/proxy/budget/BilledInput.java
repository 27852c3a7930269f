package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.fingerprint.Utf8Digest;
import dev.spendgate.domain.pricing.ContextWindows;
import dev.spendgate.domain.pricing.ImageTokens;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * An upper bound of the input tokens a provider bills for a request body, whatever its wire format: every text in the
 * body (message parts, system prompts and blocks, tool results), tool and schema definitions ({@code tools}, {@code
 * functions}, {@code response_format}, {@code text.format}, Bedrock's {@code toolConfig}) counted as their JSON text
 * (providers render them more compactly) plus the fixed tokens of Anthropic-defined tools ({@link DefinedToolTokens}),
 * and media by a stated bound per item instead of their base64 text:
 *
 * <ul>
 *   <li>image: the model's bound per image ({@link ImageTokens}: OpenAI 3,800, gpt-4o-mini 48,200, Claude 1,600
 *       before Opus 4.7 and 4,784 from it, 3,800 elsewhere);
 *   <li>audio: by its decoded size, at most the tokens a second the provider bills for the leanest speech codec
 *       ({@link AudioTokens}: on Gemini one token per 20 bytes, elsewhere one per 50);
 *   <li>document (PDF or other file): {@value #PAGE_TOKENS} tokens per page found in the file, and at least one token
 *       per {@value #DOCUMENT_BYTES_PER_TOKEN} decoded bytes; a document sent by reference (a URL, {@code s3://} or
 *       {@code gs://} location, or a file id) counts the largest document the provider takes: Anthropic and OpenAI
 *       read PDFs of at most {@value #REFERENCED_DOCUMENT_PAGES} pages ({@value #REFERENCED_DOCUMENT_TOKENS} tokens at
 *       {@value #PAGE_TOKENS} a page), Gemini thousands ({@value #GEMINI_DOCUMENT_TOKENS}); the documents of a request together at
 *       most the model's context window ({@link ContextWindows}); an image by reference counts the image bound;
 *   <li>video (a field or part type naming {@code video}, a {@code data:video/} URL): the model's bound per video
 *       ({@link VideoTokens}), the same inline or by reference (a URL, {@code s3://} location or file id), since its
 *       duration, which the provider bills by, is not in the body; the videos of a request together at most the model's
 *       context window.
 * </ul>
 */
final class BilledInput {
    static final long PAGE_TOKENS = 3_000;
    static final long DOCUMENT_BYTES_PER_TOKEN = 2;
    /** Pages of the longest PDF Anthropic (PDF support guide) and OpenAI (file inputs guide) read in a request. */
    static final long REFERENCED_DOCUMENT_PAGES = 100;

    static final long REFERENCED_DOCUMENT_TOKENS = REFERENCED_DOCUMENT_PAGES * PAGE_TOKENS;
    /**
     * Gemini reads PDFs of up to 1,000 pages (Gemini 2.5) or 3,000 (Gemini 3, 560 tokens a page): a referenced
     * document may fill the context window, at most the largest one Gemini has had (1.5 Pro's 2,097,152 tokens).
     */
    static final long GEMINI_DOCUMENT_TOKENS = 2_097_152;
    /** A string this long of base64 characters only is media, not text. */
    private static final int MEDIA_MIN_LENGTH = 256;

    /** Top-level fields that only steer the call: not billed as input. */
    private static final Set<String> CONTROLS = Set.of(
            "model",
            "stream",
            "stream_options",
            "max_tokens",
            "max_completion_tokens",
            "max_output_tokens",
            "n",
            "temperature",
            "top_p",
            "top_k",
            "user",
            "metadata",
            "service_tier",
            "store",
            "seed",
            "logprobs",
            "top_logprobs",
            "presence_penalty",
            "frequency_penalty",
            "logit_bias",
            "parallel_tool_calls",
            "reasoning_effort",
            "anthropic_version",
            "inferenceConfig",
            "requestMetadata",
            "performanceConfig",
            "additionalModelRequestFields");
    /** Definitions billed as rendered text: counted as their JSON. */
    private static final Set<String> SCHEMAS =
            Set.of("tools", "functions", "function_call", "tool_choice", "response_format", "toolConfig", "text");

    private final String model;
    private final String pricingProvider;
    private final TextTokenMemo memo;
    private long textTokens;
    private long mediaTokens;
    private long referencedDocuments; // tokens of the documents sent by reference, before the context-window cap
    private long videos; // tokens of the videos, before the context-window cap
    private Utf8Digest digest; // one for every text of the body the memo digests, made at the first

    private Utf8Digest digest(String text) {
        if (text.length() < TextTokenMemo.MIN_CHARS) {
            return null; // not digested
        }
        if (digest == null) {
            digest = new Utf8Digest();
        }
        return digest;
    }

    private BilledInput(String model, String pricingProvider, TextTokenMemo memo) {
        this.model = model;
        this.pricingProvider = pricingProvider;
        this.memo = memo;
    }

    /**
     * The bound for {@code body}: text tokens (to be scaled for foreign tokenizers) and media tokens, separately;
     * texts counted on earlier calls are taken from {@code memo}.
     */
    static Count of(JsonNode body, String model, String pricingProvider, TextTokenMemo memo) {
        BilledInput input = new BilledInput(model, pricingProvider, memo);
        Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().equals("additionalModelRequestFields")) {
                // Converse passes Anthropic-defined tools (computer use, bash, text editor) to Claude here; the rest
                // of it only steers the call
                JsonNode tools = field.getValue().get("tools");
                if (tools != null && tools.isArray()) {
                    input.tools("tools", tools);
                }
                continue;
            }
            if (CONTROLS.contains(field.getKey())) {
                continue;
            }
            if (SCHEMAS.contains(field.getKey())) {
                input.tools(field.getKey(), field.getValue());
            } else {
                input.walk(kindOf(field.getKey()), field.getKey(), field.getValue());
            }
        }
        long window = ContextWindows.tokens(model).orElse(Long.MAX_VALUE);
        if (input.referencedDocuments > 0) {
            input.mediaTokens += Math.min(input.referencedDocuments, window);
        }
        if (input.videos > 0) {
            input.mediaTokens = saturatedAdd(input.mediaTokens, Math.min(input.videos, window));
        }
        return new Count(input.textTokens, input.mediaTokens);
    }

    /** A definition billed as rendered text, counted as its JSON; Anthropic-defined tools at their fixed count. */
    private void tools(String name, JsonNode value) {
        textTokens += memo.count(model, value.toString());
        if (name.equals("tools")) {
            mediaTokens += DefinedToolTokens.of(value); // billed at a fixed count
        }
    }

    /**
     * Text tokens (counted with OpenAI's tokenizer) and media tokens (bounds per item, and other fixed counts the
     * provider bills whatever the text: not scaled for foreign tokenizers).
     */
    record Count(long text, long media) {}

    /**
     * {@code hint}: the media kind named by a field or part type on the way here ("image_url", {"type": "image"},
     * Bedrock's "document"), or null.
     */
    private void walk(MediaKind hint, String name, JsonNode node) {
        if (node.isTextual()) {
            String text = node.asText();
            MediaKind kind = media(hint, text);
            if (kind == MediaKind.VIDEO
                    || (hint == MediaKind.VIDEO
                            && (LOCATION_FIELDS.contains(name) || kindOf(name) == MediaKind.VIDEO)
                            && reference(text))) {
                videos = saturatedAdd(videos, VideoTokens.max(model)); // inline or by reference: billed alike
            } else if (kind != null) {
                mediaTokens += tokens(kind, text);
            } else if (hint == MediaKind.IMAGE && reference(text)) {
                mediaTokens += imageTokens(); // an image by URL: its size is unknown here
            } else if (hint == MediaKind.DOCUMENT && LOCATION_FIELDS.contains(name) && reference(text)) {
                // only where the document is located: a title or context that reads like a URL is text
                referencedDocuments = saturatedAdd(referencedDocuments, referencedDocumentTokens());
            } else {
                textTokens += memo.count(model, text, digest(text));
            }
        } else if (node.isNumber()) {
            textTokens++; // a token id (embeddings input) or a small value
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                walk(hint, name, item);
            }
        } else if (node.isObject()) {
            MediaKind here = hint != null ? hint : kindOf(node.path("type").asText(""));
            if (node.hasNonNull("file_id") || node.hasNonNull("fileId")) {
                if (here == MediaKind.IMAGE) {
                    mediaTokens += imageTokens();
                } else if (here == MediaKind.VIDEO) {
                    videos = saturatedAdd(videos, VideoTokens.max(model));
                } else {
                    referencedDocuments = saturatedAdd(referencedDocuments, referencedDocumentTokens());
                }
                return;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                walk(here != null ? here : kindOf(field.getKey()), field.getKey(), field.getValue());
            }
        }
    }

    /** The media kind a field name or part type names, or null for anything else. */
    private static MediaKind kindOf(String name) {
        if (name.isEmpty()) {
            return null;
        }
        if (name.contains("image")) {
            return MediaKind.IMAGE;
        }
        if (name.contains("audio")) {
            return MediaKind.AUDIO;
        }
        if (name.contains("video")) {
            return MediaKind.VIDEO;
        }
        if (name.contains("document") || name.equals("file") || name.equals("input_file")) {
            return MediaKind.DOCUMENT;
        }
        return null;
    }

    private enum MediaKind {
        IMAGE,
        AUDIO,
        VIDEO,
        DOCUMENT
    }

    /** Whether a string is media: a data URL, or a long base64 run (of the kind its field names, else a document). */
    private static MediaKind media(MediaKind hint, String text) {
        boolean dataUrl = text.startsWith("data:");
        if (!dataUrl && (text.length() < MEDIA_MIN_LENGTH || !base64(text))) {
            return null;
        }
        if (dataUrl) {
            MediaKind declared = kindOf(text.substring(5, Math.min(40, text.length())));
            if (declared != null) {
                return declared;
            }
        }
        return hint != null ? hint : MediaKind.DOCUMENT;
    }

    private static boolean base64(String text) {
        int limit = Math.min(text.length(), 4096);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '+'
                    || c == '/'
                    || c == '='
                    || c == '\n'
                    || c == '\r';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private long tokens(MediaKind kind, String text) {
        long decoded = text.length() * 3L / 4;
        return switch (kind) {
            case IMAGE -> imageTokens();
            case AUDIO -> AudioTokens.of(decoded, model, pricingProvider);
            case VIDEO -> VideoTokens.max(model); // walk adds videos apart, to cap them together at the window
            case DOCUMENT -> Math.max(PAGE_TOKENS * pages(text), Math.max(1, decoded / DOCUMENT_BYTES_PER_TOKEN));
        };
    }

    /**
     * The fields that locate a document sent by reference: Anthropic's {@code source.url}, OpenAI's {@code file_url},
     * Gemini's {@code fileUri} / {@code file_uri}, Bedrock's {@code s3Location.uri}; a video's alike ({@code video_url.url},
     * Nova's {@code s3Location.uri}). A document's other strings (its {@code title}, {@code context}) are text even when
     * they read like a URL.
     */
    private static final java.util.Set<String> LOCATION_FIELDS =
            java.util.Set.of("url", "file_url", "fileUrl", "file_uri", "fileUri", "uri");

    /** Whether a string locates media elsewhere: an http(s) URL, or an S3 or Cloud Storage location. */
    private static boolean reference(String text) {
        return text.startsWith("http") || text.startsWith("s3://") || text.startsWith("gs://");
    }

    /** The most one document sent by reference may bill on this model (see the class comment). */
    private long referencedDocumentTokens() {
        return "gemini".equals(pricingProvider) ? GEMINI_DOCUMENT_TOKENS : REFERENCED_DOCUMENT_TOKENS;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private long imageTokens() {
        return ImageTokens.maxTokens(model);
    }

    /** Pages of a base64 PDF: the {@code /Type /Page} objects in its decoded bytes (0 when it has none visible). */
    private static long pages(String text) {
        String base64 = text.startsWith("data:") ? text.substring(text.indexOf(',') + 1) : text;
        byte[] bytes;
        try {
            bytes = java.util.Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return 0;
        }
        String latin = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        long pages = 0;
        for (int i = latin.indexOf("/Type"); i >= 0; i = latin.indexOf("/Type", i + 5)) {
            int j = i + 5;
            while (j < latin.length() && latin.charAt(j) == ' ') {
                j++;
            }
            if (latin.startsWith("/Page", j) && !latin.startsWith("/Pages", j)) {
                pages++;
            }
        }
        return pages;
    }
}
