package dev.spendgate.domain.keys;

import dev.spendgate.domain.io.DisplayControls;

/**
 * The rules for a proxy key's name and owner, the same for {@code keys create} and {@code POST /admin/keys}: a name of
 * 1-128 characters (code points, not UTF-16 units), an owner of at most 256, and neither with a control character (a line break would split the row
 * of {@code keys list} or the console's table a script reads) nor a bidirectional formatting character (U+061C,
 * U+200E, U+200F, U+202A-U+202E, U+2066-U+2069: a right-to-left override would show {@code keys list}'s columns, or
 * another key's name, in an order that is not the stored one); both lists are {@link DisplayControls}'s.
 */
public final class KeyLabels {
    public static final int MAX_NAME = 128;
    public static final int MAX_OWNER = 256;

    private KeyLabels() {}

    /**
     * Whether {@code name} (already stripped) is a key name the gateway takes; a blank one (only spaces, U+3000 among
     * them) is not, as {@link ProxyKey} refuses it.
     */
    public static boolean validName(String name) {
        return name != null && !name.isBlank() && characters(name) <= MAX_NAME && !hasControl(name);
    }

    /** Whether {@code owner} is a key owner the gateway takes; null (no owner) is. */
    public static boolean validOwner(String owner) {
        return owner == null || (characters(owner) <= MAX_OWNER && !hasControl(owner));
    }

    /**
     * The characters (code points) of {@code value}, as a person counts them: an emoji or a rarer CJK ideograph is one
     * character but two UTF-16 units, so {@link String#length} would refuse a name of 100 of them as over 128.
     */
    private static int characters(String value) {
        return value.codePointCount(0, value.length());
    }

    private static boolean hasControl(String value) {
        return DisplayControls.hasControl(value);
    }
}
