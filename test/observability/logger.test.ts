import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { runWithRequestContext } from "../../src/observability/request-context.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  return { lines, logger: createLogger("info", stream) };
}

describe("logger", () => {
  it("puts the request and trace id on every line inside a request", () => {
    const { lines, logger } = capture();
    runWithRequestContext({ requestId: "req-1", traceId: "trace-1", tenantId: "t-1" }, () => logger.info("hello"));
    expect(lines[0]).toMatchObject({ msg: "hello", requestId: "req-1", traceId: "trace-1", tenantId: "t-1", level: "info" });
  });

  it("redacts e-mail addresses, tokens and secrets in fields and messages", () => {
    const { lines, logger } = capture();
    logger.info({ user: "ann@example.com", headers: { authorization: "Bearer abc.def.ghi" }, apiKey: "sk_x", nested: { password: "p" } }, "login by bob@example.com");
    const line = JSON.stringify(lines[0]);
    expect(line).not.toMatch(/ann@example\.com|bob@example\.com|abc\.def\.ghi|"sk_x"|"p"/);
    expect(lines[0]).toMatchObject({ user: "a***@example.com", msg: "login by b***@example.com" });
  });
});

describe("error serialisation", () => {
  it("logs any thrown value without throwing itself", () => {
    const { lines, logger } = capture();
    logger.error({ err: { weird: true } }, "a");
    logger.error({ err: "plain string from ann@example.com" }, "b");
    logger.error({ err: Object.assign(new Error("boom for bob@example.com"), { code: "E42" }) }, "c");
    expect(lines.map((l) => (l.err as { message: string }).message)).toEqual(["[object Object]", "plain string from a***@example.com", "boom for b***@example.com"]);
    expect((lines[2]!.err as { code: string }).code).toBe("E42");
  });
});
