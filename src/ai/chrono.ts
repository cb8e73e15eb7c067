// chrono-node's casual date parsers, one per language we read, loaded on first
// use: only the locales used (not chrono-node's index, which loads all fifteen),
// and not at start-up — an API-only replica that never reads a message does not
// carry them (issue 14, idle memory).
import type { Chrono } from "chrono-node";
import { lazyRequire } from "../config/lazy-require.js";

export type ChronoLanguage = "en" | "de" | "fr" | "es" | "it" | "nl" | "pt";

const LOADERS: Record<ChronoLanguage, () => { casual: Chrono }> = {
  en: lazyRequire("chrono-node/en"),
  de: lazyRequire("chrono-node/de"),
  fr: lazyRequire("chrono-node/fr"),
  es: lazyRequire("chrono-node/es"),
  it: lazyRequire("chrono-node/it"),
  nl: lazyRequire("chrono-node/nl"),
  pt: lazyRequire("chrono-node/pt"),
};

/** The casual parser for `language`. */
export function chronoFor(language: ChronoLanguage): Chrono {
  return LOADERS[language]().casual;
}
