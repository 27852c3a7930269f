package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one front door, over a real embedded runtime. */
class RouterTest {
    @TempDir
    Path dir;

    GatewayRuntime runtime;
    Router router;

    @BeforeEach
    void setUp() {
        runtime = LocalGatewayRuntime.create(ProxyConfig.fromEnv(Map.of()), dir);
        router = runtime.router();
    }

    @AfterEach
    void tearDown() {
        runtime.close();
    }

    private static GatewayRequest request(String method, String path) {
        return new GatewayRequest(method, path, new Headers(), new byte[0]);
    }

    @Test
    void target_eachFamilyOfPaths_goesToItsApi() {
        assertThat(router.target(request("POST", "/v1/chat/completions"), Router.Caller.LOCAL))
                .isEqualTo(Router.Target.GATEWAY);
        assertThat(router.target(request("POST", "/model/m/converse"), Router.Caller.IAM_SIGNED))
                .isEqualTo(Router.Target.GATEWAY);
        assertThat(router.target(request("POST", "/v1/outcomes?x=1"), Router.Caller.UNSIGNED))
                .isEqualTo(Router.Target.OUTCOMES);
        assertThat(router.target(request("GET", "/admin/budgets?scope=team"), Router.Caller.LOCAL))
                .isEqualTo(Router.Target.ADMIN);
        assertThat(router.target(request("POST", "/v1/nothing"), Router.Caller.LOCAL))
                .isEqualTo(Router.Target.GATEWAY);
    }

    @Test
    void target_health_isServedOnTheLocalServerOnly() {
        assertThat(router.target(request("GET", "/health"), Router.Caller.LOCAL))
                .isEqualTo(Router.Target.HEALTH);
        assertThat(router.target(request("GET", "/health"), Router.Caller.IAM_SIGNED))
                .isEqualTo(Router.Target.GATEWAY);
    }

    @Test
    void handle_adminWithoutASignedCaller_refuses403() throws Exception {
        var sink = new dev.spendgate.function.proxy.pipeline.RecordingSink();

        router.handle(request("GET", "/admin/budgets"), Router.Caller.UNSIGNED, sink);

        assertThat(sink.status).isEqualTo(403);
        assertThat(sink.text()).contains("permission_error");
    }

    @Test
    void handle_unknownPathWithoutKey_isTheGateways404() throws Exception {
        var sink = new dev.spendgate.function.proxy.pipeline.RecordingSink();

        router.handle(request("POST", "/v1/images"), Router.Caller.IAM_SIGNED, sink);

        assertThat(sink.status).isEqualTo(404);
        assertThat(sink.text()).contains("Unknown path /v1/images");
    }
}
