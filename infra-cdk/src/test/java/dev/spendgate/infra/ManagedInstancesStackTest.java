package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.services.lambda.Architecture;

/**
 * {@code -c proxyCompute=managed-instances}: the proxy on Lambda Managed Instances in the customer's subnets, still
 * behind the streaming REST API; the default template has none of it.
 */
class ManagedInstancesStackTest {
    private static final List<String> SUBNETS = List.of("subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333");
    private static final List<String> GROUPS = List.of("sg-0123456789abcdef0");
    private static Synth synth;
    private static Synth standard;

    @BeforeAll
    static void synthesize() {
        synth = Synth.of(b -> b.proxyCompute(SpendgateStackProps.ProxyCompute.MANAGED_INSTANCES)
                .managedInstances(SUBNETS, GROUPS)
                .proxyArchitecture(Architecture.ARM_64)
                .proxyInstanceTypes(List.of("m7g.large", "c7g.large"))
                .proxyConcurrencyPerEnvironment(64));
        standard = Synth.of(b -> {});
    }

    @Test
    void capacityProvider_inTheGivenSubnetsAndGroups_boundedAndOfTheFunctionsArchitecture() {
        synth.template.resourceCountIs("AWS::Lambda::CapacityProvider", 1);
        synth.template.hasResourceProperties(
                "AWS::Lambda::CapacityProvider",
                Match.objectLike(Map.of(
                        "VpcConfig",
                        Map.of("SubnetIds", SUBNETS, "SecurityGroupIds", GROUPS),
                        "InstanceRequirements",
                        Match.objectLike(Map.of(
                                "Architectures",
                                List.of("arm64"),
                                "AllowedInstanceTypes",
                                List.of("m7g.large", "c7g.large"))),
                        "CapacityProviderScalingConfig",
                        Match.objectLike(Map.of("MaxVCpuCount", SpendgateStackProps.DEFAULT_PROXY_MAX_VCPUS)))));
    }

    @Test
    void proxyFunction_attachedWithItsConcurrency_noReservedConcurrencyAndAtLeastTwoGigabytes() {
        Map<String, Map<String, Object>> functions = synth.resources("AWS::Lambda::Function");
        Map<String, Object> proxy = functions.values().stream()
                .map(f -> props(f))
                .filter(p -> "provided.al2023".equals(p.get("Runtime")))
                .findFirst()
                .orElseThrow();
        assertThat(proxy).containsKey("CapacityProviderConfig").doesNotContainKey("ReservedConcurrentExecutions");
        assertThat(proxy.get("MemorySize")).isEqualTo(SpendgateStackProps.MANAGED_INSTANCES_MIN_MEMORY_MB);
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Runtime",
                        "provided.al2023",
                        "CapacityProviderConfig",
                        Map.of(
                                "LambdaManagedInstancesCapacityProviderConfig",
                                Match.objectLike(Map.of(
                                        "CapacityProviderArn",
                                        Match.anyValue(),
                                        "PerExecutionEnvironmentMaxConcurrency",
                                        64))))));
    }

    @Test
    void concurrencyPerEnvironment_unset_is32PerVCpuOfTheFunctionsMemory_notLeftToTheRuntimesDefault() {
        Synth defaults = Synth.of(b -> b.proxyCompute(SpendgateStackProps.ProxyCompute.MANAGED_INSTANCES)
                .managedInstances(SUBNETS, GROUPS)
                .proxyArchitecture(Architecture.ARM_64));
        Synth fourGigabytes = Synth.of(b -> b.proxyCompute(SpendgateStackProps.ProxyCompute.MANAGED_INSTANCES)
                .managedInstances(SUBNETS, GROUPS)
                .proxyArchitecture(Architecture.ARM_64)
                .proxyMemoryMb(4096));

        assertThat(concurrencyOf(defaults)).as("2,048 MB: one vCPU").isEqualTo(32);
        assertThat(concurrencyOf(fourGigabytes)).as("4,096 MB: two vCPUs").isEqualTo(64);
    }

    private static Object concurrencyOf(Synth s) {
        return s.resources("AWS::Lambda::Function").values().stream()
                .map(f -> props(f))
                .filter(p -> "provided.al2023".equals(p.get("Runtime")))
                .map(p -> ((Map<?, ?>) ((Map<?, ?>) p.get("CapacityProviderConfig"))
                                .get("LambdaManagedInstancesCapacityProviderConfig"))
                        .get("PerExecutionEnvironmentMaxConcurrency"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void api_stillStreamsThroughTheLiveAlias() {
        synth.template.hasResourceProperties(
                "AWS::Lambda::Alias", Match.objectLike(Map.of("Name", "live", "FunctionVersion", Match.anyValue())));
        synth.template.hasResourceProperties(
                "AWS::ApiGateway::Method",
                Match.objectLike(Map.of(
                        "Integration",
                        Match.objectLike(Map.of("Type", "AWS_PROXY", "ResponseTransferMode", "STREAM")))));
    }

    @Test
    void cdkNag_managedInstances_noUnsuppressedFindings() {
        assertThat(synth.annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*")))
                .isEmpty();
        assertThat(synth.annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")))
                .isEmpty();
    }

    @Test
    void defaultDeployment_standardLambda_noCapacityProviderAndReservedConcurrency() {
        standard.template.resourceCountIs("AWS::Lambda::CapacityProvider", 0);
        standard.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Runtime",
                        "provided.al2023",
                        "MemorySize",
                        SpendgateStackProps.DEFAULT_PROXY_MEMORY_MB,
                        "ReservedConcurrentExecutions",
                        SpendgateStackProps.DEFAULT_PROXY_MAX_CONCURRENCY,
                        "CapacityProviderConfig",
                        Match.absent())));
    }

    @Test
    void reportRunner_managedInstances_toldTheComputeInstanceTypeAndVCpuCeilingToPriceTheFleet() {
        assertThat(reportEnvironment(synth))
                .containsEntry("SPENDGATE_PROXY_COMPUTE", "managed-instances")
                .containsEntry("SPENDGATE_PROXY_INSTANCE_TYPE", "m7g.large")
                .containsEntry(
                        "SPENDGATE_PROXY_MAX_VCPUS", Integer.toString(SpendgateStackProps.DEFAULT_PROXY_MAX_VCPUS))
                .containsEntry("SPENDGATE_PROXY_MEMORY_MB", "2048")
                .containsEntry("SPENDGATE_PROXY_ARCHITECTURE", "arm64");
        Synth chosenByLambda = Synth.of(b -> b.proxyCompute(SpendgateStackProps.ProxyCompute.MANAGED_INSTANCES)
                .managedInstances(SUBNETS, GROUPS)
                .proxyArchitecture(Architecture.ARM_64)
                .proxyMaxVCpus(48));
        assertThat(reportEnvironment(chosenByLambda))
                .containsEntry("SPENDGATE_PROXY_COMPUTE", "managed-instances")
                .containsEntry("SPENDGATE_PROXY_MAX_VCPUS", "48")
                .doesNotContainKey("SPENDGATE_PROXY_INSTANCE_TYPE");
    }

    @Test
    void reportRunner_standardLambda_toldLambdaAndNoFleetSettings() {
        assertThat(reportEnvironment(standard))
                .containsEntry("SPENDGATE_PROXY_COMPUTE", "lambda")
                .containsEntry("SPENDGATE_PROXY_MEMORY_MB", "1024")
                .doesNotContainKeys("SPENDGATE_PROXY_MAX_VCPUS", "SPENDGATE_PROXY_INSTANCE_TYPE");
    }

    @Test
    void props_managedInstancesWithoutSubnets_failNamingTheSettings() {
        assertThatThrownBy(() -> code().proxyCompute(SpendgateStackProps.ProxyCompute.MANAGED_INSTANCES)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxySubnetIds")
                .hasMessageContaining("proxySecurityGroupIds");
    }

    @Test
    void props_badManagedInstancesSettings_failNamingTheSetting() {
        assertThatThrownBy(() -> managed().proxyMemoryMb(1024).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxyMemoryMb must be at least 2048");
        assertThatThrownBy(
                        () -> managed().proxyInstanceTypes(List.of("m7i.large")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("m7i.large is x86_64");
        assertThatThrownBy(() -> code().proxyCompute(SpendgateStackProps.ProxyCompute.MANAGED_INSTANCES)
                        .managedInstances(List.of("vpc-123"), GROUPS)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'vpc-123'");
        assertThatThrownBy(() -> code().managedInstances(SUBNETS, GROUPS).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only with proxyCompute=managed-instances");
        assertThatThrownBy(() -> SpendgateStackProps.ProxyCompute.fromContext("ec2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ec2'");
    }

    private static SpendgateStackProps.Builder managed() {
        return code().proxyCompute(SpendgateStackProps.ProxyCompute.MANAGED_INSTANCES)
                .proxyArchitecture(Architecture.ARM_64)
                .managedInstances(SUBNETS, GROUPS);
    }

    /** Any existing paths: these tests stop at the settings' checks. */
    private static SpendgateStackProps.Builder code() {
        return SpendgateStackProps.builder()
                .proxyCode(Path.of("."))
                .wasteDetectorJar(Path.of("."))
                .reportRunnerJar(Path.of("."));
    }

    /** The report runner's environment: the one function told the proxy's memory for the cost estimate. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> reportEnvironment(Synth s) {
        List<Map<String, Object>> told = s.resources("AWS::Lambda::Function").values().stream()
                .map(f -> props(f))
                .map(p -> (Map<String, Object>) p.get("Environment"))
                .filter(e -> e != null)
                .map(e -> (Map<String, Object>) e.get("Variables"))
                .filter(v -> v != null && v.containsKey("SPENDGATE_PROXY_MEMORY_MB"))
                .toList();
        assertThat(told).hasSize(1);
        return told.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> props(Map<String, Object> resource) {
        return (Map<String, Object>) resource.get("Properties");
    }
}
