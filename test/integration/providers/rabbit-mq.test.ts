import { beforeAll, describe, expect, test } from "vitest";
import { closedPort } from "../../support/fake-http.js";
import { connect, failureMessage } from "./context.js";

// Real target: the RabbitMQ management API on 127.0.0.1:15672 (guest/guest); the management
// plugin must be enabled (`rabbitmq-plugins enable rabbitmq_management`).

const Q = {
  host: "http://localhost",
  port: 15672,
  tags: [],
  username: "guest",
  password: "guest",
  virtualHost: { name: "/", permissions: { read: ".*", write: ".*", configure: ".*" } },
};

let unused: number;
beforeAll(async () => {
  unused = await closedPort();
});

describe("rabbit-mq (management API)", () => {
  test("GET /api/whoami with basic auth succeeds", async () => {
    await expect(connect("rabbit-mq", Q)).resolves.toBeUndefined();
  });

  test("case 31: a wrong password → 401", async () => {
    expect(await failureMessage("rabbit-mq", { ...Q, password: "nope" })).toBe(
      "Failed to connect with provider: Request failed with status code 401",
    );
  });

  test("case 35: a host without scheme → unsupported protocol", async () => {
    expect(await failureMessage("rabbit-mq", { ...Q, host: "localhost" })).toBe(
      "Failed to connect with provider: Unsupported protocol [REDACTED]:",
    );
  });

  test("a bare IP host is not a URL", async () => {
    expect(await failureMessage("rabbit-mq", { ...Q, host: "127.0.0.1" })).toBe("Failed to connect with provider: Invalid URL");
  });

  test("nothing listening → ECONNREFUSED", async () => {
    expect(await failureMessage("rabbit-mq", { ...Q, host: "http://127.0.0.1", port: unused })).toBe(
      `Failed to connect with provider: connect ECONNREFUSED 127.0.0.1:${unused}`,
    );
  });
});
