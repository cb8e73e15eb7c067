// Files the service reads at run time (migrations, models, the built console) are
// found from the project's root, not from the module's own location: `npm start`
// runs one bundled file (dist/main.mjs, scripts/service-build.mjs) where every
// module shares that file's location, while tests and `npm run dev` run the sources.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | null = null;

/** The project's root: the nearest folder above this module that holds package.json and prisma/. */
export function projectRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "prisma"))) return (root = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("The project's root (package.json and prisma/) was not found above the service's code");
    dir = parent;
  }
}

/** A path inside the project, e.g. projectPath("prisma", "migrations"). */
export function projectPath(...segments: string[]): string {
  return path.join(projectRoot(), ...segments);
}
