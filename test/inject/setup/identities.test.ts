import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as identities from "../../../src/identities/identity.repository.js";
import type { TestApp } from "../../support/app.js";
import { bearer, type BootstrappedInstance, buildBootstrappedApp, createIdentityWithToken } from "../../support/factories.js";

// POST /api/v1/identities (§C.4).

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t.close());

const post = (payload: object, token = admin.token) =>
  t.app.inject({ method: "POST", url: "/api/v1/identities", headers: bearer(token), payload });

describe("POST /api/v1/identities", () => {
  test("creates an org no-access identity with metadata", async () => {
    const response = await post({
      name: " ci-bot ",
      organizationId: admin.orgId,
      metadata: [
        { key: "team", value: "a" },
        { key: "tier", value: "1" },
      ],
    });
    expect(response.statusCode).toBe(200);
    const { identity } = response.json();
    expect(identity).toEqual({
      id: expect.any(String),
      name: "ci-bot",
      orgId: admin.orgId,
      hasDeleteProtection: false,
      authMethods: [],
      metadata: [
        { id: expect.any(String), key: "team", value: "a" },
        { id: expect.any(String), key: "tier", value: "1" },
      ],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const membership = await t.container.db.selectFrom("org_memberships").selectAll().where("identity_id", "=", identity.id).executeTakeFirstOrThrow();
    expect(membership).toMatchObject({ org_id: admin.orgId, role: "no-access", is_active: true });
  });

  test("another organization's id → 403; unknown role → 404; empty name → 422", async () => {
    expect((await post({ name: "x", organizationId: "00000000-0000-4000-8000-000000000000" })).json()).toEqual({
      reqId: expect.any(String),
      statusCode: 403,
      message: "You are not allowed to access this resource",
      error: "You are not allowed to access organization resource",
    });
    expect((await post({ name: "x", organizationId: admin.orgId, role: "owner" })).json()).toEqual({
      reqId: expect.any(String),
      statusCode: 404,
      message: "Organization role with slug 'owner' not found",
      error: "NotFound",
    });
    expect((await post({ name: " ", organizationId: admin.orgId })).statusCode).toBe(422);
  });

  test("an org no-access identity may not create identities", async () => {
    const weak = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    expect((await post({ name: "x", organizationId: admin.orgId }, weak.token)).json()).toEqual({
      reqId: expect.any(String),
      statusCode: 403,
      message: "You are not allowed to create on identity",
      details: [],
      error: "PermissionDenied",
    });
  });

  test("authMethods lists Universal Auth once attached", async () => {
    const made = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    const identity = await identities.findIdentityInOrg(t.container.db, made.identityId, admin.orgId);
    expect(identity?.authMethods).toEqual(["universal-auth"]);
  });
});
