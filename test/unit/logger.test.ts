import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "vitest";
import { resolvePinoPretty, serverLoggerOptions } from "../../src/logger.js";

test("pretty logs only on a TTY, through the installed pino-pretty's absolute path", () => {
  expect(serverLoggerOptions("info", false)).not.toHaveProperty("transport");
  const tty = serverLoggerOptions("debug", true);
  expect(tty.level).toBe("debug");
  expect(tty).toHaveProperty("transport.target", expect.stringMatching(/node_modules\/pino-pretty\/.*\.js$/));
});

test("without pino-pretty installed (production install) the resolution yields nothing instead of throwing", () => {
  const elsewhere = pathToFileURL(path.join(mkdtempSync(path.join(tmpdir(), "no-pretty-")), "main.js")).href;
  expect(resolvePinoPretty(elsewhere)).toBeUndefined();
});
