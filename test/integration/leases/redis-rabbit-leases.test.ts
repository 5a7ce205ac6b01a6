import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildDsTestApp, type DsTestApp } from "../../support/app.js";
import { createDynamicSecret, createFixture, type Fixture } from "../../support/factories.js";
import { createLease, expireNow, leaseRow, listLeases, renewLease, revokeLease } from "../../support/leases.js";
import { rabbit, redisAdmin, redisLogin, suffix } from "./targets.js";

// leases.md §8 L39–L43 on the real Redis (ACL users) and RabbitMQ (management API): the returned
// credentials log in, and fail after revoke and after expiry (D33).

const REDIS_INPUTS = {
  host: "127.0.0.1",
  port: 6379,
  username: "default",
  creationStatement: "ACL SETUSER {{username}} on >{{password}} ~* +@all",
  revocationStatement: "ACL DELUSER {{username}}",
};
const RABBIT_INPUTS = {
  host: "http://127.0.0.1",
  port: 15672,
  tags: ["monitoring"],
  username: "guest",
  password: "guest",
  virtualHost: { name: "/", permissions: { read: ".*", write: ".*", configure: ".*" } },
};

let t: DsTestApp;
let f: Fixture;
const users: string[] = [];

beforeAll(async () => {
  t = await buildDsTestApp();
  f = await createFixture(t, `ds-${suffix()}`);
  await createDynamicSecret(t, f, "redis-ds", { provider: { type: "redis", inputs: REDIS_INPUTS } });
  await createDynamicSecret(t, f, "rmq-ds", { provider: { type: "rabbit-mq", inputs: RABBIT_INPUTS } });
});
afterAll(async () => {
  await t?.close();
  await redisAdmin(async (c) => {
    for (const u of users) await c.call("ACL", "DELUSER", u);
  });
  for (const u of users) await rabbit(`/api/users/${u}`, "DELETE");
});

async function lease(name: string) {
  const res = await createLease(t, f, name);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  users.push(res.body.data.DB_USERNAME);
  return res.body;
}

describe("redis", () => {
  test("L39–L41: an ACL user that authenticates; renew moves only expireAt; revoke deletes it", async () => {
    const { lease: l, data } = await lease("redis-ds");
    expect(data.DB_PASSWORD).toMatch(/^[A-Za-z0-9\-_.~!*]{64}$/);
    expect(await redisAdmin((c) => c.call("ACL", "GETUSER", data.DB_USERNAME))).not.toBeNull();
    expect(await redisLogin(data.DB_USERNAME, data.DB_PASSWORD)).toBe(true);
    expect(await redisLogin(data.DB_USERNAME, `${data.DB_PASSWORD}x`)).toBe(false);

    const renewed = await renewLease(t, f, l.id);
    expect(renewed.status).toBe(200);
    expect(new Date(renewed.body.lease.expireAt).getTime() - new Date(l.expireAt).getTime()).toBe(3_600_000);

    expect((await revokeLease(t, f, l.id)).status).toBe(200);
    expect(await redisAdmin((c) => c.call("ACL", "GETUSER", data.DB_USERNAME))).toBeNull();
    expect(await redisLogin(data.DB_USERNAME, data.DB_PASSWORD)).toBe(false);
  });

  test("expiry: the login fails once the worker has revoked the lease", async () => {
    const { lease: l, data } = await lease("redis-ds");
    await expireNow(t, l.id);
    await t.container.leaseExpiryService.sweep();
    expect(await leaseRow(t, l.id)).toBeUndefined();
    expect(await redisLogin(data.DB_USERNAME, data.DB_PASSWORD)).toBe(false);
  });
});

describe("rabbit-mq", () => {
  test("L42: a user with its tags and vhost permissions that logs in; revoke deletes it", async () => {
    const { lease: l, data } = await lease("rmq-ds");
    const user = await rabbit(`/api/users/${data.DB_USERNAME}`);
    expect(user.body.tags).toEqual(expect.arrayContaining(["monitoring", "infisical-user"]));
    const perms = await rabbit(`/api/permissions/%2F/${data.DB_USERNAME}`);
    expect(perms.body).toMatchObject({ configure: ".*", write: ".*", read: ".*" });
    expect((await rabbit("/api/whoami", "GET", data.DB_USERNAME, data.DB_PASSWORD)).status).toBe(200);
    expect((await rabbit("/api/whoami", "GET", data.DB_USERNAME, `${data.DB_PASSWORD}x`)).status).toBe(401);

    expect((await revokeLease(t, f, l.id)).status).toBe(200);
    expect((await rabbit("/api/whoami", "GET", data.DB_USERNAME, data.DB_PASSWORD)).status).toBe(401);
  });

  test("L43 (D27): the user deleted by hand → revoke answers 400 with the 404, the lease is `Failed to delete`", async () => {
    const { lease: l, data } = await lease("rmq-ds");
    await rabbit(`/api/users/${data.DB_USERNAME}`, "DELETE");
    const res = await revokeLease(t, f, l.id);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Failed to revoke lease from provider: Request failed with status code 404");
    expect((await listLeases(t, f, "rmq-ds")).body.leases.find((x: any) => x.id === l.id)).toMatchObject({
      status: "Failed to delete",
      statusDetails: "Failed to revoke lease from provider: Request failed with status code 404",
    });
    expect((await revokeLease(t, f, l.id, { isForced: true })).status).toBe(200);
  });

  test("expiry: the login fails once the worker has revoked the lease", async () => {
    const { lease: l, data } = await lease("rmq-ds");
    await expireNow(t, l.id);
    await t.container.leaseExpiryService.sweep();
    expect((await rabbit("/api/whoami", "GET", data.DB_USERNAME, data.DB_PASSWORD)).status).toBe(401);
  });
});
