package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** IAM statements and logical ids of a synthesized template, as text a test can compare. */
final class Statements {
    private Statements() {}

    /** Sid to "[actions] on resources" of the policies attached to the role whose logical id starts with the prefix. */
    static Map<String, String> of(Synth synth, String rolePrefix) {
        String role = logicalId(synth, rolePrefix);
        Map<String, String> out = new HashMap<>();
        synth.resources("AWS::IAM::Policy").values().forEach(p -> {
            Map<?, ?> props = (Map<?, ?>) p.get("Properties");
            if (props.get("Roles").equals(List.of(Map.of("Ref", role)))) {
                List<?> statements = (List<?>) ((Map<?, ?>) props.get("PolicyDocument")).get("Statement");
                int n = 0;
                for (Object o : statements) {
                    Map<?, ?> st = (Map<?, ?>) o;
                    assertThat(st.get("Effect")).isEqualTo("Allow");
                    Object action = st.get("Action");
                    List<?> actions = action instanceof List<?> l ? l : List.of(action);
                    Object resource = st.get("Resource");
                    List<?> resources = resource instanceof List<?> l ? l : List.of(resource);
                    String text = actions + " on "
                            + String.join(
                                    ", ",
                                    resources.stream().map(Statements::text).toList());
                    out.put(st.get("Sid") == null ? "statement" + n++ : (String) st.get("Sid"), text);
                }
            }
        });
        return out;
    }

    /** The one logical id made of {@code prefix} and the CDK's 8-character hash. */
    static String logicalId(Synth synth, String prefix) {
        @SuppressWarnings("unchecked")
        Map<String, Object> resources =
                (Map<String, Object>) ((Map<String, Object>) synth.template.toJSON()).get("Resources");
        List<String> matches = resources.keySet().stream()
                .filter(k ->
                        k.startsWith(prefix) && k.substring(prefix.length()).matches("[0-9A-F]{8}"))
                .toList();
        assertThat(matches).as("one resource named %s", prefix).hasSize(1);
        return matches.get(0);
    }

    /** Fn::Join / Ref / Fn::GetAtt as text, references as {@code <LogicalId>} or {@code <LogicalId.Attr>}. */
    static String text(Object value) {
        if (value instanceof String s) {
            return s;
        }
        Map<?, ?> m = (Map<?, ?>) value;
        if (m.containsKey("Ref")) {
            return "<" + m.get("Ref") + ">";
        }
        if (m.containsKey("Fn::GetAtt")) {
            List<?> att = (List<?>) m.get("Fn::GetAtt");
            return "<" + att.get(0) + "." + att.get(1) + ">";
        }
        if (m.containsKey("Fn::Join")) {
            List<?> join = (List<?>) m.get("Fn::Join");
            StringBuilder sb = new StringBuilder();
            for (Object part : (List<?>) join.get(1)) {
                sb.append(text(part));
            }
            return sb.toString();
        }
        return m.toString();
    }
}
