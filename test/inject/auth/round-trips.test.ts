import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createAuthService } from "../../../src/auth/auth.service.js";
import { ProjectPermissionDynamicSecretActions, ProjectPermissionSub } from "../../../src/permissions/actions.js";
import { createPermissionService } from "../../../src/permissions/permission.service.js";
import { buildTestApp, type TestApp } from "../../support/app.js";
import { bootstrapInstance, createCustomRole, createIdentityWithToken, createProject } from "../../support/factories.js";

// The steady-state budget: authenticating a request and resolving its project permission cost
// two statements in total (one each), counted at the query builder.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

test("authenticate + getProjectPermission = 2 database statements", async () => {
  const admin = await bootstrapInstance(t.app);
  const project = await createProject(t.app, admin.token, { slug: "budget" });
  const role = await createCustomRole(t.app, admin.token, project.id, {
    slug: "dev-edit",
    permissions: [{ subject: "dynamic-secrets", action: ["edit-root-credential"], conditions: { environment: "dev" } }],
  });
  const m = await createIdentityWithToken(t.app, admin.token, { orgId: admin.orgId, projectId: project.id, roles: ["viewer", role.slug] });

  let statements = 0;
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      statements += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const db = t.container.db.withPlugin(counter);
  const auth = createAuthService({ db, config: t.config });
  const permissions = createPermissionService({ db });

  for (let i = 0; i < 3; i += 1) {
    statements = 0;
    const actor = await auth.authenticate({ authorization: `Bearer ${m.token}`, hasApiKey: false, clientIp: "203.0.113.7" });
    const permission = await permissions.getProjectPermission(actor, project.id);
    expect(permission.can(ProjectPermissionDynamicSecretActions.EditRootCredential, ProjectPermissionSub.DynamicSecrets, {
      environment: "dev",
      secretPath: "/",
      metadata: [],
    })).toBe(true);
    expect(statements).toBe(2);
  }
});
