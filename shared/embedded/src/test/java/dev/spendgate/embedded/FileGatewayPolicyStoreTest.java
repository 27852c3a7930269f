package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import dev.spendgate.domain.routing.PolicyFileException;
import dev.spendgate.testing.contract.GatewayPolicyStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileGatewayPolicyStoreTest extends GatewayPolicyStoreContract {
    @TempDir
    Path dir;

    @Override
    protected GatewayPolicyStore newStore() {
        return new FileGatewayPolicyStore(dir.resolve("policy/gateway-policy.json"));
    }

    @Override
    protected GatewayPolicyStore reopenStore() {
        return newStore();
    }

    @Test
    void load_fileEditedIntoAnInvalidPolicy_failsNamingTheField() throws IOException {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(
                dir.resolve("policy/gateway-policy.json"),
                "{\"routes\": [{\"id\": \"r\", \"from\": \"gpt-4o\", \"to\": \"o3\"}]}");

        assertThatThrownBy(() -> newStore().load())
                .isInstanceOf(PolicyFileException.class)
                .hasMessageContaining("routes[0].to");
    }

    @Test
    void save_overAnInvalidFile_replacesIt() throws IOException {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), "{\"routes\": 3}");

        newStore().save(GatewayPolicy.EMPTY); // PUT /admin/policy is how a broken file gets fixed

        assertThat(newStore().load()).isEqualTo(GatewayPolicy.EMPTY);
    }
}
