import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { activeModels } from "../harness/catalogue.ts";
import { RESULTS, browserSession, until, watchedPage } from "./browser.ts";

// The playground's usage panel in Chromium against a real `wrangler dev`: jobs on two models, then the chart's bars
// for today are one per model, sized by the credits GET /v2/usage reports, and the costliest jobs open their JSON.

const session = browserSession();

type Row = { day: string; model: string; credits: { spent: number; held: number } };

describe("playground usage panel", () => {
  it("draws today's credits stacked by model, and lists the costliest jobs linked to their JSON", async () => {
    const models = (await activeModels(session.gw.origin)).filter((m) => m.providers.includes("sandbox") && m.qualities.includes("low")).slice(0, 2);
    assert.equal(models.length, 2, "two active models on the sandbox");
    const headers = { authorization: `Bearer ${session.gw.devKey}`, "content-type": "application/json", prefer: "wait=30" };
    const jobs: { id: string; model: string; creditCost: number }[] = [];
    for (const [i, m] of models.entries()) {
      const body = { prompt: `usage panel ${i}`, model: m.id, provider: "sandbox", [m.paramsKey]: { quality: "low", number_of_images: i + 1 } };
      const res = await fetch(`${session.gw.origin}/v2/images/generate`, { method: "POST", headers, body: JSON.stringify(body) });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      const job = JSON.parse(text) as { id: string; status: string; model: string; creditCost: number };
      assert.equal(job.status, "COMPLETED", text);
      jobs.push(job);
    }
    const today = new Date().toISOString().slice(0, 10);
    const usage = (await (await fetch(`${session.gw.origin}/v2/usage?groupBy=day,model&from=${today}&to=${today}`, { headers })).json()) as { rows: Row[] };
    const expected = usage.rows.map((r) => [r.model, r.credits.spent + r.credits.held]).sort();
    assert.deepEqual(expected, jobs.map((j) => [j.model, j.creditCost]).sort(), "the usage API agrees with the jobs");

    const w = await watchedPage(session.browser, session.gw.origin);
    const { page } = w;
    await page.goto(`${session.gw.origin}/`);
    await until(page, `!document.getElementById("usage").hidden && document.querySelectorAll("#usage-chart rect.bar").length > 0`);
    const bars = await page.$$eval("#usage-chart rect.bar", (rects) =>
      rects.map((r) => ({ day: r.getAttribute("data-day"), model: r.getAttribute("data-model"), credits: Number(r.getAttribute("data-credits")), height: Number(r.getAttribute("height")), y: Number(r.getAttribute("y")) })),
    );
    assert.deepEqual(bars.map((b) => [b.model, b.credits]).sort(), expected, "one bar per model, with its credits");
    assert.ok(bars.every((b) => b.day === today), "today's bars");
    // Stacked: the segments of one day sit on one another, each as tall as its share of the credits.
    const [lower, upper] = [...bars].sort((a, b) => b.y - a.y);
    assert.ok(Math.abs(lower!.y - (upper!.y + upper!.height)) < 0.01, "stacked");
    assert.ok(Math.abs(lower!.height / upper!.height - lower!.credits / upper!.credits) < 0.01, "heights in proportion to credits");
    const legend = await page.$$eval("#usage-chart .legend li", (items) => items.map((i) => i.textContent?.trim()));
    assert.deepEqual(legend, models.map((m) => m.id).sort(), "the legend names the models");
    assert.match((await page.textContent("#usage-totals")) ?? "", new RegExp(`${jobs.reduce((s, j) => s + j.creditCost, 0)} credits spent`));

    const costliest = [...jobs].sort((a, b) => b.creditCost - a.creditCost)[0]!;
    assert.equal(await page.getAttribute("#usage-costly a", "data-job-id"), costliest.id, "the costliest job first");
    await page.click("#usage-costly a");
    await until(page, `document.getElementById("json").textContent.includes(${JSON.stringify(costliest.id)})`);
    await page.screenshot({ path: `${RESULTS}/playground-usage.png`, fullPage: true });
    assert.deepEqual(w.pageErrors, [], "page errors");
    assert.deepEqual(w.consoleErrors, [], "console errors");
    assert.deepEqual(w.foreign, [], "requests that left the gateway");
  });
});
