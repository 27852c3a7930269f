package dev.spendgate.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

class AwsClientsTest {

    @Test
    void fromEnvironment_regionAndEndpointSet_usesBoth() {
        AwsClients clients = AwsClients.fromEnvironment(
                Map.of("AWS_REGION", "eu-west-1", AwsClients.ENDPOINT_URL_ENV, "http://localhost:4566"));

        assertThat(clients.region()).contains(Region.EU_WEST_1);
        assertThat(clients.endpointOverride()).contains(URI.create("http://localhost:4566"));
    }

    @Test
    void fromEnvironment_onlyDefaultRegion_usesIt() {
        AwsClients clients = AwsClients.fromEnvironment(Map.of("AWS_DEFAULT_REGION", "us-west-2"));

        assertThat(clients.region()).contains(Region.US_WEST_2);
        assertThat(clients.endpointOverride()).isEmpty();
    }

    @Test
    void fromEnvironment_nothingSet_leavesRegionToTheSdkAndUsesAwsEndpoints() {
        AwsClients clients = AwsClients.fromEnvironment(Map.of(AwsClients.ENDPOINT_URL_ENV, " "));

        assertThat(clients.region()).isEmpty();
        assertThat(clients.endpointOverride()).isEmpty();
    }

    @Test
    void fromEnvironment_endpointNotAUrl_throwsNamingTheVariable() {
        assertThatThrownBy(() -> AwsClients.fromEnvironment(Map.of(AwsClients.ENDPOINT_URL_ENV, "localhost:4566")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(AwsClients.ENDPOINT_URL_ENV);
    }

    @Test
    void create_nullRegion_throwsNullPointerException() {
        assertThatThrownBy(() -> AwsClients.create(null, null, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("region");
    }
}
