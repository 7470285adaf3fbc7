import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { decodeGif } from "../helpers/gif.ts";
import { listedModels, type LiveModel } from "../harness/catalogue.ts";
import { RESULTS, browserSession, until, watchedPage, type Watched } from "./browser.ts";
import { chooseFormatModel, chooseModel, takesSize } from "./models.ts";

// The playground in Debian's Chromium against a real `wrangler dev`: a person fills the form, generates on the
// sandbox and sees the images at the size they asked for. Screenshots go to test-results/ (CI artifacts).

const session = browserSession();

type JobShown = { id: string; status: string; creditCost: number; result: { files: { url: string; contentType: string }[] } };
type Img = { naturalWidth: number; naturalHeight: number };
const naturalSizes = (imgs: unknown[]) => imgs.map((i) => [(i as Img).naturalWidth, (i as Img).naturalHeight]);

const imagesShown = (count: number) =>
  `document.querySelectorAll("#images img").length === ${count} && [...document.querySelectorAll("#images img")].every((i) => i.complete && i.naturalWidth > 0)`;

async function open(viewport?: { width: number; height: number }): Promise<Watched> {
  const w = await watchedPage(session.browser, session.gw.origin, viewport);
  await w.page.goto(`${session.gw.origin}/`);
  await w.page.waitForSelector("#model option", { state: "attached" });
  await until(w.page, `document.getElementById("status").textContent === "Ready."`);
  return w;
}

/** The models GET /v2/models lists as not retired (active or deprecated): the ones the page offers. */
const offeredModels = async (): Promise<LiveModel[]> => (await listedModels(session.gw.origin)).filter((m) => m.status !== "retired");

const statusText = async (page: Page) => (await page.textContent("#status")) ?? "";

function assertClean(w: Watched, allowedConsole: RegExp[] = []): void {
  assert.deepEqual(w.pageErrors, [], "page errors");
  assert.deepEqual(w.consoleErrors.filter((m) => !allowedConsole.some((re) => re.test(m))), [], "console errors");
  assert.deepEqual(w.foreign, [], "requests that left the gateway");
}

describe("playground", () => {
  it("generates two images on the sandbox and shows them at the requested size", async () => {
    const w = await open();
    const { page } = w;
    assert.equal(await page.inputValue("#key"), session.gw.devKey, "the development key is filled in");

    // Every model that is not retired is offered, and for each only its valid choices.
    const listed = await offeredModels();
    const values = (selector: string) => page.$$eval(selector, (os) => os.map((o) => (o as unknown as { value: string }).value));
    const texts = (selector: string) => page.$$eval(selector, (os) => os.map((o) => o.textContent ?? ""));
    assert.deepEqual(await values("#model option"), listed.map((m) => m.id), "the models offered");
    for (const m of listed) {
      await page.selectOption("#model", m.id);
      assert.deepEqual(await values("#size option"), [...Object.keys(m.sizes.presets), ...(m.sizes.custom ? ["custom"] : [])], `sizes of ${m.id}`);
      assert.deepEqual(await values("#quality option"), m.qualities, `qualities of ${m.id}`);
      assert.equal(await page.inputValue("#quality"), m.defaults.quality, `default quality of ${m.id}`);
      const low = m.creditsPerImage.low;
      if (low !== undefined) assert.ok((await texts("#quality option"))[m.qualities.indexOf("low")]!.includes(`${low} credit`), `price of low on ${m.id}`);
      assert.deepEqual(await values("#format option"), m.outputFormats, `formats of ${m.id}`);
      assert.equal(await page.isVisible("#complexity"), m.complexity !== null, `complexity shown for ${m.id}`);
      assert.deepEqual(await values("#complexity option"), m.complexity?.values ?? [], `complexities of ${m.id}`);
      if (m.complexity) assert.equal(await page.inputValue("#complexity"), m.complexity.default);
    }

    const model = await chooseModel(session.gw.origin, "with two custom 1280x720 images", (m) => m.sizes.custom !== null && takesSize(m, 1280, 720) && m.maxImages >= 2);
    await page.selectOption("#model", model.id);
    await page.fill("#prompt", "A lighthouse at dusk, in the browser test");
    await page.selectOption("#quality", "low");
    await page.selectOption("#size", "custom");
    await page.fill("#width", "1280");
    await page.fill("#height", "720");
    await page.fill("#count", "2");
    await page.selectOption("#provider", "sandbox");
    await page.click("#generate");

    await until(page, imagesShown(2));
    const sizes = await page.$$eval("#images img", naturalSizes);
    assert.deepEqual(sizes, [[1280, 720], [1280, 720]]);
    const status = await statusText(page);
    assert.ok(status.startsWith(`COMPLETED · ${model.id} · sandbox · 100%`), status);
    const job = JSON.parse((await page.textContent("#json")) ?? "{}") as { id: string; status: string; result: { files: unknown[] } };
    assert.equal(job.status, "COMPLETED");
    assert.equal(job.result.files.length, 2);
    await page.waitForSelector(`#recent button[data-job-id="${job.id}"]`);
    await page.click("#json-box summary");
    await page.screenshot({ path: `${RESULTS}/playground.png`, fullPage: true });
    assertClean(w);
  });

  it("makes an animated GIF on a model that has gif, and shows it at the asked size with the asked frames", async () => {
    const model = await chooseFormatModel(session.gw.origin, "gif", (m) => m.gif !== null && m.qualities.includes("low") && m.sizes.custom !== null);
    // 768x768 is below the single-image minimum, but a gif's rule is its sheet's: 4 frames go on 3x3 of 2304x2304.
    const side = 768;
    const frames = 4;
    const durationMs = 120;
    const w = await open();
    const { page } = w;
    await page.selectOption("#model", model.id);
    await page.fill("#prompt", "A paper boat bobbing on waves, in the browser test");
    await page.selectOption("#quality", "low");
    assert.equal(await page.isVisible("#frames"), false, "frames are asked only for a gif");
    await page.selectOption("#format", "gif");
    assert.equal(await page.inputValue("#frames"), String(model.gif!.frameCount.default), "the frame count starts at the model's default");
    assert.equal(await page.inputValue("#duration"), String(model.gif!.frameDurationMs.default), "the duration starts at the model's default");
    await page.selectOption("#size", "custom");
    await page.fill("#width", String(side));
    await page.fill("#height", String(side));
    await page.fill("#frames", String(frames));
    await page.fill("#duration", String(durationMs));
    await page.selectOption("#provider", "sandbox");
    const hint = (await page.textContent("#hint")) ?? "";
    assert.ok(hint.includes(`${frames} frames of ${side}×${side}`) && hint.includes("which fits"), hint);
    assert.ok(hint.includes(`About ${model.creditsPerImage.low} credit`), hint);
    await page.click("#generate");

    await until(page, imagesShown(1));
    assert.deepEqual(await page.$$eval("#images img", naturalSizes), [[side, side]]);
    const job = JSON.parse((await page.textContent("#json")) ?? "{}") as JobShown;
    assert.equal(job.status, "COMPLETED");
    assert.equal(job.result.files[0]!.contentType, "image/gif");

    // The file the page shows, parsed: a GIF89a of the asked size with one image per asked frame and their delay.
    const res = await fetch(new URL(job.result.files[0]!.url, session.gw.origin));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/gif");
    const gif = decodeGif(new Uint8Array(await res.arrayBuffer()));
    assert.equal(gif.version, "GIF89a");
    assert.deepEqual([gif.width, gif.height], [side, side]);
    assert.equal(gif.frames.length, frames);
    assert.deepEqual(gif.frames.map((f) => f.delayMs), Array(frames).fill(durationMs));
    const first = gif.frames[0]!.indices;
    assert.ok(gif.frames.some((f) => f.indices.length !== first.length || f.indices.some((v, i) => v !== first[i])), "the frames all look the same");
    await page.screenshot({ path: `${RESULTS}/playground-gif.png`, fullPage: true });
    assertClean(w);
  });

  it("makes an SVG on a model that has svg, prices it by the model's factor, and shows it", async () => {
    const model = await chooseFormatModel(session.gw.origin, "svg", (m) => m.svg !== null && m.qualities.includes("low"));
    const w = await open();
    const { page } = w;
    await page.selectOption("#model", model.id);
    await page.fill("#prompt", "A geometric fox, in the browser test");
    await page.selectOption("#format", "svg");
    await page.selectOption("#quality", "low");
    await page.selectOption("#provider", "sandbox");
    const credits = model.creditsPerImage.low! * model.svg!.creditFactor;
    assert.equal(await page.inputValue("#count"), "1", "an svg is one image per request");
    assert.equal(await page.isDisabled("#count"), true);
    const label = await page.$eval("#quality option[value=low]", (o) => o.textContent ?? "");
    assert.ok(label.includes(`${credits} credits`), label);
    assert.ok(((await page.textContent("#hint")) ?? "").includes(`About ${credits} credits`));
    await page.click("#generate");

    await until(page, imagesShown(1));
    const box = (await page.evaluate(`(() => { const r = document.querySelector("#images img").getBoundingClientRect(); return [r.width, r.height]; })()`)) as number[];
    assert.ok(box[0]! > 0 && box[1]! > 0, `the svg is drawn ${box.join("x")}`);
    const job = JSON.parse((await page.textContent("#json")) ?? "{}") as JobShown;
    assert.equal(job.status, "COMPLETED");
    assert.equal(job.creditCost, credits);
    assert.equal(job.result.files[0]!.contentType, "image/svg+xml");

    const res = await fetch(new URL(job.result.files[0]!.url, session.gw.origin));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/svg+xml");
    assert.match(res.headers.get("content-security-policy") ?? "", /\bsandbox\b/);
    const text = await res.text();
    // The document's root element, past the XML declaration, comments and a doctype.
    const root = /^(?:\s|<\?[^]*?\?>|<!--[^]*?-->|<!DOCTYPE[^>]*>)*<([\w:-]+)/i.exec(text)?.[1];
    assert.equal(root, "svg", text.slice(0, 200));
    await page.screenshot({ path: `${RESULTS}/playground-svg.png`, fullPage: true });
    assertClean(w);
  });

  it("says when a gif's sheet is too large, and shows the gateway's refusal", async () => {
    const model = await chooseFormatModel(session.gw.origin, "gif", (m) => m.gif !== null && m.sizes.custom !== null);
    const rule = model.sizes.custom!;
    const frames = model.gif!.frameCount.max;
    const grid = model.gif!.sheets.find((s) => frames <= s.frames)!;
    // The smallest square side, a multiple of the rule's, whose sheet reaches the longest edge the rule forbids.
    const side = Math.ceil(rule.maxEdgeExclusive / Math.max(grid.columns, grid.rows) / rule.multipleOf) * rule.multipleOf;
    const w = await open();
    const { page } = w;
    await page.selectOption("#model", model.id);
    await page.selectOption("#format", "gif");
    await page.selectOption("#size", "custom");
    await page.fill("#width", String(side));
    await page.fill("#height", String(side));
    await page.fill("#frames", String(frames));
    await page.selectOption("#provider", "sandbox");
    const hint = (await page.textContent("#hint")) ?? "";
    assert.ok(hint.includes(`${frames} frames of ${side}×${side}`) && hint.includes("too large"), hint);
    await page.click("#generate");
    await page.waitForSelector("#error:not([hidden])");
    const error = (await page.textContent("#error")) ?? "";
    assert.ok(error.includes(`${side}x${side}`) && error.includes("sheet"), `${JSON.stringify(error)} does not explain the sheet`);
    assert.match(await statusText(page), /^400/);
    assertClean(w, [/status of 400/]);
  });

  it("is usable on a phone: one column, nothing wider than the screen", async () => {
    const w = await open({ width: 390, height: 844 });
    const widths = (await w.page.evaluate(`({
      page: document.documentElement.scrollWidth,
      controls: [...document.querySelectorAll("input, select, textarea, button")].filter((e) => e.offsetParent).map((e) => e.getBoundingClientRect().right),
    })`)) as { page: number; controls: number[] };
    assert.ok(widths.page <= 390, `page is ${widths.page}px wide`);
    assert.ok(widths.controls.every((right) => right <= 390), `controls reach ${Math.max(...widths.controls)}px`);
    const generate = await w.page.locator("#generate").boundingBox();
    assert.ok(generate && generate.height >= 40, "the button is big enough to tap");
    await w.page.screenshot({ path: `${RESULTS}/playground-phone.png`, fullPage: true });
    assertClean(w);
  });

  it("shows the gateway's own words when a request is refused", async () => {
    const model = await chooseModel(session.gw.origin, "with custom sizes", (m) => m.sizes.custom !== null);
    const rule = model.sizes.custom!;
    // The smallest width the rule calls too large; every check before that one (multiples) passes.
    const width = Math.ceil(rule.maxEdgeExclusive / rule.multipleOf) * rule.multipleOf;
    const height = Math.ceil(width / 2 / rule.multipleOf) * rule.multipleOf;
    const w = await open();
    await w.page.selectOption("#model", model.id);
    await w.page.selectOption("#size", "custom");
    await w.page.fill("#width", String(width));
    await w.page.fill("#height", String(height));
    await w.page.click("#generate");
    await w.page.waitForSelector("#error:not([hidden])");
    const expected = `width ${width} is too large: ${model.id} needs max(width, height) < ${rule.maxEdgeExclusive}`;
    const error = (await w.page.textContent("#error")) ?? "";
    assert.ok(error.includes(expected), `${JSON.stringify(error)} does not say ${JSON.stringify(expected)}`);
    assert.match(await statusText(w.page), /^400/);
    // The browser itself reports the 400 in the console; nothing else may appear there.
    assertClean(w, [/status of 400/]);
  });

  it("follows a job over the real event stream (GET /v2/jobs/:id/events), without polling", async () => {
    const w = await open();
    const { page } = w;
    const model = await chooseModel(session.gw.origin, "with a 16:9 preset", (m) => "16:9" in m.sizes.presets);
    await until(page, `document.getElementById("status").textContent === "Ready."`);
    await page.selectOption("#model", model.id);
    await page.selectOption("#quality", "low");
    await page.selectOption("#size", "16:9");
    await page.selectOption("#provider", "sandbox");
    await page.click("#generate");
    await until(page, imagesShown(1));
    assert.equal(await statusText(page), `COMPLETED · ${model.id} · sandbox · 100% (live)`);
    const preset = model.sizes.presets["16:9"]!;
    assert.deepEqual(await page.$$eval("#images img", naturalSizes), [[preset.width, preset.height]]);
    const polled = w.requests.filter((r) => /^GET .*\/v2\/jobs\/[0-9a-f-]{36}$/.test(r));
    assert.deepEqual(polled, [], "the page polled although it had the stream");
    assertClean(w);
  });
});
