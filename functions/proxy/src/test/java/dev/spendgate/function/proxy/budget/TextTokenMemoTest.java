package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.usage.TokenCounter;
import org.junit.jupiter.api.Test;

class TextTokenMemoTest {
    private static final String PROMPT = "You are a concise assistant for an internal engineering team. Answer in plain"
            + " English, keep answers short, and cite the relevant internal runbook section when you know it. Никогда не"
            + " выдумывайте числа; 数字を作らないでください。";

    @Test
    void count_sameTextAgain_isJtokkitsCount() {
        TextTokenMemo memo = new TextTokenMemo();
        long first = memo.count("gpt-4o-mini", PROMPT);
        long again = memo.count("gpt-4o-mini", PROMPT);
        assertThat(first).isEqualTo(TokenCounter.count("gpt-4o-mini", PROMPT));
        assertThat(again).isEqualTo(first);
        assertThat(memo.size()).isEqualTo(1);
    }

    @Test
    void count_sameTextOtherEncoding_countsWithThatEncoding() {
        TextTokenMemo memo = new TextTokenMemo();
        memo.count("gpt-4o", PROMPT);
        long cl100k = memo.count("gpt-4", PROMPT);
        assertThat(cl100k)
                .isEqualTo(TokenCounter.count("gpt-4", PROMPT))
                .isNotEqualTo(TokenCounter.count("gpt-4o", PROMPT));
    }

    @Test
    void count_textsDifferingInOneCharacter_eachGetsItsOwnCount() {
        TextTokenMemo memo = new TextTokenMemo();
        String longer = PROMPT.replace("short", "s h o r t");
        memo.count("gpt-4o", PROMPT);
        assertThat(memo.count("gpt-4o", longer)).isEqualTo(TokenCounter.count("gpt-4o", longer));
    }

    @Test
    void count_pastTheLimit_keepsAtMostMaxEntries() {
        TextTokenMemo memo = new TextTokenMemo();
        String base = "x".repeat(TextTokenMemo.MIN_CHARS);
        for (int i = 0; i <= TextTokenMemo.MAX_ENTRIES + 10; i++) {
            memo.count("gpt-4o", base + i);
        }
        assertThat(memo.size()).isBetween(1, TextTokenMemo.MAX_ENTRIES);
        assertThat(memo.count("gpt-4o", base + 7)).isEqualTo(TokenCounter.count("gpt-4o", base + 7));
    }

    @Test
    void count_shortText_isNotKept() {
        TextTokenMemo memo = new TextTokenMemo();
        assertThat(memo.count("gpt-4o", "Hello there")).isEqualTo(TokenCounter.count("gpt-4o", "Hello there"));
        assertThat(memo.size()).isZero();
    }

    @Test
    void count_structuralWords_areJtokkitsCountInEachEncoding() {
        TextTokenMemo memo = new TextTokenMemo();
        for (String model : new String[] {"gpt-4o-mini", "gpt-4", "claude-sonnet-4-5"}) {
            for (String word : TextTokenMemo.WORDS) {
                assertThat(memo.count(model, word)).as(model + " " + word).isEqualTo(TokenCounter.count(model, word));
                assertThat(memo.count(model, word)).as(model + " " + word).isEqualTo(TokenCounter.count(model, word));
            }
        }
        assertThat(memo.count("gpt-4", "assistant")).isPositive();
        assertThat(memo.size()).isZero(); // short texts never take a digest entry
    }

    @Test
    void count_randomTextsSeenTwiceInTwoEncodings_equalJtokkitsCount() {
        TextTokenMemo memo = new TextTokenMemo();
        java.util.Random random = new java.util.Random(4);
        String alphabet = "abc xyz,.!?\n\t0123456789éж日本語🙂";
        java.util.List<String> texts = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(400); n > 0; n--) {
                text.appendCodePoint(alphabet.codePointAt(
                        alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            texts.add(text.toString());
        }
        texts.addAll(TextTokenMemo.WORDS);
        for (int pass = 0; pass < 2; pass++) {
            for (String text : texts) {
                for (String model : new String[] {"gpt-4o", "gpt-3.5-turbo"}) {
                    assertThat(memo.count(model, text))
                            .as("%s, %d chars, pass %d", model, text.length(), pass)
                            .isEqualTo(TokenCounter.count(model, text));
                }
            }
        }
    }
}
