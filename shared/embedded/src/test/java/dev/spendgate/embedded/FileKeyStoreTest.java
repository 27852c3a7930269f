package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.testing.contract.KeyStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileKeyStoreTest extends KeyStoreContract {
    private static final Instant T0 = Instant.parse("2026-11-28T15:00:00Z");

    @TempDir
    Path dir;

    @Override
    protected KeyStore newStore() {
        return new FileKeyStore(dir.resolve("keys.json"));
    }

    @Override
    protected KeyStore reopenStore() {
        return new FileKeyStore(dir.resolve("keys.json"));
    }

    @Test
    void revoke_bySecondInstance_firstInstanceSeesItWithinASecond() throws InterruptedException {
        FileKeyStore server = new FileKeyStore(dir.resolve("keys.json"));
        FileKeyStore cli = new FileKeyStore(dir.resolve("keys.json"));
        ProxyKey key = key("key_000000000001", "sg-secret-1", T0);
        cli.create(key);
        assertThat(server.findByHash(key.keyHash())).contains(key);

        assertThat(cli.revoke(key.id())).isTrue();

        long deadline = System.nanoTime() + 1_000_000_000L;
        while (server.findByHash(key.keyHash()).orElseThrow().enabled() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.findByHash(key.keyHash())).contains(key.withEnabled(false));
    }

    @Test
    void create_bySecondInstance_firstInstanceSeesIt() throws InterruptedException {
        FileKeyStore server = new FileKeyStore(dir.resolve("keys.json"));
        assertThat(server.list()).isEmpty();
        FileKeyStore cli = new FileKeyStore(dir.resolve("keys.json"));

        cli.create(key("key_000000000001", "sg-secret-1", T0));
        cli.create(key("key_000000000002", "sg-secret-2", T0));

        // The server looks at the file again within its recheck period (100 ms), a missing file included.
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (server.list().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.list()).extracting(ProxyKey::id).containsExactly("key_000000000001", "key_000000000002");
    }

    @Test
    void create_storesOnlyTheHashInAnOwnerOnlyFile() throws IOException {
        String secret = ProxyKeys.newSecret();
        new FileKeyStore(dir.resolve("keys.json")).create(key("key_000000000001", secret, T0));

        String json = Files.readString(dir.resolve("keys.json"));
        assertThat(json).contains(ProxyKeys.hash(secret)).doesNotContain(secret);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("keys.json"))))
                .isEqualTo("rw-------");
    }

    @Test
    void list_fileWrittenByHand_isRead() throws IOException {
        String hash = ProxyKeys.hash("sg-by-hand");
        Files.writeString(dir.resolve("keys.json"), """
                {"version": 1, "keys": [{"id": "key_1", "keyHash": "%s", "name": "by hand", "environment": "dev",
                  "defaults": {"feature": "chat"}, "enabled": true, "createdAt": "2026-11-28T15:00:00Z"}]}
                """.formatted(hash));

        assertThat(new FileKeyStore(dir.resolve("keys.json")).findByHash(hash)).hasValueSatisfying(k -> {
            assertThat(k.owner()).isNull();
            assertThat(k.defaults().feature()).isEqualTo("chat");
            assertThat(k.defaults().department()).isNull();
        });
    }

    @Test
    void list_corruptFile_throwsIllegalStateExceptionNamingTheFile() throws IOException {
        Files.writeString(dir.resolve("keys.json"), "{not json");

        assertThatThrownBy(() -> new FileKeyStore(dir.resolve("keys.json")).list())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("keys.json");
    }
}
