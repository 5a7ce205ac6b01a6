import { readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { expect, test } from "vitest";

// `engines` must be truthful for what the lock file installs: every Node version it admits must be
// one every locked package declares support for (else npm warns EBADENGINE, or worse, it breaks).
const ROOT = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));

test("engines.node admits only Node versions every locked package supports", () => {
  const ours: string = pkg.engines.node;
  const narrower = Object.entries(lock.packages as Record<string, { version?: string; engines?: { node?: string } }>)
    .filter(([name, p]) => name !== "" && typeof p.engines?.node === "string")
    .filter(([, p]) => !semver.subset(ours, p.engines!.node!))
    .map(([name, p]) => `${name}@${p.version} requires ${p.engines!.node}`);
  expect(narrower).toEqual([]);
});

test("the Node running the tests is one engines admits", () => {
  expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
});
