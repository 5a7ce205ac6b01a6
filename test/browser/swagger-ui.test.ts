import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BrowserContext } from "playwright-core";
import { buildTestApp, listenOnLoopback, type TestApp } from "../support/app.js";
import { bootstrapInstance, createProject } from "../support/factories.js";

// Swagger UI as a user drives it, in Debian's headless Chromium: Authorize with a real token, then
// "Try it out" on PATCH /api/v1/dynamic-secrets/{name} and Execute → 200, the token sent as a
// bearer header (issue 12: the operations declared no security, so the UI sent none and got 401).
// Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it when it can); without
// it the test is skipped and says why.

/** Debian's package; CHROMIUM_PATH points elsewhere (e.g. to check the skip). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`swagger-ui browser test skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

const SECRET = "totp-app";
const TOTP_SECRET = "JBSWY3DPEHPK3PXP";

let t: TestApp;
let token: string;
let baseUrl: string;
let browser: BrowserContext | undefined;
let profileDir: string | undefined;

describe.skipIf(!HAS_CHROMIUM)(`Swagger UI in headless Chromium${HAS_CHROMIUM ? "" : ` (skipped: ${CHROMIUM} is absent)`}`, () => {
  beforeAll(async () => {
    t = await buildTestApp();
    ({ token } = await bootstrapInstance(t.app));
    await createProject(t.app, token, { slug: "my-project" });
    const created = await t.app.inject({
      method: "POST",
      url: "/api/v1/dynamic-secrets",
      headers: { authorization: `Bearer ${token}` },
      payload: {
        projectSlug: "my-project",
        environmentSlug: "dev",
        path: "/",
        name: SECRET,
        provider: { type: "totp", inputs: { configType: "manual", secret: TOTP_SECRET } },
        defaultTTL: "1h",
      },
    });
    expect(created.statusCode).toBe(200);
    baseUrl = await listenOnLoopback(t.app);

    const { chromium } = await import("playwright-core");
    profileDir = mkdtempSync(path.join(tmpdir(), "swagger-ui-chromium-"));
    // A fresh profile (playwright passes it as --user-data-dir) and --headless (added by playwright);
    // the other flags keep Chromium from a GPU and from reaching the network on its own.
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      headless: true,
      timeout: 20_000,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test("Authorize, then Try it out on PATCH and Execute: 200, sent with the bearer token", { timeout: 60_000 }, async () => {
    const page = await browser!.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${baseUrl}/api/docs`);

    // Authorize: the bearer scheme's dialog.
    await page.locator("button.authorize").first().click();
    const dialog = page.locator(".dialog-ux");
    await dialog.locator("input").first().fill(token);
    await dialog.locator("button.modal-btn.auth.authorize").click();
    await dialog.locator("button.btn-done").click();

    // The PATCH operation: open it, Try it out, fill the name and a body.
    const op = page.locator(".opblock-patch", { has: page.locator('[data-path="/api/v1/dynamic-secrets/{name}"]') });
    await op.locator(".opblock-summary").click();
    // The request example is shown and pre-filled.
    await op.locator("button.try-out__btn").click();
    const bodyEditor = op.locator("textarea.body-param__text");
    expect(JSON.parse(await bodyEditor.inputValue())).toMatchObject({ projectSlug: "my-project", environmentSlug: "dev" });
    await op.locator('tr[data-param-name="name"] input').fill(SECRET);
    await bodyEditor.fill(JSON.stringify({ projectSlug: "my-project", environmentSlug: "dev", path: "/", data: { defaultTTL: "2h" } }));

    const [request, response] = await Promise.all([
      page.waitForRequest((r) => r.method() === "PATCH"),
      page.waitForResponse((r) => r.request().method() === "PATCH"),
      op.locator("button.execute").click(),
    ]);
    expect(request.headers().authorization).toBe(`Bearer ${token}`);
    expect(response.status()).toBe(200);
    expect((await response.json()).dynamicSecret).toMatchObject({ name: SECRET, version: 2, defaultTTL: "2h" });
    // And the UI shows it.
    await expect
      .poll(async () => (await op.locator(".live-responses-table tbody .response-col_status").first().textContent())?.trim())
      .toBe("200");
    await page.close();
  });
});
