package dev.spendgate.function.report;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.gatewaycost.ManagedInstancesModel;
import dev.spendgate.domain.gatewaycost.ManagedInstancesPrices;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import dev.spendgate.report.gatewaycost.SecretsFee;
import java.math.BigDecimal;
import java.util.Map;

/**
 * How the report estimates the gateway's own AWS cost, read once from the environment the stack sets:
 * {@code SPENDGATE_PROXY_MEMORY_MB} and {@code SPENDGATE_PROXY_ARCHITECTURE} ({@code x86_64} or {@code arm64}) of the
 * deployed proxy, {@code SPENDGATE_PROXY_COMPUTE} ({@code lambda}, the default, or {@code managed-instances}) and, on
 * managed instances, {@code SPENDGATE_PROXY_INSTANCE_TYPE} (the first allowed instance type, empty when Lambda
 * chooses) and {@code SPENDGATE_PROXY_MAX_VCPUS} (the capacity provider's ceiling);
 * {@code SPENDGATE_GATEWAY_COST_MEAN_CALL_MS} (the LLM call's mean wall time assumed per call, default 4000, to
 * which Lambda's billed duration adds the gateway's own time) and
 * {@code SPENDGATE_GATEWAY_COST_BUDGETS_PER_CALL} (default 1); {@code SPENDGATE_GATEWAY_COST_SECRETS}, the Secrets
 * Manager secrets the stack created (default 2: the provider keys and the reconciliation admin keys; the stack sets 0
 * or 1 when given existing ones). Without the memory setting (local runs) there is no estimate.
 *
 * @param instanceType managed instances only: the deployment's instance type, or null when Lambda chooses
 * @param maxVCpus managed instances only: the capacity provider's vCPU ceiling (0 on standard Lambda)
 * @param secrets the Secrets Manager secrets the stack created, priced at their monthly fee
 */
record GatewayCostSettings(
        int memoryMb,
        boolean arm64,
        long meanCallMillis,
        int budgetsPerCall,
        boolean managedInstances,
        String instanceType,
        int maxVCpus,
        int secrets,
        int callsPerVCpu) {

    /** The instance type whose prices Spendgate carries; others are priced as it, and the rows say so. */
    static final ManagedInstancesPrices PRICED = ManagedInstancesPrices.US_EAST_1_M7G_LARGE;
    /**
     * The fleet as the README's LMI cost table sizes it: three instances at least, 13.6 ms of CPU a call (measured,
     * {@code bench/deployed.sh}) at a 50 % CPU target, 32 calls per vCPU (Lambda's Java default, which the stack writes
     * into the template unless {@code proxyConcurrencyPerEnvironment} says otherwise:
     * {@code SPENDGATE_PROXY_CONCURRENCY_PER_ENVIRONMENT}). NAT gateways are
     * the customer's VPC's and not counted (0 here).
     */
    static final int MIN_INSTANCES = 3;

    static final BigDecimal CPU_MS_PER_CALL = new BigDecimal("13.6");
    static final BigDecimal CPU_TARGET = new BigDecimal("0.5");
    static final int CALLS_PER_VCPU = 32;
    /** Memory of a managed-instances environment per vCPU: Lambda's default, which the stack keeps. */
    static final int MEMORY_MB_PER_VCPU = 2048;

    static GatewayCostSettings fromEnv(Map<String, String> env) {
        String memory = env.get("SPENDGATE_PROXY_MEMORY_MB");
        if (memory == null || memory.isBlank()) {
            return null;
        }
        String arch = env.getOrDefault("SPENDGATE_PROXY_ARCHITECTURE", "x86_64").trim();
        if (!arch.equals("x86_64") && !arch.equals("arm64")) {
            throw new IllegalStateException("SPENDGATE_PROXY_ARCHITECTURE must be x86_64 or arm64, was " + arch);
        }
        String compute = env.getOrDefault("SPENDGATE_PROXY_COMPUTE", "lambda").trim();
        if (!compute.equals("lambda") && !compute.equals("managed-instances")) {
            throw new IllegalStateException(
                    "SPENDGATE_PROXY_COMPUTE must be lambda or managed-instances, was " + compute);
        }
        boolean managed = compute.equals("managed-instances");
        String type = env.getOrDefault("SPENDGATE_PROXY_INSTANCE_TYPE", "").trim();
        int maxVCpus = 0;
        if (managed) {
            String vcpus = env.get("SPENDGATE_PROXY_MAX_VCPUS");
            if (vcpus == null || vcpus.isBlank()) {
                throw new IllegalStateException(
                        "SPENDGATE_PROXY_MAX_VCPUS must be set with SPENDGATE_PROXY_COMPUTE=managed-instances");
            }
            maxVCpus = number(env, "SPENDGATE_PROXY_MAX_VCPUS", vcpus);
            if (maxVCpus < 1) {
                throw new IllegalStateException("SPENDGATE_PROXY_MAX_VCPUS must be at least 1, was " + vcpus);
            }
        }
        int memoryMb = number(env, "SPENDGATE_PROXY_MEMORY_MB", memory);
        int callsPerVCpu = CALLS_PER_VCPU;
        String perEnvironment = env.get("SPENDGATE_PROXY_CONCURRENCY_PER_ENVIRONMENT");
        if (managed && perEnvironment != null && !perEnvironment.isBlank()) {
            // an environment has a vCPU per 2 GiB of the function's memory (Lambda's default ratio, the stack's)
            int vCpus = Math.max(1, memoryMb / MEMORY_MB_PER_VCPU);
            callsPerVCpu =
                    Math.max(1, number(env, "SPENDGATE_PROXY_CONCURRENCY_PER_ENVIRONMENT", perEnvironment) / vCpus);
        }
        return new GatewayCostSettings(
                memoryMb,
                arch.equals("arm64"),
                number(
                        env,
                        "SPENDGATE_GATEWAY_COST_MEAN_CALL_MS",
                        env.getOrDefault("SPENDGATE_GATEWAY_COST_MEAN_CALL_MS", "4000")),
                number(
                        env,
                        "SPENDGATE_GATEWAY_COST_BUDGETS_PER_CALL",
                        env.getOrDefault("SPENDGATE_GATEWAY_COST_BUDGETS_PER_CALL", "1")),
                managed,
                type.isEmpty() ? null : type,
                maxVCpus,
                number(
                        env,
                        "SPENDGATE_GATEWAY_COST_SECRETS",
                        env.getOrDefault("SPENDGATE_GATEWAY_COST_SECRETS", Integer.toString(SecretsFee.STACK_SECRETS))),
                callsPerVCpu);
    }

    /**
     * The deployed proxy sends usage records through the stack's Firehose stream, not an S3 object per call. Lambda
     * bills the whole invocation: the mean LLM call plus the gateway's own time at the deployment's memory
     * ({@link CallProfile#gatewayMillis}), as the README's table prices it.
     */
    GatewayCostRows rows() {
        CallProfile profile = CallProfile.measured(
                budgetsPerCall,
                meanCallMillis + CallProfile.gatewayMillis(memoryMb),
                memoryMb,
                arm64,
                CallProfile.Delivery.FIREHOSE);
        GatewayCostModel services = GatewayCostModel.create(AwsPrices.US_EAST_1);
        if (!managedInstances) {
            return new GatewayCostRows(profile, services, null, new SecretsFee(secrets));
        }
        // a call holds its slot for the LLM call and the gateway's own time, as the README's table sizes the fleet
        ManagedInstancesModel.Fleet fleet = new ManagedInstancesModel.Fleet(
                MIN_INSTANCES, CPU_MS_PER_CALL, CPU_TARGET, callsPerVCpu, profile.billedMillis(), 0, 0);
        ManagedInstancesModel model = ManagedInstancesModel.create(services, PRICED, fleet);
        return new GatewayCostRows(
                profile,
                services,
                new GatewayCostRows.ManagedFleet(model, Math.max(1, maxVCpus / PRICED.vCpus()), pricedAs()),
                new SecretsFee(secrets));
    }

    /** Why the fleet is priced as {@link #PRICED}, in words for the rows. */
    String pricedAs() {
        if (instanceType == null) {
            return "instance type chosen by Lambda, priced as " + PRICED.instanceType();
        }
        if (instanceType.equals(PRICED.instanceType())) {
            return "the deployment's instance type";
        }
        return "the deployment allows " + instanceType + ", which has no list price in Spendgate; priced as "
                + PRICED.instanceType();
    }

    private static int number(Map<String, String> env, String name, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + " must be a whole number of 0 or more, was " + value);
        }
    }
}
