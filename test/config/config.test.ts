import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

describe("configuration", () => {
  it("has working defaults for development", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ NODE_ENV: "development", PORT: 4000, GRAPHIQL_ENABLED: true, INTROSPECTION_ENABLED: true, SEED_DEMO_TENANT: true });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it("switches GraphiQL and introspection off in production by default", () => {
    const config = loadConfig({ NODE_ENV: "production", DATABASE_URL: "postgres://u:p@db/x", DATABASE_APP_PASSWORD: "long-password", JWT_SECRET: "x".repeat(40), UNSUBSCRIBE_SECRET: "u".repeat(40), CREDENTIALS_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}` });
    expect(config).toMatchObject({ GRAPHIQL_ENABLED: false, INTROSPECTION_ENABLED: false, SEED_DEMO_TENANT: false });
  });

  it.each([
    [{ PORT: "eighty" }, /PORT/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL: must be a postgres/],
    [{ REDIS_URL: "http://x" }, /REDIS_URL/],
    [{ JWT_SECRET: "short" }, /JWT_SECRET: must be at least 32/],
    [{ GRAPHIQL_ENABLED: "maybe" }, /GRAPHIQL_ENABLED/],
    [{ NODE_ENV: "production" }, /JWT_SECRET: is required in production[\s\S]*DATABASE_URL: is required in production/],
  ])("stops with a message naming the variable: %j", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ REDIS_URL: "", PORT: "" }).PORT).toBe(4000);
  });
});
