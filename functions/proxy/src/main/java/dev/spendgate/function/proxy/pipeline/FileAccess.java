package dev.spendgate.function.proxy.pipeline;

/**
 * Whether a Spendgate key may name a provider file in a call: the rule {@code POST /v1/batches} applies to its
 * {@code input_file_id} (the batch package's {@code BatchOwners#mayReference}), so a call cannot have the model read a
 * file the key could not read through {@code /v1/files/{id}/content}.
 */
@FunctionalInterface
public interface FileAccess {
    /** A gateway that keeps no uploads (no batch API): every file id is one it never saw, so any key may name it. */
    FileAccess NO_UPLOADS = (keyId, fileId) -> true;

    boolean mayReference(String keyId, String fileId);
}
