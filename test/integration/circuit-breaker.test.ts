import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { COOLDOWN_MS } from "../../src/jobs/circuit";
import { learntHealth } from "../../src/jobs/provider-health";
import { ProviderHealthDO } from "../../src/jobs/provider-health-do";
import { tag } from "../sim/testing";
import { api, createJob } from "../helpers/api";
import { addFaults, createsOf, driveToEnd, resetCircuits } from "../helpers/upstream";
import { activeModel } from "../helpers/models";

// The per-provider circuit breaker, shared by every JobDO through one ProviderHealthDO per provider: real failures open it,
// an open circuit sends jobs to the other candidates first, a half-open one lets one probe through, and GET
// /v2/status shows it all.

beforeEach(resetCircuits);

const upstream = (name: string) => env.PROVIDER_HEALTH.get(env.PROVIDER_HEALTH.idFromName(name));
const failures = (n: number, at: number) => Array.from({ length: n }, (_, i) => ({ at: at + i, ok: false, ms: 0 }));

type Status = { providers: { name: string; configured: boolean; circuit: string | null; errorRate: number | null; calls: number; p50Ms: number | null; openedAt: string | null }[]; windowSeconds: number };
const status = async (): Promise<Status> => {
  const res = await api("/v2/status", { key: null });
  expect(res.status).toBe(200);
  return res.json();
};

/** Records which providers' health is asked of their ProviderHealthDO, until restored. */
function watchHealthAsks(): { asked: string[]; restore: () => void } {
  const asked: string[] = [];
  const health = ProviderHealthDO.prototype.health;
  ProviderHealthDO.prototype.health = async function (this: ProviderHealthDO, now: number) {
    asked.push((this as unknown as { ctx: DurableObjectState }).ctx.id.name ?? "?");
    return health.call(this, now);
  };
  return { asked, restore: () => void (ProviderHealthDO.prototype.health = health) };
}

describe("circuit breaker", () => {
  it("opens after real upstream failures and shows on /v2/status", async () => {
    const t = tag();
    await addFaults({ provider: "leonardo", match: t, fault: "http500", count: null });
    for (let i = 0; i < 5; i++) {
      const jobId = await createJob({ prompt: `breaker ${i} ${t}`, model: activeModel(["leonardo", "sandbox"]).id, provider: ["leonardo", "sandbox"] });
      expect((await driveToEnd(jobId, t)).provider).toBe("sandbox");
    }
    const leonardo = (await status()).providers.find((p) => p.name === "leonardo")!;
    expect(leonardo).toMatchObject({ configured: true, circuit: "open", errorRate: 1, calls: 5 });
    expect(Date.parse(leonardo.openedAt!)).toBeGreaterThan(Date.now() - 60_000);
    await fetch(`https://sim.test/_sim/faults?match=${t}`, { method: "DELETE" });
  });

  it("sends a job whose first choice is open to the next candidate first, and records the skip", async () => {
    await upstream("leonardo").report(failures(5, Date.now()), [], Date.now());
    const t = tag();
    const jobId = await createJob({ prompt: `skip open ${t}`, model: activeModel(["leonardo", "apiframe"]).id, provider: ["leonardo", "apiframe"] });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "apiframe", candidates: ["apiframe", "leonardo"] });
    expect(rec.attempts[0]).toMatchObject({ provider: "leonardo", outcome: "skipped" });
    expect(await createsOf(t, "leonardo")).toHaveLength(0);
  });

  it("asks only the first choice's health when it is healthy: the rest keep their order until the job falls back", async () => {
    await upstream("apiframe").report(failures(5, Date.now()), [], Date.now());
    const t = tag();
    const { asked, restore } = watchHealthAsks();
    try {
      const jobId = await createJob({ prompt: `lazy health ${t}`, model: activeModel(["sandbox", "apiframe", "leonardo"]).id, provider: ["sandbox", "apiframe", "leonardo"] });
      const rec = await driveToEnd(jobId, t);
      expect(rec).toMatchObject({ status: "COMPLETED", provider: "sandbox", candidates: ["sandbox", "apiframe", "leonardo"] });
      expect(rec.attempts.map((a) => a.outcome)).toEqual(["accepted", "completed"]);
      expect(asked).toEqual(["sandbox"]);
    } finally {
      restore();
    }
  });

  it("routes on the health a job's report gave back, without asking, for PROVIDER_HEALTH_CACHE_MS; then asks again", async () => {
    const t = tag();
    const { asked, restore } = watchHealthAsks();
    const run = async (n: number) => {
      const jobId = await createJob({ prompt: `learnt health ${n} ${t}`, model: activeModel(["sandbox", "apiframe"]).id, provider: ["sandbox", "apiframe"] });
      expect(await driveToEnd(jobId, t)).toMatchObject({ status: "COMPLETED", provider: "sandbox" });
    };
    try {
      await run(1);
      expect(asked).toEqual(["sandbox"]);
      // Asked before any call, sandbox had none: what is learnt now came back with the job's reports.
      const learnt = learntHealth.get("sandbox")!;
      expect(learnt.health).toMatchObject({ state: "closed", calls: expect.any(Number) });
      expect(learnt.health.calls).toBeGreaterThan(0);
      // Within the cache time (1000 ms by default; dated now, so that a slow machine does not outlast it), a job goes on it.
      learntHealth.set("sandbox", { ...learnt, at: Date.now() });
      await run(2);
      expect(asked).toEqual(["sandbox"]);
      // Once the cache time has passed, routing asks again.
      learntHealth.set("sandbox", { ...learntHealth.get("sandbox")!, at: Date.now() - 1000 });
      await run(3);
      expect(asked).toEqual(["sandbox", "sandbox"]);
    } finally {
      restore();
    }
  });

  it("on falling back, passes an open provider for the one after it, and records the skip", async () => {
    await upstream("apiframe").report(failures(5, Date.now()), [], Date.now());
    const t = tag();
    await addFaults({ provider: "leonardo", match: t, fault: "http500", count: null });
    const jobId = await createJob({ prompt: `fall past open ${t}`, model: activeModel(["leonardo", "apiframe", "sandbox"]).id, provider: ["leonardo", "apiframe", "sandbox"] });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "sandbox", candidates: ["leonardo", "sandbox", "apiframe"] });
    expect(rec.attempts.map((a) => `${a.provider} ${a.outcome}`)).toEqual(["leonardo retryable", "apiframe skipped", "sandbox accepted", "sandbox completed"]);
    expect(await createsOf(t, "apiframe")).toHaveLength(0);
    await fetch(`https://sim.test/_sim/faults?match=${t}`, { method: "DELETE" });
  });

  it("still tries an open provider when it is the only candidate left", async () => {
    await upstream("leonardo").report(failures(5, Date.now()), [], Date.now());
    const t = tag();
    const jobId = await createJob({ prompt: `only open ${t}`, model: activeModel(["leonardo"]).id, provider: "leonardo" });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "leonardo" });
  });

  it("lets one probe through when half-open; its success closes the circuit", async () => {
    const opened = Date.now() - COOLDOWN_MS - 1000;
    await upstream("leonardo").report(failures(5, opened), [], opened);
    expect((await status()).providers.find((p) => p.name === "leonardo")!.circuit).toBe("half_open");
    const t = tag();
    const jobId = await createJob({ prompt: `probe ${t}`, model: activeModel(["leonardo", "apiframe"]).id, provider: ["leonardo", "apiframe"] });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "leonardo" });
    expect(rec.attempts.map((a) => a.outcome)).toEqual(["accepted", "completed"]);
    expect((await status()).providers.find((p) => p.name === "leonardo")).toMatchObject({ circuit: "closed", errorRate: 0, calls: 1 });
  });

  it("while a probe is in flight, other jobs go elsewhere first", async () => {
    const opened = Date.now() - COOLDOWN_MS - 1000;
    await upstream("leonardo").report(failures(5, opened), [], opened);
    expect(await upstream("leonardo").claim(Date.now())).toBe(true);
    const t = tag();
    const jobId = await createJob({ prompt: `probe busy ${t}`, model: activeModel(["leonardo", "apiframe"]).id, provider: ["leonardo", "apiframe"] });
    const rec = await driveToEnd(jobId, t);
    expect(rec.provider).toBe("apiframe");
    expect(rec.attempts[0]).toMatchObject({ provider: "leonardo", outcome: "skipped", detail: expect.stringMatching(/half_open/) });
  });

  it("a failed probe opens the circuit again", async () => {
    const opened = Date.now() - COOLDOWN_MS - 1000;
    await upstream("openai").report(failures(5, opened), [], opened);
    const t = tag();
    await addFaults({ provider: "openai", match: t, fault: "http500" });
    const jobId = await createJob({ prompt: `probe fails ${t}`, model: activeModel(["openai", "sandbox"]).id, provider: ["openai", "sandbox"] });
    const rec = await driveToEnd(jobId, t);
    expect(rec.provider).toBe("sandbox");
    expect(rec.attempts[0]).toMatchObject({ provider: "openai", outcome: "retryable" });
    expect((await status()).providers.find((p) => p.name === "openai")!.circuit).toBe("open");
  });

  it("serves /v2/status without a key: every provider, configured or not, with circuit, error rate and p50", async () => {
    const now = Date.now();
    await upstream("apiframe").report([{ at: now, ok: true, ms: 120 }, { at: now, ok: true, ms: 80 }, { at: now, ok: false, ms: 0 }], [], now);
    const body = await status();
    expect(body.windowSeconds).toBe(60);
    expect(body.providers.map((p) => p.name)).toEqual(["sandbox", "leonardo", "apiframe", "openai"]);
    expect(body.providers.find((p) => p.name === "apiframe")).toEqual({ name: "apiframe", configured: true, circuit: "closed", errorRate: 0.333, calls: 3, p50Ms: 80, openedAt: null });
  });
});

describe("upstream id index", () => {
  it("maps an upstream id to the job that made it", async () => {
    const id = crypto.randomUUID();
    await upstream("leonardo").report([], [{ upstreamId: id, jobId: "job-1" }], Date.now());
    expect(await upstream("leonardo").jobOf(id)).toBe("job-1");
    expect(await upstream("apiframe").jobOf(id)).toBeNull();
    expect(await upstream("leonardo").jobOf(crypto.randomUUID())).toBeNull();
  });
});
