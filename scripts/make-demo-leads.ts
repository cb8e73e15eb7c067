// Writes examples/demo-leads.csv: synthetic B2B leads with known outcomes
// for trying the import, model training and scoring in the demo tenant. The
// outcome depends on the lead's features (seniority, company size, industry,
// source, engagement) plus noise, so a model has something real to learn.
// Deterministic (seeded), so the committed file is reproducible:
//   npx tsx scripts/make-demo-leads.ts
import { writeFileSync } from "node:fs";

let seed = 20261122;
function random(): number {
  // mulberry32
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kira", "Liam", "Mona", "Nils", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yara", "Zoe"];
const LAST = ["Andersen", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Schmidt", "Tanaka", "Varga", "Weber", "Young", "Zimmer"];
const TITLES: [string, number][] = [
  ["CEO", 1.2], ["CTO", 1.1], ["VP Sales", 1.0], ["VP Engineering", 0.8], ["Head of Operations", 0.7], ["Director of IT", 0.6],
  ["Sales Manager", 0.3], ["Engineering Manager", 0.2], ["Senior Analyst", -0.2], ["Analyst", -0.5], ["Intern", -1.2], ["Student", -1.5],
];
const INDUSTRIES: [string, number][] = [["Software", 0.8], ["Financial Services", 0.6], ["Logistics", 0.4], ["Manufacturing", 0.2], ["Healthcare", 0.1], ["Retail", -0.3], ["Education", -0.6], ["Non-profit", -0.9]];
const COUNTRIES: [string, number][] = [["DE", 0.3], ["GB", 0.3], ["US", 0.4], ["NL", 0.2], ["FR", 0.1], ["ES", 0], ["BR", -0.2], ["IN", -0.1]];
const SOURCES: [string, number][] = [["referral", 1.0], ["demo_request", 0.9], ["event", 0.2], ["web_form", 0.1], ["content_download", -0.2], ["cold_list", -0.8]];
const COMPANY_WORDS = ["North", "Blue", "Iron", "Bright", "Delta", "Nova", "Summit", "Harbor", "Pixel", "Cedar", "Vector", "Atlas"];
const COMPANY_TAILS = ["Systems", "Labs", "Logistics", "Works", "Analytics", "Group", "Partners", "Robotics", "Health", "Retail"];
const FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com"];

const rows: string[] = ["email,first_name,last_name,title,company,industry,employees,country,lead_source,web_visits,outcome"];
const usedDomains = new Set<string>();
for (let i = 0; i < 400; i++) {
  const first = pick(FIRST);
  const last = pick(LAST);
  const [title, titleWeight] = pick(TITLES);
  const [industry, industryWeight] = pick(INDUSTRIES);
  const [country, countryWeight] = pick(COUNTRIES);
  const [source, sourceWeight] = pick(SOURCES);
  const employees = Math.round(Math.exp(2 + random() * 7)); // ~7 to ~8,000
  const sizeWeight = employees < 20 ? -0.8 : employees < 200 ? 0.2 : employees < 2000 ? 0.6 : 0.3;
  const visits = Math.floor(random() * random() * 12);
  let company = `${pick(COMPANY_WORDS)} ${pick(COMPANY_TAILS)}`;
  let domain = `${company.toLowerCase().replace(/\s+/g, "")}.example`;
  if (usedDomains.has(domain)) {
    company = `${company} ${i}`;
    domain = `${company.toLowerCase().replace(/\s+/g, "")}.example`;
  }
  usedDomains.add(domain);
  const freeMail = random() < 0.12;
  const email = `${first}.${last}${i}@${freeMail ? pick(FREE_MAIL) : domain}`.toLowerCase();
  const logit = -1.6 + titleWeight + industryWeight + countryWeight + sourceWeight + sizeWeight + 0.15 * visits + (freeMail ? -0.6 : 0) + (random() - 0.5) * 1.5;
  const converted = random() < 1 / (1 + Math.exp(-logit));
  // The last 40 rows have no outcome yet: the leads to qualify after training.
  const outcome = i >= 360 ? "" : converted ? "converted" : "not_converted";
  rows.push([email, first, last, title, freeMail ? "" : company, industry, employees, country, source, visits, outcome].join(","));
}
writeFileSync(new URL("../examples/demo-leads.csv", import.meta.url), rows.join("\n") + "\n");
process.stdout.write(`examples/demo-leads.csv: ${rows.length - 1} leads\n`);
