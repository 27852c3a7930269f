package dev.spendgate.report.focus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The FOCUS versions the export is written in: 1.1 (the default) and 1.3. A 1.3 file has the 1.1 columns plus
 * {@code ServiceProviderName} and {@code HostProviderName}, the 1.3 columns that replace the deprecated
 * {@code ProviderName} (kept, with the same value, for readers of older versions). The 1.2 and 1.3 columns that do
 * not apply to metered token charges (invoice, pricing currency, capacity reservation, contract commitment and
 * allocation columns) are left out, as FOCUS allows for conditional columns.
 */
public enum FocusVersion {
    V1_1("1.1"),
    V1_3("1.3");

    /** The version written unless another is asked for. */
    public static final FocusVersion DEFAULT = V1_1;

    private final String id;

    FocusVersion(String id) {
        this.id = id;
    }

    /** {@code 1.1} or {@code 1.3}, as written in the metadata's {@code FocusVersion}. */
    public String id() {
        return id;
    }

    /** The CSV's file name: {@code focus-1.1.csv} or {@code focus-1.3.csv}. */
    public String fileName() {
        return "focus-" + id + ".csv";
    }

    /** The columns in file order. */
    public List<String> columns() {
        if (this == V1_1) {
            return FocusCsvWriter.COLUMNS;
        }
        List<String> c = new ArrayList<>(FocusCsvWriter.COLUMNS);
        c.add(c.indexOf("InvoiceIssuerName"), "HostProviderName");
        c.add(c.indexOf("ServiceSubcategory"), "ServiceProviderName");
        return List.copyOf(c);
    }

    /** The version named {@code value} ({@code 1.1} or {@code 1.3}); a clear error naming {@code field} otherwise. */
    public static FocusVersion parse(String value, String field) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replaceFirst("^v", "");
        for (FocusVersion f : values()) {
            if (f.id.equals(v)) {
                return f;
            }
        }
        throw new IllegalArgumentException(
                field + " must be 1.1 or 1.3 (the FOCUS versions Spendgate writes), got '" + value + "'");
    }
}
