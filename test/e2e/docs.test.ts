import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launch, watchedPage } from "./browser.ts";
import { startGateway, type Gateway } from "./gateway.ts";

// /docs renders the reference from /openapi.json with everything served by the Worker: no script, style, font or
// telemetry request leaves localhost (this machine has no internet, and neither do users behind firewalls).

let gw: Gateway;
let browser: Browser;

before(async () => {
  mkdirSync("test-results", { recursive: true });
  gw = await startGateway();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await gw?.stop();
});

describe("API reference", () => {
  it("is a static page with its Content-Security-Policy", async () => {
    const res = await fetch(`${gw.origin}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(res.headers.get("content-security-policy") ?? "", /^default-src 'self'; script-src 'self';/);
    // The Worker adds x-request-id to every answer it makes; this one it never saw.
    assert.equal(res.headers.get("x-request-id"), null);
    assert.match(await res.text(), /^<!doctype html>/);
  });

  it("renders the operations offline", async () => {
    const w = await watchedPage(browser, gw.origin);
    await w.page.goto(`${gw.origin}/docs`);
    await w.page.getByText("Create an image job").first().waitFor({ timeout: 60_000 });
    await w.page.getByText("Get a job").first().waitFor();
    await w.page.getByText("Create an image job").first().click();
    await w.page.getByText("/v2/images/generate").first().waitFor();
    await w.page.waitForLoadState("networkidle");
    await w.page.screenshot({ path: "test-results/docs.png" });
    assert.ok(w.requests.some((r) => r.endsWith("/openapi.json")), "the reference read /openapi.json");
    assert.deepEqual(w.foreign, [], "requests that left the gateway");
    assert.deepEqual(w.pageErrors, [], "page errors");
    assert.deepEqual(w.consoleErrors, [], "console errors");
  });
});
