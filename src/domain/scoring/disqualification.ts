// Hard disqualification: rules that end a lead whatever its score, and that
// neither the model nor the AI assessment nor a person's "qualify" can
// override. To change the outcome, change the facts (or the tenant's rules).
import { domainMatches } from "../email.js";
import type { LeadFacts } from "./facts.js";
import type { ScoringSettings } from "./settings.js";

export type DisqualificationRule =
  | "DO_NOT_CONTACT"
  | "SUPPRESSED"
  | "INVALID_EMAIL"
  | "DISPOSABLE_EMAIL"
  | "COMPETITOR"
  | "EXCLUDED_INDUSTRY"
  | "OUTSIDE_COUNTRIES"
  | "OUTSIDE_EMPLOYEE_RANGE"
  | "EXCLUDED_LIFECYCLE"
  | "EXCLUDED_COMPANY_STAGE";

export interface Disqualification {
  rule: DisqualificationRule;
  reason: string;
}

export function disqualifications(facts: LeadFacts, settings: ScoringSettings): Disqualification[] {
  const rules = settings.disqualification;
  const out: Disqualification[] = [];
  if (facts.doNotContact) out.push({ rule: "DO_NOT_CONTACT", reason: "The contact is marked do-not-contact." });
  if (facts.suppressed) out.push({ rule: "SUPPRESSED", reason: "The address or its domain is on the suppression list." });
  if (facts.email && !facts.email.valid) out.push({ rule: "INVALID_EMAIL", reason: "The e-mail address is not valid." });
  if (facts.email?.kind === "DISPOSABLE" && rules.disqualifyDisposableEmail) {
    out.push({ rule: "DISPOSABLE_EMAIL", reason: `${facts.email.domain} is a disposable e-mail domain.` });
  }
  const domains = [facts.email?.domain, facts.company?.domain].filter((d): d is string => !!d);
  const competitor = rules.competitorDomains.find((c) => domains.some((d) => domainMatches(d, c)));
  if (competitor) out.push({ rule: "COMPETITOR", reason: `${competitor} is a competitor's domain.` });

  const company = facts.company;
  if (company) {
    if (company.lifecycle && rules.excludedLifecycles.includes(company.lifecycle)) {
      out.push({ rule: "EXCLUDED_LIFECYCLE", reason: `The company is a ${company.lifecycle.toLowerCase().replace("_", " ")}.` });
    }
    if (company.industry && rules.excludedIndustries.some((i) => i.toLowerCase() === company.industry!.trim().toLowerCase())) {
      out.push({ rule: "EXCLUDED_INDUSTRY", reason: `The industry ${company.industry} is excluded.` });
    }
    if (company.country && rules.allowedCountries.length && !rules.allowedCountries.includes(company.country.toUpperCase())) {
      out.push({ rule: "OUTSIDE_COUNTRIES", reason: `${company.country} is outside the countries served (${rules.allowedCountries.join(", ")}).` });
    }
    const { min, max } = rules.employeeRange;
    if (company.employeeCount !== null && ((min !== undefined && company.employeeCount < min) || (max !== undefined && company.employeeCount > max))) {
      out.push({
        rule: "OUTSIDE_EMPLOYEE_RANGE",
        reason: `${company.employeeCount} employees is outside the range served (${min ?? 0}–${max ?? "any"}).`,
      });
    }
    if (company.stage && rules.excludedCompanyStages.some((s) => s.toLowerCase() === company.stage!.trim().toLowerCase())) {
      out.push({ rule: "EXCLUDED_COMPANY_STAGE", reason: `The company stage ${company.stage} is excluded.` });
    }
  }
  return out;
}
