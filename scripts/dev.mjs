// `npm run dev`: the service with tsx watch (restarts on change) and the
// console's Vite dev server with hot reload, which proxies /graphql (HTTP and
// WebSocket) to the service. Open the URL it prints; Ctrl-C stops both.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const service = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "watch", "src/main.ts"], { cwd: root, stdio: "inherit" });

const { createServer } = await import("vite");
const port = Number(process.env.PORT ?? 4000);
process.env.CONSOLE_API_URL ??= `http://127.0.0.1:${port}`;
const vite = await createServer({ configFile: path.join(root, "web/vite.config.ts"), logLevel: "info" });
await vite.listen();
const url = vite.resolvedUrls?.local[0] ?? "http://127.0.0.1:5173/";
process.stdout.write(`\n  Console (hot reload): ${url}  (API: ${process.env.CONSOLE_API_URL}/graphql)\n\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  service.kill("SIGTERM");
  await vite.close();
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
service.on("exit", (code) => {
  void vite.close().then(() => process.exit(stopping ? 0 : (code ?? 1)));
});
