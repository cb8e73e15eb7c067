// The recipient's time zone for meeting slots, best evidence first:
// 1. the contact's own time zone (Contact.timeZone, an IANA name);
// 2. their company's country (Company.country, ISO 3166-1 alpha-2);
// 3. the country of their e-mail domain's country-code TLD (.de, .fr, .co.uk…);
// 4. else the rep's (the host zone the working hours are in).
// Countries map to ONE representative IANA zone (the zone of the capital or
// of most of the population). For countries that span several zones (US, CA,
// BR, AU, RU, MX, ID…) the mapping is only a guess: a generic TLD (.com, .io)
// never implies a country, and an address such as .us is rare. The source is
// returned with the zone so the draft and the reviewer know how sure it is.
import { isTimeZone } from "./draft/meeting-slot.js";

export type TimeZoneSource = "CONTACT" | "COMPANY_COUNTRY" | "EMAIL_DOMAIN" | "HOST";

/** ISO 3166-1 alpha-2 → a representative IANA zone. Small on purpose; extend when a tenant needs more. */
export const COUNTRY_TIME_ZONES: Readonly<Record<string, string>> = {
  AT: "Europe/Vienna", AU: "Australia/Sydney", BE: "Europe/Brussels", BG: "Europe/Sofia", BR: "America/Sao_Paulo",
  CA: "America/Toronto", CH: "Europe/Zurich", CL: "America/Santiago", CN: "Asia/Shanghai", CO: "America/Bogota",
  CZ: "Europe/Prague", DE: "Europe/Berlin", DK: "Europe/Copenhagen", EE: "Europe/Tallinn", EG: "Africa/Cairo",
  ES: "Europe/Madrid", FI: "Europe/Helsinki", FR: "Europe/Paris", GB: "Europe/London", GR: "Europe/Athens",
  HK: "Asia/Hong_Kong", HR: "Europe/Zagreb", HU: "Europe/Budapest", IE: "Europe/Dublin", IL: "Asia/Jerusalem",
  IN: "Asia/Kolkata", IS: "Atlantic/Reykjavik", IT: "Europe/Rome", JP: "Asia/Tokyo", KE: "Africa/Nairobi",
  KR: "Asia/Seoul", LT: "Europe/Vilnius", LU: "Europe/Luxembourg", LV: "Europe/Riga", MX: "America/Mexico_City",
  MY: "Asia/Kuala_Lumpur", NG: "Africa/Lagos", NL: "Europe/Amsterdam", NO: "Europe/Oslo", NZ: "Pacific/Auckland",
  PH: "Asia/Manila", PL: "Europe/Warsaw", PT: "Europe/Lisbon", RO: "Europe/Bucharest", RS: "Europe/Belgrade",
  SE: "Europe/Stockholm", SG: "Asia/Singapore", SI: "Europe/Ljubljana", SK: "Europe/Bratislava", TH: "Asia/Bangkok",
  TR: "Europe/Istanbul", TW: "Asia/Taipei", UA: "Europe/Kyiv", AE: "Asia/Dubai", SA: "Asia/Riyadh",
  US: "America/New_York", ZA: "Africa/Johannesburg", AR: "America/Argentina/Buenos_Aires", PE: "America/Lima", VN: "Asia/Ho_Chi_Minh",
};

/** Country-code TLDs whose registry code differs from the ISO code. */
const TLD_COUNTRY: Readonly<Record<string, string>> = { uk: "GB" };

const GENERIC_CCTLDS = new Set(["io", "ai", "co", "me", "tv", "ly", "fm", "gg", "to", "cc", "ws", "so", "sh", "ac", "im", "la", "vc", "eu"]);

/** The country of an e-mail address's domain, from its ccTLD (null for generic TLDs such as .com or .io). */
export function countryOfEmail(email: string | null | undefined): string | null {
  const domain = email?.split("@")[1]?.trim().toLowerCase().replace(/\.$/, "");
  if (!domain) return null;
  const tld = domain.split(".").at(-1) ?? "";
  if (!/^[a-z]{2}$/.test(tld)) return null;
  // .io, .ai, .co, .me, .tv… are used worldwide as generic names: no country.
  if (GENERIC_CCTLDS.has(tld)) return null;
  return TLD_COUNTRY[tld] ?? tld.toUpperCase();
}

export interface RecipientTimeZone {
  timeZone: string;
  source: TimeZoneSource;
}

export function recipientTimeZone(input: { contactTimeZone?: string | null; companyCountry?: string | null; email?: string | null; hostTimeZone: string }): RecipientTimeZone {
  if (input.contactTimeZone && isTimeZone(input.contactTimeZone)) return { timeZone: input.contactTimeZone, source: "CONTACT" };
  const byCountry = input.companyCountry ? COUNTRY_TIME_ZONES[input.companyCountry.trim().toUpperCase()] : undefined;
  if (byCountry) return { timeZone: byCountry, source: "COMPANY_COUNTRY" };
  const country = countryOfEmail(input.email);
  const byDomain = country ? COUNTRY_TIME_ZONES[country] : undefined;
  if (byDomain) return { timeZone: byDomain, source: "EMAIL_DOMAIN" };
  return { timeZone: input.hostTimeZone, source: "HOST" };
}
