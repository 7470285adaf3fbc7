import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { api } from "../helpers/api";
import { activeModel, jobBody } from "../helpers/models";
import { postJson, sim } from "../sim/testing";

// Dates from the source (SPEC §3.4): the hourly cron reads OpenAI's GET /v1/models (the simulator's) at most once a
// day, and the gateway then answers by OpenAI's shutdown_date. The model is whichever is active and served by OpenAI
// today; its dates are set on the simulator relative to today, and the gateway's clock is moved past them (only
// Date is faked, so timers and the simulator keep real time).

type Json = Record<string, any>;

const DAY = 24 * 60 * 60 * 1000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const startOf = (day: string): number => Date.parse(`${day}T00:00:00Z`);

const entry = activeModel(["openai"]);
const modelPath = `/openai/models/${entry.id}`;

async function setShutdown(date: string): Promise<void> {
  const res = await sim(modelPath, postJson({ shutdown_date: date }));
  expect(res.status, await res.clone().text()).toBe(200);
}

async function runCron(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "17 * * * *", scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const create = () => api("/v2/images/generate", { method: "POST", body: JSON.stringify(jobBody(entry, { prompt: "lifecycle refresh" })) });

const modelInV2 = async (): Promise<Json> => {
  const { data } = (await (await api("/v2/models", { key: null })).json()) as { data: Json[] };
  return data.find((m) => m.id === entry.id)!;
};

const modelInV1 = async (): Promise<Json | undefined> => {
  const res = await api("/v1/models");
  return ((await res.json()) as { data: Json[] }).data.find((m) => m.id === entry.id);
};

afterEach(async () => {
  vi.useRealTimers();
  await sim(modelPath, { method: "DELETE" });
});

describe("the cron's lifecycle refresh", () => {
  it("gives a model OpenAI's shutdown date: deprecated from the day it is seen, retired on the date", async () => {
    const today = dayOf(Date.now());
    const shutdown = dayOf(Date.now() + 3 * DAY);
    expect((await create()).headers.get("deprecation")).toBeNull();
    expect((await modelInV2()).lifecycle).toMatchObject({ source: { sunsetOn: "catalogue" }, checkedAt: null });

    await setShutdown(shutdown);
    await runCron();

    const deprecated = await create();
    expect(deprecated.status).toBe(202);
    expect(deprecated.headers.get("deprecation")).toBe(`@${startOf(today) / 1000}`);
    expect(deprecated.headers.get("sunset")).toBe(new Date(startOf(shutdown)).toUTCString());
    expect(await modelInV2()).toMatchObject({
      status: "deprecated",
      lifecycle: { deprecatedOn: today, sunsetOn: shutdown, source: { deprecatedOn: "openai", sunsetOn: "openai" }, checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    expect(await modelInV1()).toMatchObject({ shutdown_date: shutdown });

    // Read at most once a day: a date changed an hour later is not seen until a day has passed.
    const earlier = dayOf(Date.now() + 2 * DAY);
    await setShutdown(earlier);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60 * 60 * 1000 });
    await runCron();
    expect((await modelInV2()).lifecycle.sunsetOn).toBe(shutdown);

    vi.setSystemTime(Date.now() + DAY);
    await runCron();
    const moved = await create();
    expect(moved.headers.get("sunset")).toBe(new Date(startOf(earlier)).toUTCString());
    expect(moved.headers.get("deprecation")).toBe(`@${startOf(today) / 1000}`); // still the day it was first seen

    vi.setSystemTime(startOf(earlier) + 60 * 60 * 1000);
    const retired = await create();
    expect(retired.status).toBe(410);
    expect(await retired.json()).toMatchObject({ code: "model_retired", detail: expect.stringContaining(`${entry.id} was retired on ${earlier}`) });
    expect((await modelInV2()).status).toBe("retired");
    expect(await modelInV1()).toBeUndefined();
  });

  it("goes back to the catalogue's dates when OpenAI announces none any more", async () => {
    const shutdown = dayOf(Date.now() + DAY);
    await setShutdown(shutdown);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3 * DAY }); // over a day after the last read of the test above
    await runCron();
    expect((await modelInV2()).lifecycle).toMatchObject({ sunsetOn: shutdown, source: { sunsetOn: "openai" } });

    await sim(modelPath, { method: "DELETE" }); // OpenAI lists no date for it any more: the catalogue's apply again
    vi.setSystemTime(Date.now() + DAY + 1);
    await runCron();
    expect((await modelInV2()).lifecycle).toMatchObject({ sunsetOn: entry.lifecycle.sunsetOn, source: { sunsetOn: "catalogue" } });
  });
});
