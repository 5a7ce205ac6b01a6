import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { TestApp } from "../../support/app.js";
import { type BootstrappedInstance, buildBootstrappedApp, createIdentityWithToken, createProject, injectAs } from "../../support/factories.js";
import { PROJECT_ROUTE_ALIASES } from "../../../src/http/project-route-aliases.js";

// Infisical's `/api/v1/projects/...` paths next to `/workspace/...`: the same routes (auth,
// validation, handler), checked here by driving a project's whole life through the new paths only.

let t: TestApp;
let admin: BootstrappedInstance;

beforeAll(async () => {
  ({ t, admin } = await buildBootstrappedApp());
});
afterAll(async () => t.close());

const call = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object, token = admin.token) => injectAs(t.app, token, method, url, payload);

describe("/api/v1/projects", () => {
  test("project: list, get, update, delete — same bodies as /workspace", async () => {
    const { id } = await createProject(t.app, admin.token, { slug: "alias-proj" });
    const list = await call("GET", "/api/v1/projects");
    expect(list.statusCode).toBe(200);
    expect(list.json().projects.map((p: { id: string }) => p.id)).toContain(id);
    const viaProjects = await call("GET", `/api/v1/projects/${id}`);
    expect(viaProjects.statusCode).toBe(200);
    expect(viaProjects.json()).toEqual((await call("GET", `/api/v1/workspace/${id}`)).json());

    const patched = await call("PATCH", `/api/v1/projects/${id}`, { name: "Renamed" });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().project.name).toBe("Renamed");
    expect((await call("PATCH", `/api/v1/projects/${id}`, { name: "" })).statusCode).toBe(422);

    expect((await t.app.inject({ method: "GET", url: `/api/v1/projects/${id}` })).statusCode).toBe(401);
    const deleted = await call("DELETE", `/api/v1/projects/${id}`);
    expect(deleted.statusCode).toBe(200);
    expect((await call("GET", `/api/v1/projects/${id}`)).statusCode).toBe(404);
  });

  test("environments: create, get, update, delete", async () => {
    const { id } = await createProject(t.app, admin.token, { slug: "alias-envs" });
    const created = await call("POST", `/api/v1/projects/${id}/environments`, { name: "QA", slug: "qa" });
    expect(created.statusCode, created.body).toBe(200);
    const envId = created.json().environment.id;
    expect((await call("GET", `/api/v1/projects/${id}/environments/${envId}`)).json().environment).toMatchObject({ id: envId, slug: "qa" });
    const patched = await call("PATCH", `/api/v1/projects/${id}/environments/${envId}`, { name: "Quality" });
    expect(patched.json().environment).toMatchObject({ id: envId, name: "Quality" });
    expect((await call("DELETE", `/api/v1/projects/${id}/environments/${envId}`)).statusCode).toBe(200);
    expect((await call("GET", `/api/v1/projects/${id}/environments/${envId}`)).statusCode).toBe(404);
  });

  test("roles and identity memberships", async () => {
    const { id } = await createProject(t.app, admin.token, { slug: "alias-roles" });
    const role = await call("POST", `/api/v1/projects/${id}/roles`, {
      slug: "readers",
      name: "Readers",
      permissions: [{ subject: "secret-folders", action: ["read"] }],
    });
    expect(role.statusCode, role.body).toBe(200);
    const roleId = role.json().role.id;
    expect((await call("GET", `/api/v1/projects/${id}/roles`)).json().roles.map((r: { slug: string }) => r.slug)).toContain("readers");
    expect((await call("GET", `/api/v1/projects/${id}/roles/slug/readers`)).json().role).toMatchObject({ id: roleId, slug: "readers" });
    expect((await call("PATCH", `/api/v1/projects/${id}/roles/${roleId}`, { name: "Folder readers" })).json().role.name).toBe("Folder readers");

    const member = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId });
    const added = await call("POST", `/api/v1/projects/${id}/identity-memberships/${member.identityId}`, { roles: [{ role: "readers", isTemporary: false }] });
    expect(added.statusCode, added.body).toBe(200);
    const listed = await call("GET", `/api/v1/projects/${id}/identity-memberships`);
    expect(listed.json().identityMemberships.map((m: { identityId: string }) => m.identityId)).toContain(member.identityId);
    expect((await call("GET", `/api/v1/projects/${id}/identity-memberships/${member.identityId}`)).statusCode).toBe(200);
    const changed = await call("PATCH", `/api/v1/projects/${id}/identity-memberships/${member.identityId}`, { roles: [{ role: "viewer", isTemporary: false }] });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await call("DELETE", `/api/v1/projects/${id}/identity-memberships/${member.identityId}`)).statusCode).toBe(200);
    expect((await call("DELETE", `/api/v1/projects/${id}/roles/${roleId}`)).statusCode).toBe(200);
    expect((await call("GET", `/api/v1/projects/${id}/roles/slug/readers`)).statusCode).toBe(404);
  });

  test("every alias is served for each method of its original, and listed in the OpenAPI document", async () => {
    const routes = t.app.printRoutes({ commonPrefix: false });
    const doc = (await t.app.inject({ method: "GET", url: "/api/docs/json" })).json();
    const openapi = (path: string) => path.replace(/:(\w+)/g, "{$1}");
    for (const [from, to] of PROJECT_ROUTE_ALIASES) {
      expect(Object.keys(doc.paths[openapi(to)] ?? {}).sort(), to).toEqual(Object.keys(doc.paths[openapi(from)] ?? {}).sort());
      expect(Object.keys(doc.paths[openapi(to)] ?? {}).length, to).toBeGreaterThan(0);
    }
    expect(routes).toContain("/api/v1/projects");
  });
});
