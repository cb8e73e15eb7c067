// Large CommonJS SDKs (Google's, HubSpot's, the mail parser, the NLP model) are loaded
// on first use rather than at start-up: a replica that never talks to Google or
// HubSpot, or an API-only one, does not carry them (each is ~10 MB of resident
// memory; issue 14's idle-memory target). Only for CommonJS-only packages: an ES
// import elsewhere of the same package then shares the one instance in require's cache.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** A getter that loads `id` with require() the first time it is called. */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
