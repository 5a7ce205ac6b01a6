import { expect } from "vitest";
import { assertMatchesContract } from "../openapi/contract.js";
import type { DsTestApp } from "../../support/app.js";
import { auth, type Fixture, patchBody, type PatchOptions } from "../../support/factories.js";

/**
 * PATCH through app.inject. Every response is checked against the seed contract's schema for its
 * status code, and never a 5xx unless the test says so.
 */
export async function patchDs(t: DsTestApp, f: Fixture, name: string, data: unknown, o: PatchOptions & { allow5xx?: boolean } = {}) {
  const res = await t.app.inject({
    method: "PATCH",
    url: `/api/v1/dynamic-secrets/${name}`,
    headers: { ...auth(o.as ?? f.admin), ...o.headers },
    payload: patchBody(f, data, o),
  });
  const body = res.json();
  assertMatchesContract(res.statusCode, body);
  if (!o.allow5xx) expect(res.statusCode, res.body).toBeLessThan(500);
  return { status: res.statusCode, body, headers: res.headers };
}

/** Raw PATCH (any payload/headers), still contract-checked. */
export async function rawPatch(t: DsTestApp, url: string, init: { headers?: Record<string, string>; payload?: string | object }) {
  const res = await t.app.inject({ method: "PATCH", url, headers: init.headers, payload: init.payload });
  const body = res.json();
  assertMatchesContract(res.statusCode, body);
  return { status: res.statusCode, body, headers: res.headers };
}

export { envelope } from "../../support/envelope.js";
