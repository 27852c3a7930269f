package dev.spendgate.function.proxy.pipeline;

import java.util.Objects;

/**
 * What a stage returns: the context as it now stands, and a refusal when the call stops here (the context still
 * carries what was learned before the refusal, e.g. the model a refused call asked for, for its usage record), or an
 * {@link Answer} when the stage answers the call itself (nothing is relayed).
 */
public record Step(CallContext context, Refusal refusal, Answer answer) {

    public Step {
        Objects.requireNonNull(context, "context");
    }

    public static Step proceed(CallContext context) {
        return new Step(context, null, null);
    }

    public static Step refuse(CallContext context, Refusal refusal) {
        return new Step(context, Objects.requireNonNull(refusal, "refusal"), null);
    }

    /** The call is answered here with {@code answer} (e.g. from a response cache); later stages do not run. */
    public static Step answer(CallContext context, Answer answer) {
        return new Step(context, null, Objects.requireNonNull(answer, "answer"));
    }

    public boolean answered() {
        return answer != null;
    }

    public boolean refused() {
        return refusal != null;
    }
}
