package dev.spendgate.function.proxy.upstream;

import java.util.List;
import java.util.Objects;

/**
 * An upstream the gateway forwards to. {@code models} are glob patterns ({@code *} matches anything) of the model
 * names routed here; {@code pricingProvider} names the catalog provider whose prices apply.
 */
public record Provider(
        String name, ApiFormat format, String baseUrl, String apiKey, List<String> models, String pricingProvider) {

    public Provider {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(baseUrl, "baseUrl of provider " + name);
        baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        models = models == null ? List.of() : List.copyOf(models);
        pricingProvider = pricingProvider == null ? name : pricingProvider;
    }

    public boolean serves(String model) {
        for (String pattern : models) {
            if (glob(pattern, model)) {
                return true;
            }
        }
        return false;
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "Provider[name=" + name + ", format=" + format + ", baseUrl=" + baseUrl + ", apiKey="
                + (apiKey == null || apiKey.isEmpty() ? "(none)" : "(set)") + ", models=" + models + "]";
    }

    private static boolean glob(String pattern, String value) {
        if (pattern.equals("*")) {
            return true;
        }
        String regex = ("\\Q" + pattern + "\\E").replace("*", "\\E.*\\Q");
        return value.matches(regex);
    }
}
