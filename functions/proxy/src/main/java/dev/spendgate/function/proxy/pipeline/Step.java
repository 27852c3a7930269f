package dev.spendgate.function.proxy.pipeline;

import java.util.Objects;

/**
 * What a stage returns: the context as it now stands, and a refusal when the call stops here (the context still
 * carries what was learned before the refusal, e.g. the model a refused call asked for, for its usage record).
 */
public record Step(CallContext context, Refusal refusal) {

    public Step {
        Objects.requireNonNull(context, "context");
    }

    public static Step proceed(CallContext context) {
        return new Step(context, null);
    }

    public static Step refuse(CallContext context, Refusal refusal) {
        return new Step(context, Objects.requireNonNull(refusal, "refusal"));
    }

    public boolean refused() {
        return refusal != null;
    }
}
