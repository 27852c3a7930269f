package dev.spendgate.deployed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.infra.SpendgateApp;
import dev.spendgate.infra.SpendgateStack;
import dev.spendgate.infra.SpendgateStackProps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/**
 * The synthesised CloudFormation template read as the deployment would read it: functions (handler, runtime, memory,
 * environment), DynamoDB tables (keys, indexes, TTL), buckets, REST API routes and schedules. References to other
 * resources ({@code Ref}, {@code Fn::GetAtt}, {@code Fn::Join}) resolve to the names CloudFormation would give them,
 * or to local stand-ins (ARNs in {@link #ACCOUNT} / {@link #REGION}); a reference this class cannot resolve fails,
 * so a template the local run cannot model is noticed rather than skipped.
 */
final class DeployedTemplate {
    static final String ACCOUNT = "123456789012";
    static final String REGION = "eu-central-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A Lambda function as the template configures it. */
    record Function(
            String logicalId,
            String handler,
            String runtime,
            int memoryMb,
            String architecture,
            int timeoutSeconds,
            Map<String, String> environment,
            List<Path> layers) {

        /**
         * The environment with each {@code /opt/...} path where this function's layers hold the file: Lambda unpacks
         * layers under {@code /opt}, here they are the staged asset folders. A path no layer holds stays as it is.
         */
        Map<String, String> mountedEnvironment() {
            Map<String, String> env = new LinkedHashMap<>(environment);
            env.replaceAll((name, value) -> {
                if (!value.startsWith("/opt/")) {
                    return value;
                }
                String rest = value.substring("/opt/".length());
                return layers.stream()
                        .map(l -> l.resolve(rest))
                        .filter(Files::exists)
                        .map(Path::toString)
                        .findFirst()
                        .orElse(value);
            });
            return env;
        }
    }

    /** A DynamoDB table: its name, key schema ({attribute, HASH|RANGE}), attribute types, GSIs, TTL attribute. */
    record Table(
            String logicalId, String name, JsonNode keySchema, JsonNode attributes, JsonNode indexes, String ttl) {}

    /** A REST API method: path pattern (e.g. {@code /v1/{proxy+}}), method, authorisation, target function. */
    record Route(String path, String method, String authorization, String function, boolean streaming) {}

    /** An EventBridge Scheduler schedule: its expression, the function it invokes, the input it sends. */
    record Schedule(String logicalId, String expression, String function, String input) {}

    private final JsonNode template;
    private final JsonNode resources;
    private final Map<String, String> parameters;
    /** The synthesis's output folder, where each asset is staged as {@code asset.<hash>}; null for a given template. */
    private final Path assets;

    private DeployedTemplate(JsonNode template, Map<String, String> parameters, Path assets) {
        this.template = template;
        this.resources = template.path("Resources");
        this.parameters = parameters;
        this.assets = assets;
    }

    /**
     * Synthesises the stack with {@code customise} applied to its properties (small stand-in files as the function
     * code: the functions run from this build's classes), and CloudFormation parameters set to {@code parameters}
     * (defaults otherwise).
     */
    static DeployedTemplate synthesise(
            Consumer<SpendgateStackProps.Builder> customise, Map<String, String> parameters) {
        Path dir = stubCode();
        App app = new App(AppProps.builder()
                .outdir(dir.resolve("cdk.out").toString())
                .context(SpendgateApp.FEATURE_FLAGS)
                .build());
        SpendgateStackProps.Builder props = SpendgateStackProps.builder()
                .stackProps(StackProps.builder()
                        .env(Environment.builder()
                                .account(ACCOUNT)
                                .region(REGION)
                                .build())
                        .build())
                .proxyCode(dir.resolve("proxy"))
                .wasteDetectorJar(dir.resolve("waste.jar"))
                .reportRunnerJar(dir.resolve("report.jar"));
        customise.accept(props);
        SpendgateStack stack = new SpendgateStack(app, "Spendgate", props.build());
        return new DeployedTemplate(
                JSON.valueToTree(Template.fromStack(stack).toJSON()), parameters, dir.resolve("cdk.out"));
    }

    /** For tests of this class: a template given as JSON. */
    static DeployedTemplate of(JsonNode template, Map<String, String> parameters) {
        return new DeployedTemplate(template, parameters, null);
    }

    List<Function> functions() {
        List<Function> out = new ArrayList<>();
        each("AWS::Lambda::Function", (id, p) -> {
            Map<String, String> env = new LinkedHashMap<>();
            p.path("Environment")
                    .path("Variables")
                    .fields()
                    .forEachRemaining(e -> env.put(e.getKey(), resolve(e.getValue())));
            JsonNode arch = p.path("Architectures");
            out.add(new Function(
                    id,
                    p.path("Handler").asText(null),
                    p.path("Runtime").asText(null),
                    p.path("MemorySize").asInt(128),
                    arch.isArray() && arch.size() > 0 ? arch.get(0).asText() : "x86_64",
                    p.path("Timeout").asInt(3),
                    env,
                    layers(p.path("Layers"))));
        });
        return out;
    }

    /** Each layer of a function's {@code Layers}: a layer of this stack, staged as an asset folder. */
    private List<Path> layers(JsonNode refs) {
        List<Path> out = new ArrayList<>();
        for (JsonNode ref : refs) {
            String id = ref.path("Ref").asText(null);
            JsonNode layer = id == null ? null : resources.get(id);
            if (layer == null
                    || !"AWS::Lambda::LayerVersion".equals(layer.path("Type").asText())) {
                throw new AssertionError("no local stand-in for layer " + ref);
            }
            String key = layer.path("Properties").path("Content").path("S3Key").asText();
            Path staged = assets == null ? null : assets.resolve("asset." + key.replace(".zip", ""));
            if (staged == null || !Files.isDirectory(staged)) {
                throw new AssertionError("layer " + id + " has no staged asset for " + key);
            }
            out.add(staged);
        }
        return out;
    }

    /** The function whose handler is {@code handler} (exactly one). */
    Function functionWithHandler(String handler) {
        List<Function> found =
                functions().stream().filter(f -> handler.equals(f.handler())).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one function with handler " + handler + ", found " + found.size()
                    + " among " + functions().stream().map(Function::handler).toList());
        }
        return found.get(0);
    }

    Function function(String logicalId) {
        return functions().stream()
                .filter(f -> f.logicalId().equals(logicalId))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no function " + logicalId));
    }

    List<Table> tables() {
        List<Table> out = new ArrayList<>();
        each(
                "AWS::DynamoDB::Table",
                (id, p) -> out.add(new Table(
                        id,
                        p.hasNonNull("TableName") ? resolve(p.get("TableName")) : id.toLowerCase(Locale.ROOT),
                        p.path("KeySchema"),
                        p.path("AttributeDefinitions"),
                        p.path("GlobalSecondaryIndexes"),
                        p.path("TimeToLiveSpecification").path("Enabled").asBoolean(false)
                                ? p.path("TimeToLiveSpecification")
                                        .path("AttributeName")
                                        .asText()
                                : null)));
        return out;
    }

    List<String> buckets() {
        List<String> out = new ArrayList<>();
        each("AWS::S3::Bucket", (id, p) -> out.add(bucketName(id)));
        return out;
    }

    List<Route> routes() {
        List<Route> out = new ArrayList<>();
        each("AWS::ApiGateway::Method", (id, p) -> {
            JsonNode integration = p.path("Integration");
            if (!"AWS_PROXY".equals(integration.path("Type").asText())) {
                return;
            }
            out.add(new Route(
                    resourcePath(p.path("ResourceId")),
                    p.path("HttpMethod").asText(),
                    p.path("AuthorizationType").asText("NONE"),
                    targetFunction(integration.path("Uri")),
                    "STREAM".equals(integration.path("ResponseTransferMode").asText())));
        });
        return out;
    }

    /** The REST API's stage name (the first path segment of its invoke URL). */
    String stage() {
        List<String> stages = new ArrayList<>();
        each("AWS::ApiGateway::Stage", (id, p) -> stages.add(p.path("StageName").asText()));
        if (stages.size() != 1) {
            throw new AssertionError("expected one API stage, found " + stages);
        }
        return stages.get(0);
    }

    List<Schedule> schedules() {
        List<Schedule> out = new ArrayList<>();
        each(
                "AWS::Scheduler::Schedule",
                (id, p) -> out.add(new Schedule(
                        id,
                        p.path("ScheduleExpression").asText(),
                        targetFunction(p.path("Target").path("Arn")),
                        p.path("Target").path("Input").isMissingNode()
                                ? null
                                : resolve(p.path("Target").path("Input")))));
        return out;
    }

    /** The path of an {@code AWS::ApiGateway::Resource} (or the root), e.g. {@code /v1/{proxy+}}. */
    private String resourcePath(JsonNode resourceId) {
        String ref = resourceId.path("Ref").asText(null);
        if (ref == null) {
            return "/"; // Fn::GetAtt [api, RootResourceId]
        }
        JsonNode r = resource(ref);
        if (!"AWS::ApiGateway::Resource".equals(r.path("Type").asText())) {
            return "/";
        }
        String parent = resourcePath(r.path("Properties").path("ParentId"));
        return (parent.endsWith("/") ? parent : parent + "/")
                + r.path("Properties").path("PathPart").asText();
    }

    /** The logical id of the function an integration URI or target ARN reaches (through an alias or version). */
    private String targetFunction(JsonNode node) {
        List<String> refs = new ArrayList<>();
        collectRefs(node, refs);
        for (String ref : refs) {
            Optional<String> f = functionBehind(ref);
            if (f.isPresent()) {
                return f.get();
            }
        }
        throw new AssertionError("no Lambda function behind " + node);
    }

    private Optional<String> functionBehind(String logicalId) {
        JsonNode r = resources.path(logicalId);
        switch (r.path("Type").asText()) {
            case "AWS::Lambda::Function":
                return Optional.of(logicalId);
            case "AWS::Lambda::Alias":
            case "AWS::Lambda::Version": {
                List<String> refs = new ArrayList<>();
                collectRefs(r.path("Properties").path("FunctionName"), refs);
                return refs.stream()
                        .map(this::functionBehind)
                        .flatMap(Optional::stream)
                        .findFirst();
            }
            default:
                return Optional.empty();
        }
    }

    private static void collectRefs(JsonNode node, List<String> out) {
        if (node.isObject()) {
            if (node.has("Ref")) {
                out.add(node.get("Ref").asText());
            }
            if (node.has("Fn::GetAtt")) {
                out.add(node.get("Fn::GetAtt").get(0).asText());
            }
            node.elements().forEachRemaining(n -> collectRefs(n, out));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(n -> collectRefs(n, out));
        }
    }

    /** A template value as the deployed function would see it, with local stand-ins for other resources. */
    String resolve(JsonNode value) {
        if (value.isTextual() || value.isNumber() || value.isBoolean()) {
            return value.asText();
        }
        if (value.has("Ref")) {
            return ref(value.get("Ref").asText());
        }
        if (value.has("Fn::GetAtt")) {
            JsonNode a = value.get("Fn::GetAtt");
            return attribute(a.get(0).asText(), a.get(1).asText());
        }
        if (value.has("Fn::Join")) {
            JsonNode j = value.get("Fn::Join");
            StringBuilder sb = new StringBuilder();
            Iterator<JsonNode> parts = j.get(1).elements();
            while (parts.hasNext()) {
                sb.append(resolve(parts.next()));
                if (parts.hasNext()) {
                    sb.append(j.get(0).asText());
                }
            }
            return sb.toString();
        }
        throw new AssertionError("no local stand-in for template value " + value);
    }

    private String ref(String name) {
        switch (name) {
            case "AWS::Region":
                return REGION;
            case "AWS::AccountId":
                return ACCOUNT;
            case "AWS::Partition":
                return "aws";
            case "AWS::URLSuffix":
                return "amazonaws.com";
            default:
                break;
        }
        if (template.path("Parameters").has(name)) {
            String given = parameters.get(name);
            JsonNode def = template.path("Parameters").path(name).path("Default");
            if (given == null && def.isMissingNode()) {
                throw new AssertionError("template parameter " + name + " has no default and no value was given");
            }
            return given != null ? given : def.asText();
        }
        JsonNode r = resource(name);
        JsonNode p = r.path("Properties");
        return switch (r.path("Type").asText()) {
            case "AWS::DynamoDB::Table" ->
                p.hasNonNull("TableName") ? resolve(p.get("TableName")) : name.toLowerCase(Locale.ROOT);
            case "AWS::S3::Bucket" -> bucketName(name);
            case "AWS::SecretsManager::Secret" ->
                "arn:aws:secretsmanager:" + REGION + ":" + ACCOUNT + ":secret:" + name;
            case "AWS::SNS::Topic" -> "arn:aws:sns:" + REGION + ":" + ACCOUNT + ":" + name;
            case "AWS::SES::EmailIdentity" -> resolve(p.get("EmailIdentity"));
            case "AWS::KinesisFirehose::DeliveryStream" ->
                p.hasNonNull("DeliveryStreamName") ? resolve(p.get("DeliveryStreamName")) : name;
            default ->
                throw new AssertionError("no local stand-in for Ref " + name + " ("
                        + r.path("Type").asText() + ")");
        };
    }

    private String attribute(String name, String attribute) {
        JsonNode r = resource(name);
        String type = r.path("Type").asText();
        if (attribute.equals("Arn")) {
            return switch (type) {
                case "AWS::DynamoDB::Table" -> "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + ref(name);
                case "AWS::S3::Bucket" -> "arn:aws:s3:::" + bucketName(name);
                case "AWS::SQS::Queue" -> "arn:aws:sqs:" + REGION + ":" + ACCOUNT + ":" + name;
                default -> "arn:aws:local:" + REGION + ":" + ACCOUNT + ":" + name;
            };
        }
        if (type.equals("AWS::SQS::Queue") && attribute.equals("QueueName")) {
            return name;
        }
        throw new AssertionError("no local stand-in for Fn::GetAtt " + name + "." + attribute);
    }

    private String bucketName(String logicalId) {
        JsonNode p = resource(logicalId).path("Properties");
        return p.hasNonNull("BucketName")
                ? resolve(p.get("BucketName"))
                : "local-" + logicalId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    }

    private JsonNode resource(String logicalId) {
        JsonNode r = resources.path(logicalId);
        if (r.isMissingNode()) {
            throw new AssertionError("the template has no resource " + logicalId);
        }
        return r;
    }

    private void each(String type, java.util.function.BiConsumer<String, JsonNode> action) {
        resources.fields().forEachRemaining(e -> {
            if (type.equals(e.getValue().path("Type").asText())) {
                action.accept(e.getKey(), e.getValue().path("Properties"));
            }
        });
    }

    private static Path stubCode() {
        try {
            Path dir = Files.createTempDirectory("spendgate-deployed");
            Files.createDirectories(dir.resolve("proxy"));
            Files.writeString(dir.resolve("proxy/bootstrap"), "#!/bin/sh\n");
            Files.write(dir.resolve("waste.jar"), new byte[] {'P', 'K', 5, 6});
            Files.write(dir.resolve("report.jar"), new byte[] {'P', 'K', 5, 6});
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
