import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";

// The code map of README ("Code map") as a test: every relative import in src/ is parsed and
// checked against the layers, bottom to top. A folder may import its own files, anything in a lower
// layer, and other features — but never another feature's repository (reach it through its service).

const SRC = path.resolve(import.meta.dirname, "../../src");

/** Layer of a file under src/, by its first path segment. */
const LAYERS: [number, string[]][] = [
  [0, ["lib"]],
  [1, ["config.ts", "logger.ts"]],
  [2, ["db"]],
  [3, ["http"]],
  [4, ["audit", "auth", "dynamic-secrets", "identities", "jobs", "kms", "leases", "metrics", "permissions", "projects", "status"]],
  [5, ["app.ts", "container.ts"]],
  [6, ["main.ts"]],
];
const FEATURE_LAYER = 4;

/**
 * Cross-feature repository imports that exist today and are to be removed (issue 8, item 2): each
 * entry is "importer -> imported". The test fails on any new one, and on an entry that no longer
 * exists, so this list only shrinks.
 */
const KNOWN_REPOSITORY_CROSSINGS = new Set<string>([
  "leases/lease-expiry.service.ts -> dynamic-secrets/dynamic-secret.repository.ts",
  "leases/lease.service.ts -> dynamic-secrets/dynamic-secret.repository.ts",
]);

/**
 * The one named exception, kept apart from the list above: `dynamic-secrets/resolve.repository.ts`
 * answers every dynamic-secret request's first question in ONE SQL statement (one round trip per
 * request is a performance requirement, issue 9), composed from the SQL fragments their owners
 * export — the access-token use (auth), the grants (permissions) and the folder walk (projects) —
 * so each piece of SQL is still written once, by its owner. Listed here and in README's code map;
 * the test fails if one of them goes away (then it leaves this list too) or another file joins them.
 */
const SINGLE_STATEMENT_FRAGMENT_IMPORTS = new Set<string>([
  "dynamic-secrets/resolve.repository.ts -> auth/access-token.repository.ts",
  "dynamic-secrets/resolve.repository.ts -> permissions/permission.repository.ts",
  "dynamic-secrets/resolve.repository.ts -> projects/folder.repository.ts",
]);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** "dynamic-secrets/patch.ts" for src/dynamic-secrets/patch.ts. */
const rel = (file: string) => path.relative(SRC, file).split(path.sep).join("/");
const area = (relPath: string) => relPath.split("/")[0]!;

function layerOf(relPath: string): number {
  const found = LAYERS.find(([, areas]) => areas.includes(area(relPath)));
  if (!found) throw new Error(`${relPath} is in no layer: add its folder to LAYERS and to README's code map`);
  return found[0];
}

/** Every relative import (static, dynamic, type-only, re-export) of every file under src/. */
function importsInSrc(): { from: string; to: string }[] {
  return filesUnder(SRC).flatMap((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    return importedFiles
      .filter((i) => i.fileName.startsWith("."))
      .map((i) => path.resolve(path.dirname(file), i.fileName.replace(/\.js$/, ".ts")))
      .filter((target) => target.startsWith(SRC + path.sep))
      .map((target) => ({ from: rel(file), to: rel(target) }));
  });
}

const imports = importsInSrc();

describe("layering (README, Code map)", () => {
  test("the parser sees the imports (a test that cannot fail is a defect)", () => {
    expect(imports.length).toBeGreaterThan(200);
    expect(imports).toContainEqual({ from: "app.ts", to: "container.ts" });
    expect(imports).toContainEqual({ from: "container.ts", to: "dynamic-secrets/providers/index.ts" });
  });

  test("every folder of src/ is in a layer", () => {
    for (const entry of readdirSync(SRC)) expect(() => layerOf(entry), entry).not.toThrow();
  });

  test("no import runs from a lower layer to a higher one", () => {
    const upward = imports
      .filter(({ from, to }) => area(from) !== area(to) && layerOf(from) < layerOf(to))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(upward).toEqual([]);
  });

  test("transport/ and templates/ sit below the providers: they import neither providers/ nor the dynamic-secret feature", () => {
    const below = ["dynamic-secrets/transport/", "dynamic-secrets/templates/"];
    const upward = imports
      .filter(({ from }) => below.some((dir) => from.startsWith(dir)))
      .filter(({ to }) => area(to) !== "lib" && !below.some((dir) => to.startsWith(dir)))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(upward).toEqual([]);
  });

  test("a feature reaches another feature through its service, never its repository", () => {
    const crossings = imports
      .filter(({ from, to }) => layerOf(from) === FEATURE_LAYER && area(from) !== area(to) && to.endsWith(".repository.ts"))
      .map(({ from, to }) => `${from} -> ${to}`);
    const allowed = (c: string) => KNOWN_REPOSITORY_CROSSINGS.has(c) || SINGLE_STATEMENT_FRAGMENT_IMPORTS.has(c);
    expect(crossings.filter((c) => !allowed(c))).toEqual([]);
    // An entry that was fixed leaves its list, so the lists only shrink.
    expect([...KNOWN_REPOSITORY_CROSSINGS, ...SINGLE_STATEMENT_FRAGMENT_IMPORTS].filter((c) => !crossings.includes(c))).toEqual([]);
  });
});
