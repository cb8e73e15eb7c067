// Prints the permission matrix as the Markdown table the README shows.
// test/domain/access/permission-readme.test.ts keeps the README in step with it.
import { pathToFileURL } from "node:url";
import { HUMAN_ROLES, PERMISSIONS, ROLE_PERMISSIONS } from "../src/domain/access/permission.js";

export function permissionTable(): string {
  const roles = [...HUMAN_ROLES, "SERVICE"] as const;
  const header = `| permission | ${roles.join(" | ")} |`;
  const rule = `|---|${roles.map(() => ":-:").join("|")}|`;
  const rows = PERMISSIONS.map((p) => `| \`${p}\` | ${roles.map((r) => (ROLE_PERMISSIONS[r].has(p) ? "✓" : "")).join(" | ")} |`);
  return [header, rule, ...rows].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.stdout.write(permissionTable() + "\n");
