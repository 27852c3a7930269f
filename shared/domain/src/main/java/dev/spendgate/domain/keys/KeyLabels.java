package dev.spendgate.domain.keys;

/**
 * The rules for a proxy key's name and owner, the same for {@code keys create} and {@code POST /admin/keys}: a name of
 * 1-128 characters, an owner of at most 256, and neither with a control character (a line break would split the row
 * of {@code keys list} or the console's table a script reads).
 */
public final class KeyLabels {
    public static final int MAX_NAME = 128;
    public static final int MAX_OWNER = 256;

    private KeyLabels() {}

    /** Whether {@code name} (already trimmed) is a key name the gateway takes. */
    public static boolean validName(String name) {
        return name != null && !name.isEmpty() && name.length() <= MAX_NAME && !hasControl(name);
    }

    /** Whether {@code owner} is a key owner the gateway takes; null (no owner) is. */
    public static boolean validOwner(String owner) {
        return owner == null || (owner.length() <= MAX_OWNER && !hasControl(owner));
    }

    private static boolean hasControl(String value) {
        return value.chars().anyMatch(Character::isISOControl);
    }
}
