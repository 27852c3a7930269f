package dev.spendgate.domain.gatewaycost;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * Public list prices (USD) of running the proxy on Lambda Managed Instances in one region, as read from the pages in
 * {@link #sources} on {@link #asOf}: one EC2 instance type's on-demand price, Lambda's management fee on it, Lambda's
 * request charge, and the NAT gateway the instances need to reach the LLM providers (they run in the customer's VPC;
 * standard Lambda needs none). Savings Plans and Reserved Instances, which apply to the instances, are left out.
 *
 * @param instanceType the EC2 instance type priced
 * @param vCpus its vCPUs
 * @param instancePerHour its Linux on-demand price per hour
 * @param managementFeeRate Lambda's fee on the instance's on-demand price (0.15)
 * @param requestsPerMillion Lambda's request charge
 * @param natGatewayPerHour one NAT gateway per hour
 * @param natGatewayPerGb data a NAT gateway processes, per GB
 */
public record ManagedInstancesPrices(
        String region,
        LocalDate asOf,
        List<String> sources,
        String instanceType,
        int vCpus,
        BigDecimal instancePerHour,
        BigDecimal managementFeeRate,
        BigDecimal requestsPerMillion,
        BigDecimal natGatewayPerHour,
        BigDecimal natGatewayPerGb) {

    /**
     * US East (N. Virginia): m7g.large (Graviton3, 2 vCPU, 8 GiB) at $0.0816 an hour on-demand (Linux, as listed in
     * June 2026 by the cited EC2 pricing summary); the 15 % management fee and $0.20 per million requests of the
     * Lambda pricing page; NAT gateway $0.045 an hour and per GB processed. Read 2026-12-03.
     */
    public static final ManagedInstancesPrices US_EAST_1_M7G_LARGE = new ManagedInstancesPrices(
            "us-east-1",
            LocalDate.of(2026, 12, 3),
            List.of(
                    "https://aws.amazon.com/lambda/pricing/",
                    "https://aws.amazon.com/ec2/pricing/on-demand/",
                    "https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/",
                    "https://aws.amazon.com/vpc/pricing/"),
            "m7g.large",
            2,
            new BigDecimal("0.0816"),
            new BigDecimal("0.15"),
            new BigDecimal("0.20"),
            new BigDecimal("0.045"),
            new BigDecimal("0.045"));

    public ManagedInstancesPrices {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(asOf, "asOf");
        Objects.requireNonNull(instanceType, "instanceType");
        sources = List.copyOf(sources);
        if (vCpus < 1) {
            throw new IllegalArgumentException("vCpus must be at least 1, was " + vCpus);
        }
        for (BigDecimal p : new BigDecimal[] {
            instancePerHour, managementFeeRate, requestsPerMillion, natGatewayPerHour, natGatewayPerGb
        }) {
            if (p == null || p.signum() < 0) {
                throw new IllegalArgumentException("every price must be given and not negative");
            }
        }
    }
}
