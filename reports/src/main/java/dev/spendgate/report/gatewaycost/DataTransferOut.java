package dev.spendgate.report.gatewaycost;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.report.FocusCharge;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gateway's data transfer out of AWS to the internet, estimated from the records' tokens: every call sends its
 * prompt from the proxy to the provider (Lambda's data out, billed at EC2's data transfer rates) and its answer back
 * to the client through API Gateway (whose data out bills at the same rates). Bytes are taken as
 * {@value #BYTES_PER_TOKEN} a token: OpenAI's "What are tokens and how to count them?" (help.openai.com) puts a token
 * at about 4 characters of common English text, one byte each in UTF-8. Input tokens count the whole prompt (cached
 * ones too: the prompt is sent whole); output tokens the answer, less reasoning tokens (billed, never sent). Not
 * counted, so the estimate is low rather than high: the requests' and answers' JSON, headers and TLS framing, the
 * event-stream framing of streamed answers, and answers served from the response cache (their records carry no
 * tokens). Data in is free. The first 100 GB a month are free on AWS, left out as the other free tiers are.
 */
public final class DataTransferOut {
    /** Bytes of text a token is taken to be (about 4 characters of English, one byte each). */
    public static final long BYTES_PER_TOKEN = 4;
    /** What AWS bills data transfer under (FOCUS ServiceName of these rows). */
    public static final String SERVICE = "AWS Data Transfer";

    private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);
    private static final MathContext PRECISION = new MathContext(20, RoundingMode.HALF_EVEN);

    private DataTransferOut() {}

    /**
     * A day's tokens out.
     *
     * @param calls the day's calls
     * @param inputTokens the prompts' tokens (sent to the providers)
     * @param answerTokens the answers' tokens (sent to the clients): output less reasoning
     */
    public record Day(long calls, long inputTokens, long answerTokens) {
        public Day {
            if (calls < 0 || inputTokens < 0 || answerTokens < 0) {
                throw new IllegalArgumentException("counts must not be negative");
            }
        }

        /** The day's bytes out: both sides' tokens at {@link #BYTES_PER_TOKEN} bytes. */
        public long bytes() {
            return Math.multiplyExact(Math.addExact(inputTokens, answerTokens), BYTES_PER_TOKEN);
        }
    }

    /** USD for {@code bytes} out to the internet. */
    public static BigDecimal usd(long bytes, AwsPrices prices) {
        return BigDecimal.valueOf(bytes).divide(GIB, PRECISION).multiply(prices.dataTransferOutPerGb());
    }

    /** One row a day with bytes out. */
    static List<FocusCharge> rows(Map<LocalDate, Day> days, AwsPrices prices) {
        List<FocusCharge> rows = new ArrayList<>();
        for (Map.Entry<LocalDate, Day> e : new TreeMap<>(days).entrySet()) {
            Day d = e.getValue();
            long bytes = d.bytes();
            if (bytes == 0) {
                continue;
            }
            rows.add(GatewayCostRows.row(
                    e.getKey(),
                    SERVICE,
                    usd(bytes, prices),
                    GatewayCostRows.COST_SOURCE + ": estimated, not billed: Spendgate's own " + SERVICE
                            + " out to the internet for " + d.calls() + " calls: " + d.inputTokens()
                            + " prompt tokens to the providers and " + d.answerTokens()
                            + " answer tokens to the clients at " + BYTES_PER_TOKEN + " bytes a token, "
                            + BigDecimal.valueOf(bytes)
                                    .divide(GIB, 6, RoundingMode.HALF_UP)
                                    .toPlainString()
                            + " GB at $" + prices.dataTransferOutPerGb().toPlainString() + " per GB, list price "
                            + prices.region() + " " + prices.asOf()));
        }
        return rows;
    }

    /** In words, for the basis. */
    static String basis(AwsPrices prices) {
        return "data transfer out to the internet, prompts to the providers and answers to the clients at "
                + BYTES_PER_TOKEN + " bytes a token (about 4 characters of English a token), $"
                + prices.dataTransferOutPerGb().toPlainString() + " per GB; JSON and stream framing not counted";
    }
}
