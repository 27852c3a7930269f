package dev.spendgate.function.proxy.bedrock;

import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.UsageTracker;

/** The Bedrock runtime operations Spendgate proxies, by the last segment of their path. */
public enum BedrockOperation {
    CONVERSE("converse", false, "bedrock.converse"),
    CONVERSE_STREAM("converse-stream", true, "bedrock.converse"),
    INVOKE("invoke", false, "bedrock.invoke"),
    INVOKE_STREAM("invoke-with-response-stream", true, "bedrock.invoke");

    private final String pathSuffix;
    private final boolean stream;
    private final String recordName;

    BedrockOperation(String pathSuffix, boolean stream, String recordName) {
        this.pathSuffix = pathSuffix;
        this.stream = stream;
        this.recordName = recordName;
    }

    /** The path's last segment, e.g. {@code converse-stream}. */
    public String pathSuffix() {
        return pathSuffix;
    }

    /** True for the operations answering with an AWS event stream. */
    public boolean stream() {
        return stream;
    }

    /** The value of the usage record's {@code endpoint} field ({@code stream} tells the streamed variant apart). */
    public String recordName() {
        return recordName;
    }

    public boolean converse() {
        return this == CONVERSE || this == CONVERSE_STREAM;
    }

    /**
     * The endpoint whose budget estimate applies: InvokeModel bodies for Anthropic models are Messages bodies
     * ({@code cache_control} marks cache writes); Converse is estimated the same way from its text.
     */
    public Endpoint estimateAs() {
        return Endpoint.MESSAGES;
    }

    /** A fresh reader of this operation's usage (whole body, or events as they pass). */
    public UsageTracker tracker() {
        return converse() ? new ConverseUsageTracker() : UsageTracker.forEndpoint(Endpoint.MESSAGES);
    }
}
