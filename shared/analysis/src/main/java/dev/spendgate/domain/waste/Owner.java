package dev.spendgate.domain.waste;

/**
 * Who pays for a finding's scope: the department (and team) its calls were attributed to, and the cost centre and GL
 * account the chargeback rules map them to.
 *
 * @param department the department most of the scope's spend carried, or null when none
 * @param costCentre the cost centre of the matching chargeback rule; for shared spend the word {@code shared}; the
 *     suspense cost centre when no rule matches
 * @param basis how the owner was found, e.g. {@code chargeback rule department=support} or {@code no chargeback rules
 *     configured}
 */
public record Owner(String department, String team, String costCentre, String glAccount, String basis) {}
