package dev.spendgate.function.proxy.pipeline;

/**
 * One step of the request path before the call is relayed (authenticate, attribute, validate, admit, rewrite...):
 * reads the immutable context and returns it, with what it learned, or a refusal. A stage writes nothing to the
 * client; the gateway renders refusals in one place and records every authenticated call once.
 */
@FunctionalInterface
public interface Stage {
    Step apply(CallContext context);
}
