import { mkdirSync } from "node:fs";
import { after, before } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { startGateway, type Gateway } from "./gateway.ts";

// Debian's Chromium (never a downloaded browser), and a page that records what a person would not want to see:
// page errors, console errors, and any request that leaves the gateway's origin.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

export const launch = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });

export interface Watched {
  page: Page;
  pageErrors: string[];
  consoleErrors: string[];
  /** Requests to anywhere but the gateway (data: and blob: URLs stay in the page and are allowed). */
  foreign: string[];
  requests: string[];
}

export async function watchedPage(browser: Browser, origin: string, viewport = { width: 1280, height: 900 }): Promise<Watched> {
  const context = await browser.newContext({ viewport, serviceWorkers: "block" });
  const page = await context.newPage();
  const w: Watched = { page, pageErrors: [], consoleErrors: [], foreign: [], requests: [] };
  page.on("pageerror", (e) => w.pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") w.consoleErrors.push(m.text());
  });
  context.on("request", (r) => {
    const url = r.url();
    w.requests.push(`${r.method()} ${url}`);
    if (!/^(data|blob|about):/.test(url) && new URL(url).origin !== origin) w.foreign.push(url);
  });
  return w;
}

/** Where screenshots go (CI keeps them as artifacts). */
export const RESULTS = "test-results";

export interface BrowserSession {
  gw: Gateway;
  browser: Browser;
}

/** A `wrangler dev` gateway and a Chromium for a test file: started before its tests, stopped after them. */
export function browserSession(): BrowserSession {
  const session = {} as BrowserSession;
  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    session.gw = await startGateway();
    session.browser = await launch();
  });
  after(async () => {
    await session.browser?.close();
    await session.gw?.stop();
  });
  return session;
}

/** Polls an expression from here: the page's CSP forbids the in-page eval that Playwright's own polling uses. */
export async function until(page: Page, expression: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
