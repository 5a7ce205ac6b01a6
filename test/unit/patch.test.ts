import { describe, expect, test } from "vitest";
import { UpdateDynamicSecretBodySchema } from "../../src/dynamic-secrets/dynamic-secret.schemas.js";
import { createKeyedQueue } from "../../src/dynamic-secrets/keyed-queue.js";
import { parseIfMatch } from "../../src/dynamic-secrets/dynamic-secret.routes.js";
import { createBuiltinProviderRegistry } from "../../src/dynamic-secrets/providers/index.js";
import { ValidationError } from "../../src/lib/errors.js";
import {
  assertNoGateways,
  planInputs,
  canonicalJson,
  changedInputPaths,
  diffUpdatedFields,
  mergeInputs,
  type DiffSide,
} from "../../src/dynamic-secrets/patch.js";
import { removeTrailingSlash } from "../../src/lib/secret-path.js";
import { checkUsernameTemplate } from "../../src/dynamic-secrets/templates/username.js";

describe("mergeInputs (shallow, as Infisical)", () => {
  test.each([
    [{ a: 1, b: 2 }, undefined, { a: 1, b: 2 }],
    [{ a: 1, b: 2 }, {}, { a: 1, b: 2 }],
    [{ a: 1, b: 2 }, { b: 3 }, { a: 1, b: 3 }],
    [{ a: 1 }, { c: null }, { a: 1, c: null }],
    [{ nested: { x: 1, y: 2 } }, { nested: { x: 5 } }, { nested: { x: 5 } }],
  ])("%j + %j → %j", (stored, patch, merged) => {
    expect(mergeInputs(stored, patch)).toEqual(merged);
  });

  test("never mutates the stored object", () => {
    const stored = { a: 1 };
    mergeInputs(stored, { a: 2 });
    expect(stored).toEqual({ a: 1 });
  });
});

describe("changedInputPaths", () => {
  test.each([
    [{ a: 1 }, { a: 1 }, []],
    [{ a: 1 }, { a: 2 }, ["a"]],
    [{ a: 1 }, { a: null }, ["a"]],
    [{ a: 1 }, {}, ["a"]],
    [{}, { a: 1 }, ["a"]],
    [{ v: { name: "/", p: { r: ".*" } } }, { v: { name: "x", p: { r: ".*" } } }, ["v.name"]],
    [{ v: { p: { r: ".*" } } }, { v: { p: { r: "a" } } }, ["v.p.r"]],
    [{ v: { a: 1 } }, { v: "s" }, ["v"]],
    [{ tags: ["a"] }, { tags: ["a", "b"] }, ["tags"]],
    [{ b: 1, a: { y: 1, x: 2 } }, { a: { x: 2, y: 1 }, b: 1 }, []],
  ])("%j → %j gives %j", (before, after, paths) => {
    expect(changedInputPaths(before, after)).toEqual(paths);
  });
});

describe("diffUpdatedFields (D6)", () => {
  const base: DiffSide = {
    name: "ds",
    defaultTTL: "1h",
    maxTTL: "24h",
    usernameTemplate: null,
    metadata: [{ key: "team", value: "a" }],
    inputs: { password: "old", port: 5432 },
  };

  test.each<[string, Partial<DiffSide>, string[]]>([
    ["nothing", {}, []],
    ["default TTL", { defaultTTL: "2h" }, ["defaultTTL"]],
    ["max TTL cleared", { maxTTL: null }, ["maxTTL"]],
    ["rename", { name: "b-ds" }, ["name"]],
    ["username template", { usernameTemplate: "{{randomUsername}}" }, ["usernameTemplate"]],
    ["metadata", { metadata: [] }, ["metadata"]],
    ["metadata order", { metadata: [{ key: "team", value: "a" }, { key: "x", value: "" }] }, ["metadata"]],
    ["an input", { inputs: { password: "new", port: 5432 } }, ["password"]],
    [
      "everything, sorted by code unit",
      { defaultTTL: "2h", name: "b-ds", inputs: { password: "new", port: 1, Zeta: 1 } },
      ["Zeta", "defaultTTL", "name", "password", "port"],
    ],
  ])("%s", (_label, change, expected) => {
    expect(diffUpdatedFields(base, { ...base, ...change })).toEqual(expected);
  });

  test("never contains a value", () => {
    const fields = diffUpdatedFields(base, { ...base, inputs: { password: "hunter2", port: 5432 } });
    expect(JSON.stringify(fields)).not.toContain("hunter2");
  });
});

test("canonicalJson sorts keys at every level", () => {
  expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
});

test.each([
  ["/", "/"],
  ["/a/", "/a"],
  ["/a//", "/a/"],
  ["", ""],
  ["/a", "/a"],
])("removeTrailingSlash(%j) = %j", (input, output) => {
  expect(removeTrailingSlash(input)).toBe(output);
});

describe("usernameTemplate check", () => {
  test.each([
    ["{{randomUsername}}", "ok"],
    ["  {{ randomUsername }}-{{unixTimestamp}}  ", "ok"],
    ["{{{randomUsername}}}", "ok"],
    ["{{&randomUsername}}", "ok"],
    ["{{truncate identity.name 10}}", "ok"],
    ['{{replace identity.name "-" "_"}}', "ok"],
    ["{{random 8}}", "ok"],
    ["{{dynamicSecret.name}}-{{dynamicSecret.type}}", "ok"],
    ["plain-text", "ok"],
    ["{{~randomUsername~}}", "ok"],
    ["{{identity.email}}", "disallowed"],
    ["{{this.randomUsername}}", "disallowed"],
    ["{{randomUsername.x}}", "disallowed"],
    ["{{#if x}}a{{/if}}", "disallowed"],
    ["{{! comment }}", "disallowed"],
    ["{{> partial}}", "disallowed"],
    ["{{(random 1)}}", "disallowed"],
    ['{{"literal"}}', "disallowed"],
    ["{{", "unparsable"],
    ["{{randomUsername", "unparsable"],
    ["{{}}", "unparsable"],
    ["{{   }}", "unparsable"],
    ["{{{randomUsername}}", "unparsable"],
    ['{{replace identity.name "-}}', "unparsable"],
    ["{{truncate (random 1}}", "unparsable"],
  ])("%j → %s", (template, verdict) => {
    expect(checkUsernameTemplate(template)).toBe(verdict);
  });
});

test("usernameTemplate: `{{randomUsername}}}` does not parse in Handlebars, which renders it, so it is refused", () => {
  expect(checkUsernameTemplate("{{randomUsername}}}")).toBe("unparsable");
});

describe("PATCH body schema", () => {
  const body = (data: unknown, extra: Record<string, unknown> = {}) => ({ projectSlug: "p", environmentSlug: "dev", data, ...extra });
  const issues = (value: unknown) => {
    const result = UpdateDynamicSecretBodySchema.safeParse(value);
    return result.success ? [] : result.error.issues.map((i) => ({ code: i.code, path: i.path, message: i.message }));
  };

  test("an empty body names the three required fields", () => {
    expect(issues({}).map((i) => [i.code, i.path])).toEqual([
      ["invalid_type", ["projectSlug"]],
      ["invalid_type", ["environmentSlug"]],
      ["invalid_type", ["data"]],
    ]);
  });

  test.each<[string, unknown, string, (string | number)[], string?]>([
    ["TTL too short", { defaultTTL: "30s" }, "custom", ["data", "defaultTTL"], "TTL must be a greater than 1min"],
    ["TTL too long", { maxTTL: "11y" }, "custom", ["data", "maxTTL"], "TTL must be less than 10 years"],
    ["TTL unparsable (D9)", { defaultTTL: "abc" }, "custom", ["data", "defaultTTL"], "TTL must be a valid duration"],
    ["TTL empty (D9)", { maxTTL: "" }, "custom", ["data", "maxTTL"], "TTL must be a valid duration"],
    ["defaultTTL null", { defaultTTL: null }, "invalid_type", ["data", "defaultTTL"]],
    ["newName null", { newName: null }, "invalid_type", ["data", "newName"]],
    ["newName upper case (D8)", { newName: "Renamed" }, "custom", ["data", "newName"]],
    ["newName empty (D8)", { newName: "" }, "too_small", ["data", "newName"]],
    ["template outside the whitelist", { usernameTemplate: "a@b" }, "custom", ["data", "usernameTemplate"]],
    ["template with a forbidden expression", { usernameTemplate: "{{identity.email}}" }, "custom", ["data", "usernameTemplate"]],
    ["template unparsable (D11)", { usernameTemplate: "{{" }, "custom", ["data", "usernameTemplate"]],
    ["template empty", { usernameTemplate: "   " }, "custom", ["data", "usernameTemplate"]],
    ["template too long", { usernameTemplate: "a".repeat(256) }, "too_big", ["data", "usernameTemplate"]],
    ["metadata blank key", { metadata: [{ key: "  " }] }, "too_small", ["data", "metadata", 0, "key"]],
    ["metadata null value", { metadata: [{ key: "k", value: null }] }, "invalid_type", ["data", "metadata", 0, "value"]],
    ["metadata long key", { metadata: [{ key: "k".repeat(256) }] }, "too_big", ["data", "metadata", 0, "key"]],
    ["metadata null", { metadata: null }, "invalid_type", ["data", "metadata"]],
    ["inputs a string (D12)", { inputs: "abc" }, "invalid_type", ["data", "inputs"]],
    ["inputs an array (D12)", { inputs: [1] }, "invalid_type", ["data", "inputs"]],
  ])("%s", (_label, data, code, path, message) => {
    const found = issues(body(data));
    expect(found[0]).toMatchObject({ code, path, ...(message ? { message } : {}) });
  });

  test("a block helper is reported twice: characters and template", () => {
    expect(issues(body({ usernameTemplate: "{{#if x}}a{{/if}}" }))).toEqual([
      { code: "custom", path: ["data", "usernameTemplate"], message: "Invalid input" },
      { code: "custom", path: ["data", "usernameTemplate"], message: "Invalid input" },
    ]);
  });

  test("path: trimmed, defaulted, one trailing slash removed; unknown keys dropped", () => {
    const parse = (extra: Record<string, unknown>) => UpdateDynamicSecretBodySchema.parse(body({ foo: 1 }, extra));
    expect(parse({}).path).toBe("/");
    expect(parse({ path: " /a/ " }).path).toBe("/a");
    expect(parse({ path: "/a//" }).path).toBe("/a/");
    expect(parse({ path: "" }).path).toBe("");
    expect(parse({ bar: 2 })).toEqual({ projectSlug: "p", environmentSlug: "dev", path: "/", data: {} });
    expect(issues(body({}, { path: null }))[0]).toMatchObject({ code: "invalid_type", path: ["path"] });
  });

  test("metadata items are trimmed and value defaults to an empty string", () => {
    const parsed = UpdateDynamicSecretBodySchema.parse(body({ metadata: [{ key: " k ", value: " v " }, { key: "k" }] }));
    expect(parsed.data.metadata).toEqual([
      { key: "k", value: "v" },
      { key: "k", value: "" },
    ]);
  });
});

describe("planInputs", () => {
  const registry = createBuiltinProviderRegistry();
  const stored = { configType: "manual", secret: "JBSWY3DPEHPK3PXP" };

  test("no inputs in the patch: nothing parsed, nothing changed (D13)", () => {
    const legacy = { configType: "legacy-shape" };
    expect(planInputs(registry, "totp", legacy, undefined)).toEqual({ inputs: legacy, changed: false });
  });

  test("the same values: validated, unchanged (no connection test, D17)", () => {
    expect(planInputs(registry, "totp", stored, { secret: "JBSW Y3DP EHPK 3PXP" })).toEqual({ inputs: stored, changed: false });
  });

  test("a new value: merged, parsed (unknown keys stripped), changed", () => {
    expect(planInputs(registry, "totp", stored, { digits: 8, junk: 1 })).toEqual({ inputs: { ...stored, digits: 8 }, changed: true });
  });

  test("an invalid merge is a 422 with paths relative to the inputs", () => {
    expect(() => planInputs(registry, "totp", stored, { secret: "  " })).toThrow(ValidationError);
    try {
      planInputs(registry, "totp", stored, { secret: "  " });
    } catch (err) {
      expect((err as ValidationError).issues).toEqual([expect.objectContaining({ path: ["secret"] })]);
    }
  });
});

describe("assertNoGateways (D20)", () => {
  test.each([
    [{}, undefined],
    [{ gatewayId: null, gatewayPoolId: null }, undefined],
    [{ gatewayId: "g", gatewayPoolId: "p" }, "Cannot specify both a gateway and a gateway pool"],
    [{ gatewayId: "g" }, "Gateway with ID g not found"],
    [{ gatewayPoolId: "p" }, "Gateway pool with ID p not found"],
  ])("%j → %s", (inputs, message) => {
    if (message) expect(() => assertNoGateways(inputs)).toThrow(message);
    else expect(() => assertNoGateways(inputs)).not.toThrow();
  });
});

describe("keyed queue", () => {
  test("same key runs one at a time in order, other keys in parallel, failures do not block", async () => {
    const queue = createKeyedQueue();
    const events: string[] = [];
    const task = (name: string, ms: number, fail = false) => async () => {
      events.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([
      queue.run("a", task("a1", 10, true)),
      queue.run("a", task("a2", 1)),
      queue.run("b", task("b1", 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(events.indexOf("end a1")).toBeLessThan(events.indexOf("start a2"));
    expect(events.indexOf("start b1")).toBeLessThan(events.indexOf("end a1"));
    await new Promise((r) => setTimeout(r, 0));
    expect(queue.size).toBe(0);
  });
});

test.each([
  [undefined, undefined],
  ['"3"', [3]],
  ["W/\"3\"", [3]],
  ["3", [3]],
  ['"1", "2"', [1, 2]],
  [" * ", "*"],
  ["garbage", []],
  [["\"4\"", "\"5\""], [4, 5]],
])("parseIfMatch(%j) = %j", (header, parsed) => {
  expect(parseIfMatch(header as string | string[] | undefined)).toEqual(parsed);
});
