package dev.spendgate.aws.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Reads secrets from AWS Secrets Manager, such as the upstream provider keys stored as one JSON object
 * ({@code {"OPENAI_API_KEY":"...","ANTHROPIC_API_KEY":"..."}}). Values are never logged nor put in exception messages;
 * parse errors are reported without the underlying parser message, which could quote the secret.
 */
public final class SecretsManagerSecrets {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SecretsManagerClient secretsManager;

    public SecretsManagerSecrets(SecretsManagerClient secretsManager) {
        this.secretsManager = Objects.requireNonNull(secretsManager, "secretsManager");
    }

    /**
     * The secret's current string value parsed as a flat JSON object, in the secret's field order. Numbers and booleans
     * become their text; null fields are left out. Throws {@link SecretsException} when the secret is missing,
     * unreadable, binary, or not such an object.
     */
    public Map<String, String> jsonSecret(String secretId) {
        Objects.requireNonNull(secretId, "secretId");
        String value;
        try {
            value = secretsManager.getSecretValue(b -> b.secretId(secretId)).secretString();
        } catch (ResourceNotFoundException e) {
            throw new SecretsException("secret " + secretId + " does not exist or has no current value", e);
        } catch (SdkException e) {
            throw new SecretsException("could not read secret " + secretId, e);
        }
        if (value == null) {
            throw new SecretsException("secret " + secretId + " is binary; expected a JSON object string");
        }
        return parse(secretId, value);
    }

    static Map<String, String> parse(String secretId, String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SecretsException("secret " + secretId + " is not valid JSON"); // no cause: it may quote the value
        }
        if (root == null || !root.isObject()) {
            throw new SecretsException("secret " + secretId + " is not a JSON object");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            if (!value.isValueNode()) {
                throw new SecretsException(
                        "field " + field.getKey() + " of secret " + secretId + " is not a string, number or boolean");
            }
            values.put(field.getKey(), value.asText());
        }
        return Collections.unmodifiableMap(values);
    }
}
