package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Other users on the host cannot read the local gateway's records, cached answers or key hashes. */
class OwnerOnlyDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void aNewDataDirectoryIsCreatedForItsOwnerAlone() throws Exception {
        Path data = tmp.resolve("a").resolve(".spendgate");

        assertThat(OwnerOnlyDirectory.secure(data)).isEqualTo(OwnerOnlyDirectory.Outcome.PRIVATE);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
                .isEqualTo("rwx------");
    }

    @Test
    void anExistingDirectoryOpenToOthersIsClosedAndItsFilesKept() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path usage = Files.writeString(data.resolve("usage.jsonl"), "{\"request_id\":\"r1\"}\n");
        Files.setPosixFilePermissions(usage, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(OwnerOnlyDirectory.secure(data)).isEqualTo(OwnerOnlyDirectory.Outcome.CLOSED);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
                .isEqualTo("rwx------");
        assertThat(Files.readString(usage)).contains("r1");
        assertThat(OwnerOnlyDirectory.secure(data)).isEqualTo(OwnerOnlyDirectory.Outcome.PRIVATE);
    }
}
