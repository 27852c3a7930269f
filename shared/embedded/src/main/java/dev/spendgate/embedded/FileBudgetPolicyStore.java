package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetPolicy.OnStoreError;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.budget.BudgetScope;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@link BudgetPolicyStore} in one JSON file, shared safely by the {@code ./spendgate local} server and the CLI's
 * {@code budgets set|delete}: writes take a cross-process lock and re-read the file first; reads notice a change made
 * by another process within a second (usually 100 ms) without a file-system call per look-up. Thread-safe.
 *
 * <p>Format: {@code {"version": 1, "policies": [{"scope": "feature:chatbot", "period": "monthly", "limitUsd": "100.50",
 * "mode": "block", "alertAt": [50, 80, 100], "onStoreError": "fail_closed", "zone": "Europe/Berlin"}]}}, ordered by id.
 * Limits are written as strings (exact); a hand-written file may also use JSON numbers, read exactly too. A shard
 * count or zone changed mid-period waits for the period's end: the policy then also holds {@code previousShards}
 * (in force until {@code shardsFrom}), {@code shardsFrom} and maybe {@code previousZone}, and {@code shards} and
 * {@code zone} are the values from {@code shardsFrom}. Versions before that change read {@code shards} and
 * {@code zone} as in force at once, so a file holding such a pending change is written as {@code "version": 2},
 * which they refuse, rather than let them admit the period's spend again on new shards; every other file stays
 * {@code "version": 1}. Both are read (a version 1 file with {@code previousShards}, as written before, means the
 * same). {@code since}, when the budget was first set (kept through edits), is absent from policies stored before it
 * was kept, which then forecast from their period's start as before; {@code earlierLimits}, the limits a policy
 * replaced ({@code [{"limitUsd": "500", "until": "2027-01-02T09:00:00Z"}]}), oldest first, absent when none. A file
 * that is not valid makes every call throw {@link IllegalStateException} naming it; I/O failures are
 * {@link java.io.UncheckedIOException}s.
 */
public final class FileBudgetPolicyStore implements BudgetPolicyStore {
    /** The version of a file no older reader misreads. */
    private static final int FORMAT_VERSION = 1;
    /** The version of a file holding a pending shard count or zone, which readers of version 1 alone refuse. */
    private static final int PENDING_CHANGE_VERSION = 2;

    private final SharedJsonFile<Policies> policies;

    /** A store in {@code file} (e.g. {@code .spendgate/budgets.json}), created on the first put. */
    public FileBudgetPolicyStore(Path file) {
        this.policies = new SharedJsonFile<>(Objects.requireNonNull(file, "file"), "budget policy file", new Codec());
    }

    /** The JSON file holding the policies. */
    public Path file() {
        return policies.file();
    }

    @Override
    public void put(BudgetPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        policies.update(current -> {
            Map<String, BudgetPolicy> updated = new TreeMap<>(current.byId());
            updated.put(policy.id(), policy);
            return Policies.of(updated);
        });
    }

    @Override
    public Optional<BudgetPolicy> find(String id) {
        Objects.requireNonNull(id, "id");
        return Optional.ofNullable(policies.current().byId().get(id));
    }

    @Override
    public List<BudgetPolicy> list() {
        return policies.current().sorted();
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        boolean[] found = {false};
        policies.update(current -> {
            if (!current.byId().containsKey(id)) {
                return null;
            }
            found[0] = true;
            Map<String, BudgetPolicy> updated = new TreeMap<>(current.byId());
            updated.remove(id);
            return Policies.of(updated);
        });
        return found[0];
    }

    /** The policies ordered by id, and by id. */
    private record Policies(List<BudgetPolicy> sorted, Map<String, BudgetPolicy> byId) {
        static final Policies EMPTY = new Policies(List.of(), Map.of());

        static Policies of(Map<String, BudgetPolicy> byId) {
            TreeMap<String, BudgetPolicy> ordered = new TreeMap<>(byId);
            return new Policies(List.copyOf(ordered.values()), Map.copyOf(ordered));
        }
    }

    private static final class Codec implements SharedJsonFile.Codec<Policies> {
        private static final Set<String> ROOT_FIELDS = orderedSet("version", "policies");
        private static final Set<String> POLICY_FIELDS = orderedSet(
                "scope",
                "period",
                "limitUsd",
                "mode",
                "alertAt",
                "onStoreError",
                "zone",
                "shards",
                "previousShards",
                "shardsFrom",
                "previousZone",
                "since",
                "earlierLimits");

        private static Set<String> orderedSet(String... names) {
            return java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(List.of(names)));
        }

        @Override
        public Policies empty() {
            return Policies.EMPTY;
        }

        @Override
        public Policies parse(JsonNode root) {
            int formatVersion = root.path("version").asInt(-1);
            if (formatVersion != FORMAT_VERSION && formatVersion != PENDING_CHANGE_VERSION) {
                throw new IllegalStateException("format version " + formatVersion + ", expected " + FORMAT_VERSION
                        + " or " + PENDING_CHANGE_VERSION);
            }
            unknownFields(root, ROOT_FIELDS, "the file");
            JsonNode list = root.path("policies");
            if (!list.isMissingNode() && !list.isArray()) {
                throw new IllegalStateException("\"policies\" is not a list");
            }
            Map<String, BudgetPolicy> byId = new TreeMap<>();
            int index = 0;
            for (JsonNode node : list) {
                index++;
                if (!node.isObject()) {
                    throw new IllegalStateException("policy " + index + " is not an object");
                }
                unknownFields(
                        node,
                        POLICY_FIELDS,
                        "policy " + index + " (" + node.path("scope").asText("no scope") + ")");
                BudgetPolicy policy = toPolicy(node);
                if (byId.put(policy.id(), policy) != null) {
                    throw new IllegalStateException("two policies with id " + policy.id());
                }
            }
            return Policies.of(byId);
        }

        @Override
        public JsonNode serialize(Policies value, ObjectMapper mapper) {
            ObjectNode root = mapper.createObjectNode();
            root.put(
                    "version",
                    value.sorted().stream().anyMatch(Codec::changePending) ? PENDING_CHANGE_VERSION : FORMAT_VERSION);
            ArrayNode array = root.putArray("policies");
            for (BudgetPolicy policy : value.sorted()) {
                ObjectNode node = array.addObject();
                node.put("scope", policy.scope().toString());
                node.put("period", policy.period().label());
                node.put("limitUsd", policy.limitUsd().toPlainString());
                node.put("mode", policy.mode().label());
                ArrayNode alerts = node.putArray("alertAt");
                policy.alertAt().forEach(alerts::add);
                node.put("onStoreError", policy.onStoreError().label());
                node.put("zone", policy.zone().getId());
                node.put("shards", policy.shards());
                if (policy.shardsFrom() != null) {
                    node.put("previousShards", policy.previousShards());
                    node.put("shardsFrom", policy.shardsFrom().toString());
                    if (policy.previousZone() != null) {
                        node.put("previousZone", policy.previousZone().getId());
                    }
                }
                if (policy.since() != null) {
                    node.put("since", policy.since().toString());
                }
                if (!policy.earlierLimits().isEmpty()) {
                    ArrayNode earlier = node.putArray("earlierLimits");
                    for (BudgetPolicy.LimitChange change : policy.earlierLimits()) {
                        earlier.addObject()
                                .put("limitUsd", change.limitUsd().toPlainString())
                                .put("until", change.until().toString());
                    }
                }
            }
            return root;
        }

        /**
         * Whether the policy's {@code shards} or {@code zone} are not the ones in force until {@code shardsFrom}. A
         * policy set anew mid-period ({@link BudgetPolicy#countInForceUnknown}) is not: older versions apply its count
         * at once, as they always did.
         */
        private static boolean changePending(BudgetPolicy policy) {
            return policy.shardsFrom() != null && policy.previousShards() != 0;
        }

        /**
         * Refuses a field the format does not have: a hand-edited {@code "onStoreEror"} or {@code "timeZone"} would
         * otherwise leave the default (fail open, UTC) in force, and a misspelt {@code "policy"} every budget out.
         */
        private static void unknownFields(JsonNode node, Set<String> known, String where) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!known.contains(name)) {
                    throw new IllegalStateException(where + " has a field the format does not have: \"" + name
                            + "\" (known: " + String.join(", ", known) + ")");
                }
            }
        }

        private static BudgetPolicy toPolicy(JsonNode node) {
            List<Integer> alertAt = null;
            if (node.hasNonNull("alertAt")) {
                alertAt = new ArrayList<>();
                for (JsonNode pct : node.get("alertAt")) {
                    if (!pct.canConvertToExactIntegral() || !pct.canConvertToInt()) {
                        throw new IllegalArgumentException("alertAt holds whole percentages, got " + pct);
                    }
                    alertAt.add(pct.intValue());
                }
            }
            String onStoreError = text(node, "onStoreError");
            String zone = text(node, "zone");
            String previousZone = text(node, "previousZone");
            return new BudgetPolicy(
                    BudgetScope.parse(required(node, "scope")),
                    BudgetPeriod.parse(required(node, "period")),
                    decimal(node, "limitUsd"),
                    Mode.parse(required(node, "mode")),
                    alertAt,
                    onStoreError == null ? null : OnStoreError.parse(onStoreError),
                    zone == null ? null : ZoneId.of(zone),
                    node.path("shards").asInt(1),
                    node.path("previousShards").asInt(0),
                    node.hasNonNull("shardsFrom")
                            ? java.time.Instant.parse(node.get("shardsFrom").asText())
                            : null,
                    previousZone == null ? null : ZoneId.of(previousZone),
                    node.hasNonNull("since")
                            ? java.time.Instant.parse(node.get("since").asText())
                            : null,
                    earlierLimits(node));
        }

        /** The limits a policy replaced, oldest first ({@code earlierLimits}); none when absent. */
        private static List<BudgetPolicy.LimitChange> earlierLimits(JsonNode node) {
            JsonNode list = node.path("earlierLimits");
            if (list.isMissingNode() || list.isNull()) {
                return List.of();
            }
            if (!list.isArray()) {
                throw new IllegalStateException("\"earlierLimits\" is not a list");
            }
            List<BudgetPolicy.LimitChange> changes = new ArrayList<>();
            for (JsonNode change : list) {
                changes.add(new BudgetPolicy.LimitChange(
                        decimal(change, "limitUsd"), java.time.Instant.parse(required(change, "until"))));
            }
            return changes;
        }

        private static BigDecimal decimal(JsonNode node, String field) {
            JsonNode value = node.get(field);
            if (value != null && value.isNumber()) {
                return value.decimalValue();
            }
            return new BigDecimal(required(node, field).trim());
        }

        private static String required(JsonNode node, String field) {
            return Objects.requireNonNull(text(node, field), () -> "a policy has no " + field);
        }

        private static String text(JsonNode node, String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value.asText();
        }
    }
}
