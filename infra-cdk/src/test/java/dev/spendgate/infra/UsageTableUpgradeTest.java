package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An existing deployment gets schema 4's {@code cost_basis} column by {@code cdk deploy}: CloudFormation updates the
 * Glue table in place (UpdateTable), it does not replace it. Checked against the CDK CLI's own resource specification
 * ({@code node_modules/aws-cdk/db.json.gz}, what {@code cdk diff} uses to flag replacements): the template with the
 * column differs from one without it only in {@code TableInput.StorageDescriptor.Columns}, and no property on that
 * path causes replacement. The table's logical id is pinned, since a new id would also replace it.
 */
class UsageTableUpgradeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The logical id deployments already have; changing it replaces the table. */
    private static final String TABLE_ID = "StorageUsageTable745CF591";

    private static Map<String, JsonNode> tables;
    private static JsonNode spec;

    @BeforeAll
    static void synthesize() throws IOException {
        Synth synth = Synth.of(b -> {});
        tables = new HashMap<>();
        synth.resources("AWS::Glue::Table").forEach((id, r) -> tables.put(id, JSON.valueToTree(r)));
        Path db = Path.of("..", "node_modules", "aws-cdk", "db.json.gz");
        assertThat(db)
                .as("npm ci at the repository root installs the CDK CLI and its spec")
                .exists();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(db))) {
            spec = JSON.readTree(in).path("schema");
        }
    }

    @Test
    void glueTable_addingCostBasis_changesOnlyTheColumnsUnderTheSameLogicalId() {
        assertThat(tables).containsOnlyKeys(TABLE_ID);
        JsonNode now = tables.get(TABLE_ID).path("Properties");
        ObjectNode before = now.deepCopy();
        ArrayNode columns =
                (ArrayNode) before.path("TableInput").path("StorageDescriptor").path("Columns");
        boolean removed = false;
        for (Iterator<JsonNode> it = columns.elements(); it.hasNext(); ) {
            if (it.next().path("Name").asText().equals("cost_basis")) {
                it.remove();
                removed = true;
            }
        }
        assertThat(removed).as("the template has cost_basis").isTrue();

        List<String> changed = new ArrayList<>();
        diff("", before, now, changed);

        assertThat(changed).containsExactly("TableInput.StorageDescriptor.Columns");
    }

    @Test
    void cdkSpec_columnsPath_updatesInPlaceWhileTheTablesIdentityWouldReplace() {
        JsonNode table = resource("AWS::Glue::Table");
        // the spec is read right: the identity properties do cause replacement
        assertThat(table.path("properties")
                        .path("DatabaseName")
                        .path("causesReplacement")
                        .asText())
                .isEqualTo("yes");
        assertThat(table.path("properties")
                        .path("CatalogId")
                        .path("causesReplacement")
                        .asText())
                .isEqualTo("yes");

        List<String> replacing = new ArrayList<>();
        JsonNode properties = table.path("properties");
        for (String name : List.of("TableInput", "StorageDescriptor", "Columns")) {
            JsonNode property = properties.path(name);
            assertThat(property.isMissingNode()).as(name + " in the spec").isFalse();
            if (property.path("causesReplacement").asText().equals("yes")) {
                replacing.add(name);
            }
            properties = typeOf(property.path("type")).path("properties");
        }
        assertThat(replacing).isEmpty();
        // and the table keeps what would replace it: database, catalog and name
        JsonNode now = tables.get(TABLE_ID).path("Properties");
        assertThat(now.path("DatabaseName").asText()).isEqualTo(Storage.GLUE_DATABASE);
        assertThat(now.path("TableInput").path("Name").asText()).isEqualTo(Storage.GLUE_TABLE);
        // partitions are projected, not stored in the catalog: nothing to lose even if it were replaced
        assertThat(now.path("TableInput")
                        .path("Parameters")
                        .path("projection.enabled")
                        .asText())
                .isEqualTo("true");
    }

    private static JsonNode resource(String type) {
        for (JsonNode r : spec.path("resource").path("entities")) {
            if (r.path("cloudFormationType").asText().equals(type)) {
                return r;
            }
        }
        throw new AssertionError(type + " not in the CDK spec");
    }

    /** The type definition a property's type refers to (through an array's element type). */
    private static JsonNode typeOf(JsonNode type) {
        JsonNode t = type.has("element") ? type.path("element") : type;
        String ref = t.path("reference").path("$ref").asText();
        for (JsonNode d : spec.path("typeDefinition").path("entities")) {
            if (d.path("$id").asText().equals(ref)) {
                return d;
            }
        }
        throw new AssertionError("type " + ref + " not in the CDK spec");
    }

    private static void diff(String path, JsonNode a, JsonNode b, List<String> changed) {
        if (a.isObject() && b.isObject()) {
            List<String> names = new ArrayList<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(n -> {
                if (!names.contains(n)) {
                    names.add(n);
                }
            });
            for (String n : names) {
                diff(path.isEmpty() ? n : path + "." + n, a.path(n), b.path(n), changed);
            }
        } else if (!a.equals(b)) {
            changed.add(path);
        }
    }
}
