import net from "node:net";
import { expect, test } from "vitest";
import { TEST_AUTH_SECRET, TEST_ROOT_KEY } from "../support/app.js";
import { startServerProcess } from "../support/server-process.js";

// D39 (issue 11): `npm start` with a database it cannot reach, or a malformed DATABASE_URL. The
// password in the URL must appear in no output line. (A database that comes up during the retry
// window is in db-faults.e2e, on a throwaway cluster.)

const PASSWORD = "Pw-d39-s3cr3t";
const env = { ROOT_ENCRYPTION_KEY: TEST_ROOT_KEY, AUTH_SECRET: TEST_AUTH_SECRET };

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function failedStart(vars: Record<string, string>): Promise<string> {
  const error = await startServerProcess({ ...env, ...vars }).then(
    () => undefined,
    (err: Error) => err,
  );
  expect(error?.message).toMatch(/^server exited with 1:\n/);
  return error!.message.replace(/^server exited with 1:\n/, "");
}

test("an unreachable database: retried with backoff, one line per attempt, then exit 1 with one clear line; no password anywhere", async () => {
  const port = await closedPort();
  const output = await failedStart({ DATABASE_URL: `postgres://app:${PASSWORD}@127.0.0.1:${port}/app`, DB_STARTUP_TIMEOUT_MS: "1500" });
  const lines = output.trim().split("\n").map((line) => JSON.parse(line) as { level: number; msg: string });
  const where = `postgres://127\\.0\\.0\\.1:${port}/app`;
  const retries = lines.slice(0, -1);
  expect(retries.length).toBeGreaterThanOrEqual(2);
  const delays = retries.map((line, i) => {
    expect(line).toMatchObject({
      level: 40,
      msg: expect.stringMatching(
        new RegExp(`^Database ${where} not reachable \\(attempt ${i + 1}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); retrying in \\d+\\.\\d s$`),
      ),
    });
    return Number(line.msg.match(/retrying in (\d+\.\d) s$/)![1]);
  });
  // Backoff: each wait at least as long as the one before, the first one short.
  expect(delays).toEqual([...delays].sort((a, b) => a - b));
  expect(delays[0]).toBeLessThan(1);
  expect(lines.at(-1)).toMatchObject({
    level: 60,
    msg: expect.stringMatching(
      new RegExp(`^Database ${where} not reachable after ${retries.length + 1} attempts in \\d+\\.\\d s \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\): giving up$`),
    ),
  });
  expect(output).not.toContain(PASSWORD);
}, 60_000);

test.each([
  ["a port that is not a number", `postgres://app:${PASSWORD}@127.0.0.1:notaport/app`],
  ["an unclosed IPv6 bracket", `postgres://app:${PASSWORD}@[::1/app`],
  ["no scheme", `app:${PASSWORD}@127.0.0.1:5432/app`],
])("a malformed DATABASE_URL (%s): exit 1 with one line naming the variable, never its value", async (_name, url) => {
  const output = await failedStart({ DATABASE_URL: url });
  expect(output.trim()).toBe("Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL");
  expect(output).not.toContain(PASSWORD);
}, 60_000);
