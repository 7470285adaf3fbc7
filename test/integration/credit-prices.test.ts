import OpenAI, { APIError } from "openai";
import { describe, expect, it, vi } from "vitest";
import { api, runToEnd } from "../helpers/api";
import { checkedLedger, mintAccount } from "../helpers/accounts";
import { openaiClient } from "../helpers/compat";
import { pinLifecycle } from "../helpers/models";
import { withVars } from "../helpers/vars";

// CREDIT_PRICES (SPEC §3.3): the operator's prices over the catalogue's, reserved at admission and settled at that
// same price; a malformed value is a 503 naming the var on every create, never a 500. The var is set per test (the
// test isolate shares the Worker's env). gpt-image-2 and gpt-image-2.6-flare are pinned active whatever the date.

type Json = Record<string, any>;

pinLifecycle("gpt-image-2");
pinLifecycle("gpt-image-2.6-flare");


const lowPair = { prompt: "priced", model: "gpt-image-2", gptImage2Params: { quality: "low", number_of_images: 2 } };
const create = (body: unknown, key: string) => api("/v2/images/generate", { method: "POST", body: JSON.stringify(body), key });

describe("a valid CREDIT_PRICES", () => {
  it("prices the job, shows the prices in force, and settles at the price reserved", async () => {
    const account = await mintAccount({ credits: 100 });
    const jobId = await withVars({ CREDIT_PRICES: '{"gpt-image-2": {"low": 7}}' }, async () => {
      const { data } = (await (await api("/v2/models", { key: null })).json()) as { data: Json[] };
      expect(data.find((m) => m.id === "gpt-image-2")?.creditsPerImage).toEqual({ low: 7, medium: 9, high: 23, auto: 23 });
      expect(data.find((m) => m.id === "gpt-image-1.5")?.creditsPerImage).toEqual({ low: 4, medium: 9, high: 24, auto: 24 });
      const res = await create(lowPair, account.key);
      expect(res.status, await res.clone().text()).toBe(202);
      return ((await res.json()) as Json).jobId as string;
    });
    expect(await checkedLedger(account.accountId)).toMatchObject({ reserved: 14, balance: 86 });

    // The operator changes the price while the job runs: it still settles at 7 per image.
    await withVars({ CREDIT_PRICES: '{"gpt-image-2": {"low": 50}}' }, async () => {
      expect((await runToEnd(jobId)).status).toBe("COMPLETED");
    });
    const job = (await (await api(`/v2/jobs/${jobId}`, { key: account.key })).json()) as Json;
    expect(job).toMatchObject({ status: "COMPLETED", creditCost: 14 });
    expect(await checkedLedger(account.accountId)).toMatchObject({ spent: 14, reserved: 0, balance: 86 });
  });

  it("accepts a model's alias, and prices svg at the model's factor", () =>
    withVars({ CREDIT_PRICES: '{"gpt-image-2.6-flare": {"low": 5}, "gpt-image-2.5-flare-2026-09-08": {"max": 60}}' }, async () => {
      const account = await mintAccount({ credits: 100 });
      const { data } = (await (await api("/v2/models", { key: null })).json()) as { data: Json[] };
      expect(data.find((m) => m.id === "gpt-image-2.5-flare")?.creditsPerImage).toMatchObject({ max: 60, xhigh: 35 });
      const svg = await create({ prompt: "a vector fox", model: "gpt-image-2.6-flare", gptImage2Params: { quality: "low", output_format: "svg" } }, account.key);
      expect(svg.status, await svg.clone().text()).toBe(202);
      expect(await checkedLedger(account.accountId)).toMatchObject({ reserved: 10 }); // 5 x svg's factor of 2
    }));
});

describe("a malformed CREDIT_PRICES", () => {
  it.each([
    ["not JSON", "{gpt-image-2: 7}", /not JSON/],
    ["not an object", "[7]", /JSON object/],
    ["an unknown model", '{"gpt-image-9": {"low": 7}}', /gpt-image-9 is not a model/],
    ["a quality the model does not take", '{"gpt-image-2": {"xhigh": 7}}', /gpt-image-2 has no quality xhigh/],
    ["a negative price", '{"gpt-image-2": {"low": -1}}', /whole number of credits, 0 or more, not -1/],
    ["a fraction", '{"gpt-image-2": {"low": 2.5}}', /not 2.5/],
    ["a string", '{"gpt-image-2": {"low": "7"}}', /not "7"/],
  ])("%s: creates answer 503 naming the var on every surface, and nothing is charged", (_what, value, why) =>
    withVars({ CREDIT_PRICES: value }, async () => {
      const account = await mintAccount({ credits: 100 });
      const native = await create(lowPair, account.key);
      expect(native.status).toBe(503);
      const problem = (await native.json()) as Json;
      expect(problem).toMatchObject({ code: "unavailable", status: 503, setting: "CREDIT_PRICES" });
      expect(problem.detail).toMatch(/CREDIT_PRICES/);
      expect(problem.detail).toMatch(why);

      const leonardo = await api("/api/rest/v2/generations", {
        method: "POST",
        body: JSON.stringify({ model: "gpt-image-2", parameters: { prompt: "priced", quality: "LOW" } }),
        key: account.key,
      });
      expect(leonardo.status).toBe(503);
      expect(await leonardo.json()).toMatchObject({ code: "unavailable", error: expect.stringMatching(/CREDIT_PRICES/) });

      const err = (await openaiClient({ apiKey: account.key }).images.generate({ model: "gpt-image-2", prompt: "priced" }).catch((e: unknown) => e)) as APIError;
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.status).toBe(503);
      expect(err.message).toMatch(/CREDIT_PRICES/);

      const models = await api("/v2/models", { key: null });
      expect(models.status).toBe(503);
      expect(await checkedLedger(account.accountId)).toMatchObject({ balance: 100, reserved: 0, spent: 0 });
    }),
  );

  it("is logged once, saying why", () =>
    withVars({ CREDIT_PRICES: '{"gpt-image-2": {"low": -2}}' }, async () => {
      const log = vi.spyOn(console, "log");
      try {
        await create(lowPair, (await mintAccount({ credits: 10 })).key);
        await create(lowPair, (await mintAccount({ credits: 10 })).key);
        const lines = log.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("CREDIT_PRICES is malformed"));
        expect(lines).toHaveLength(1);
        expect(JSON.parse(lines[0]!)).toMatchObject({ why: "gpt-image-2 low must be a whole number of credits, 0 or more, not -2" });
      } finally {
        log.mockRestore();
      }
    }));
});
