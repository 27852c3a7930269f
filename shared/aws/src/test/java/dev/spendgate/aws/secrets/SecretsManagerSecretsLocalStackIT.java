package dev.spendgate.aws.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.spendgate.aws.SharedLocalStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** SecretsManagerSecrets against LocalStack's Secrets Manager; skipped where there is no Docker engine. */
@Testcontainers(disabledWithoutDocker = true)
class SecretsManagerSecretsLocalStackIT {
    private static SecretsManagerClient secretsManager;

    @BeforeAll
    static void connect() {
        secretsManager = SharedLocalStack.clients().secretsManager();
    }

    @AfterAll
    static void disconnect() {
        secretsManager.close();
    }

    @Test
    void jsonSecret_providerKeys_returnsThem() {
        secretsManager.createSecret(b -> b.name("spendgate/providers-it")
                .secretString("{\"OPENAI_API_KEY\":\"sk-1\",\"ANTHROPIC_API_KEY\":\"sk-ant-2\"}"));

        assertThat(new SecretsManagerSecrets(secretsManager).jsonSecret("spendgate/providers-it"))
                .containsExactly(entry("OPENAI_API_KEY", "sk-1"), entry("ANTHROPIC_API_KEY", "sk-ant-2"));
    }

    @Test
    void jsonSecret_unknownSecret_throwsSecretsException() {
        assertThatThrownBy(() -> new SecretsManagerSecrets(secretsManager).jsonSecret("spendgate/missing-it"))
                .isInstanceOf(SecretsException.class)
                .hasMessageContaining("spendgate/missing-it");
    }
}
