// The operator console (web/): React, built by Vite into web/dist, which the
// service serves at / (src/api/console.ts). `npm run dev` runs this config's
// dev server with hot reload, proxying /graphql (HTTP and WebSocket) to the service.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const api = process.env.CONSOLE_API_URL ?? "http://127.0.0.1:4000";

export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // ECharts is the largest part; it gets its own chunk, loaded with the reports and lead pages.
    chunkSizeWarningLimit: 900,
  },
  server: {
    host: "127.0.0.1",
    port: Number(process.env.CONSOLE_DEV_PORT ?? 5173),
    strictPort: false,
    proxy: {
      "/graphql": { target: api, ws: true, changeOrigin: false },
    },
  },
  logLevel: "warn",
});
