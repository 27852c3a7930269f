package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

class TokenCounterTest {
    @Test
    void count_modelsOfBothEncodings_countAsTheirEncodingFromAFreshRegistry() {
        EncodingRegistry fresh = Encodings.newDefaultEncodingRegistry();
        String text = "Grüße! Prompt tokens per request went from about 1,900 to 3,400; 日本語 \uD83D\uDE00 done.";
        for (String model : new String[] {"gpt-4o-mini", "gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "o3", null}) {
            EncodingType type = model != null
                            && (model.startsWith("gpt-4-") || model.equals("gpt-4") || model.startsWith("gpt-3.5"))
                    ? EncodingType.CL100K_BASE
                    : EncodingType.O200K_BASE;
            assertThat(TokenCounter.encodingName(model)).isEqualTo(type.getName());
            assertThat(TokenCounter.count(model, text))
                    .as(model)
                    .isEqualTo(fresh.getEncoding(type).countTokensOrdinary(text));
        }
        assertThat(TokenCounter.count("gpt-4", text)).isNotEqualTo(TokenCounter.count("gpt-4o", text));
    }
}
