package dev.spendgate.domain.waste;

import java.util.List;

/** One waste rule over a stream of calls: sees each call once, then reports. Memory must not grow with the window. */
interface Detector {
    void accept(Call call);

    List<Finding> findings(WasteWindow window);
}
