import { chromium, type Browser, type Page } from "playwright-core";

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
