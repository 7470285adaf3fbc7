import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMISSION_GRACE_MS, AccountDO } from "../../src/accounts/account-do";
import { CATALOGUE, creditCost } from "../../src/catalogue";
import { JobDO } from "../../src/jobs/job-do";
import type { JobRecord } from "../../src/jobs/record";
import type { ProviderName } from "../../src/providers/names";
import { PROVIDERS } from "../../src/providers/registry";
import { sandbox } from "../../src/providers/sandbox";
import { renderSandboxImage } from "../../src/providers/sandbox/render";
import type { Provider } from "../../src/providers/types";
import type { DeliveryOutcome } from "../../src/webhooks/deliver";
import { WebhookOutbox, type OutboxEntry } from "../../src/webhooks/outbox";
import { accountOf, checkedLedger, indexedStatus, ledgerOf, mintAccount } from "../helpers/accounts";
import { api, createJob, fireAlarm, jobStubOf, runToEnd, sha256Hex, storedJob } from "../helpers/api";
import { crash, holdCalls, until, type Hold } from "../helpers/hold";
import { deliverDue, hookUrl, outboxOf, programReceiver, received } from "../helpers/webhooks";

// Crash recovery (SPEC §5): a JobDO killed at each step of its life — during and after admission, mid-create, while
// polling, half-way through ingest, on either side of the credit settlement, and while delivering a webhook — resumes
// from storage through its alarm and ends as an uninterrupted run would: the same images, one upstream job, the
// credits charged once, every webhook event delivered under its one webhook-id and recorded once.
//
// The job runs on its own (real) alarms until a held call stops it at the chosen point; the object is then aborted
// (DurableObjectState.abort: in-flight calls die, storage stays) and the test drives the rest with its alarms.
// Each upstream is a harness that can hold its calls and count its creates; a provider adapter adds one (built on
// the simulator: a `hang` fault to hold a call, GET /_sim/calls?match=<prompt> to count creates) to PROVIDER_HEALTH.

interface Upstream {
  provider: ProviderName;
  /** Stops the create of the job with `prompt` after the upstream has made the job, before its answer arrives. */
  holdCreate(prompt: string): Hold<unknown[]>;
  /** Stops a status poll of the job with `prompt` before it is sent. */
  holdPoll(prompt: string): Hold<unknown[]>;
  /** Stops the download of image `index` of the job with `prompt` before it starts. */
  holdImage(prompt: string, index: number): Hold<unknown[]>;
  /** The attempt number of every create the upstream received for the job with `prompt`, in order. */
  creates(prompt: string): Promise<number[]>;
  /** The sha256 of image `index` that an uninterrupted run stores. */
  imageSha(rec: JobRecord, index: number): Promise<string>;
  /** The outcomes an uninterrupted run leaves on the attempts trail. */
  trail: string[];
}

/** The built-in sandbox: its calls are held by wrapping its methods, its creates counted by a spy. */
function sandboxUpstream(): Upstream & { install(): void; uninstall(): void } {
  const received: { prompt: string; attempt: number }[] = [];
  const submit = sandbox.submit;
  return {
    provider: "sandbox",
    install() {
      sandbox.submit = async (spec, ctx) => {
        received.push({ prompt: spec.prompt, attempt: ctx.attempt });
        return submit(spec, ctx);
      };
    },
    uninstall() {
      sandbox.submit = submit;
    },
    holdCreate: (prompt) => holdCalls(sandbox, "submit", (_self, spec) => spec.prompt === prompt, "after"),
    holdPoll: (prompt) => holdCalls(sandbox, "poll", (_self, _id, spec) => spec.prompt === prompt),
    holdImage: (prompt, index) => holdCalls(sandbox, "open", (_self, image, spec) => spec.prompt === prompt && image === `sandbox:${index}`),
    creates: async (prompt) => received.filter((r) => r.prompt === prompt).map((r) => r.attempt),
    imageSha: async (rec, index) => sha256Hex(new Uint8Array(await new Response(renderSandboxImage(rec.spec, index)).arrayBuffer())),
    // The create is accepted, and a later poll finds the upstream job completed.
    trail: ["accepted", "completed"],
  };
}

const sandboxHarness = sandboxUpstream();
const PROVIDER_HEALTH: Upstream[] = [sandboxHarness];
beforeAll(() => sandboxHarness.install());
afterAll(() => sandboxHarness.uninstall());

const GRANT = 100;
const IMAGES = 3;
const COST = creditCost(CATALOGUE["gpt-image-2"], { quality: "low", outputFormat: "png", quantity: IMAGES });

const bodyFor = (prompt: string, provider: ProviderName) => ({
  prompt,
  model: "gpt-image-2",
  provider: [provider],
  gptImage2Params: { quality: "low", number_of_images: IMAGES, output_format: "png" },
});

const promptOfJob = async (self: unknown): Promise<string | undefined> =>
  (await (self as { ctx: DurableObjectState }).ctx.storage.get<JobRecord>("job"))?.spec.prompt;

const storedAlarm = (jobId: string): Promise<number | null> => runInDurableObject(jobStubOf(jobId), (_i, state) => state.storage.getAlarm());

/** The end an uninterrupted run reaches: every image stored as made, one upstream job, credits charged once. */
async function expectSameEnd(upstream: Upstream, jobId: string, accountId: string, prompt: string, creates: number[]): Promise<JobRecord> {
  const rec = await storedJob(jobId);
  expect(rec.status).toBe("COMPLETED");
  expect(rec.files).toHaveLength(IMAGES);
  for (const [index, file] of rec.files.entries()) {
    expect(file.key).toBe(`jobs/${jobId}/${index}.png`);
    const object = await env.FILES.get(file.key);
    expect(await sha256Hex(new Uint8Array(await object!.arrayBuffer()))).toBe(file.sha256);
    expect(file.sha256).toBe(await upstream.imageSha(rec, index));
  }
  expect(rec.attempts.map((a) => a.outcome)).toEqual(upstream.trail);
  // No second upstream job: every create the upstream saw was the one attempt (a re-sent create carries its key).
  expect(await upstream.creates(prompt)).toEqual(creates);
  expect(await checkedLedger(accountId)).toEqual({ granted: GRANT, balance: GRANT - COST, reserved: 0, spent: COST });
  expect(await indexedStatus(accountId, jobId)).toBe("COMPLETED");
  expect(await fireAlarm(jobId)).toBe(false);
  return rec;
}

describe.each(PROVIDER_HEALTH)("a JobDO killed mid-life resumes to the same end ($provider)", (upstream) => {
  it("during admission: the job is stored and its alarm set, but create() never answers", async () => {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const prompt = `crash: admission ${crypto.randomUUID()}`;
    const created = holdCalls(JobDO.prototype, "create", (_self, init) => init.spec.prompt === prompt, "after");
    const firstAlarm = holdCalls(JobDO.prototype, "alarm", async (self) => (await promptOfJob(self)) === prompt);
    let jobId: string;
    const answer = api("/v2/images/generate", { method: "POST", body: JSON.stringify(bodyFor(prompt, upstream.provider)), key });
    try {
      jobId = (await created.reached())[0].id;
      await firstAlarm.reached();
      expect(await storedJob(jobId)).toMatchObject({ status: "QUEUED", attempts: [], step: { kind: "upstream", candidate: 0, parts: [] } });
      await crash(jobStubOf(jobId));
    } finally {
      created.release();
      firstAlarm.release();
    }
    // The admission reads the stored job back: the client is answered as if nothing had happened.
    const res = await answer;
    expect(res.status).toBe(202);
    expect(((await res.json()) as { jobId: string }).jobId).toBe(jobId);
    expect((await ledgerOf(accountId)).reserved).toBe(COST);
    expect(await storedAlarm(jobId)).not.toBeNull();
    await runToEnd(jobId);
    await expectSameEnd(upstream, jobId, accountId, prompt, [1]);
  });

  it("after admission: the first alarm arrives and the object dies before it does anything", async () => {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const prompt = `crash: first alarm ${crypto.randomUUID()}`;
    const firstAlarm = holdCalls(JobDO.prototype, "alarm", async (self) => (await promptOfJob(self)) === prompt);
    let jobId: string;
    try {
      jobId = await createJob(bodyFor(prompt, upstream.provider), key);
      await firstAlarm.reached();
      expect(await storedJob(jobId)).toMatchObject({ status: "QUEUED", attempts: [], step: { kind: "upstream", candidate: 0, parts: [] } });
      await crash(jobStubOf(jobId));
    } finally {
      firstAlarm.release();
    }
    // The runtime retries an alarm whose handler died.
    expect(await storedAlarm(jobId)).not.toBeNull();
    expect(await upstream.creates(prompt)).toEqual([]);
    await runToEnd(jobId);
    await expectSameEnd(upstream, jobId, accountId, prompt, [1]);
  });

  it("during dispatch: the upstream made the job but its answer never came back (re-sent as the same attempt)", async () => {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const prompt = `crash: dispatch ${crypto.randomUUID()}`;
    const create = upstream.holdCreate(prompt);
    let jobId: string;
    try {
      jobId = await createJob(bodyFor(prompt, upstream.provider), key);
      await create.reached();
      // `sending` was stored before the create went out: on resume the job knows a create may exist.
      expect(await storedJob(jobId)).toMatchObject({ status: "QUEUED", attempts: [], step: { kind: "upstream", parts: [{ state: "sending", attempt: 1 }] } });
      await crash(jobStubOf(jobId));
    } finally {
      create.release();
    }
    expect(await upstream.creates(prompt)).toEqual([1]);
    await runToEnd(jobId);
    await expectSameEnd(upstream, jobId, accountId, prompt, [1, 1]);
  });

  /** The account's alarm as it runs a grace after the admissions (they are aged), for the jobs still unsettled. */
  const accountAlarmAfterGrace = async (accountId: string): Promise<void> => {
    await runInDurableObject(accountOf(accountId), (_i, state) => {
      state.storage.sql.exec("UPDATE jobs SET created = created - ? WHERE admitting = 1", ADMISSION_GRACE_MS + 1000);
    });
    expect(await runDurableObjectAlarm(accountOf(accountId))).toBe(true);
  };

  /** Sends an OpenAI request whose job's first step (run in the create, so from no alarm) is held at its upstream call. */
  async function heldWaitingRequest(prompt: string) {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const create = upstream.holdCreate(prompt);
    const alarms: unknown[] = [];
    const alarmWatch = holdCalls(JobDO.prototype, "alarm", async (self) => {
      if ((await promptOfJob(self)) === prompt) alarms.push(self);
      return false;
    });
    // The OpenAI surface names no provider: its jobs go the default route, the sandbox here.
    const body = { model: "gpt-image-2", prompt, n: IMAGES, quality: "low", output_format: "png" };
    const answer = api("/v1/images/generations", { method: "POST", body: JSON.stringify(body), key });
    const jobId = ((await create.reached())[1] as { jobId: string }).jobId;
    const rec = await storedJob(jobId);
    expect(rec).toMatchObject({ status: "QUEUED", step: { kind: "upstream", parts: [{ state: "sending", attempt: 1 }] } });
    // No alarm ran the step, and none is set: its account watches it.
    expect(alarms).toEqual([]);
    expect(await storedAlarm(jobId)).toBeNull();
    return { accountId, jobId, answer, create, release: () => (create.release(), alarmWatch.release()) };
  }

  async function expectAnswered(answer: Promise<Response>, jobId: string, accountId: string, prompt: string, creates: number[]): Promise<void> {
    const ended = runToEnd(jobId);
    const res = await answer;
    await ended;
    expect(res.status).toBe(200);
    const images = ((JSON.parse(await res.text()) as { data: { b64_json: string }[] }).data).map((image) => Uint8Array.fromBase64(image.b64_json));
    const rec = await expectSameEnd(upstream, jobId, accountId, prompt, creates);
    expect(await Promise.all(images.map(sha256Hex))).toEqual(rec.files.map((file) => file.sha256));
    expect(await storedAlarm(jobId)).toBeNull();
  }

  it("during the first step of a request that waits (OpenAI's), run in the create: its account's alarm resumes it, the request is answered", async () => {
    const prompt = `crash: waited dispatch ${crypto.randomUUID()}`;
    const held = await heldWaitingRequest(prompt);
    try {
      await crash(jobStubOf(held.jobId));
    } finally {
      held.release();
    }
    expect(await upstream.creates(prompt)).toEqual([1]);
    // A grace after the admission, the account finds the job unsettled: the JobDO, whose step died, is due at once.
    const before = Date.now();
    await accountAlarmAfterGrace(held.accountId);
    expect(await storedAlarm(held.jobId)).toBeLessThanOrEqual(Date.now());
    expect(await storedAlarm(held.jobId)).toBeGreaterThanOrEqual(before);
    await expectAnswered(held.answer, held.jobId, held.accountId, prompt, [1, 1]);
  });

  it("a first step still running a grace after admission is given the watchdog alarm, which resumes it if it dies", async () => {
    const prompt = `crash: waited long ${crypto.randomUUID()}`;
    const held = await heldWaitingRequest(prompt);
    try {
      const before = Date.now();
      await accountAlarmAfterGrace(held.accountId);
      expect(await storedAlarm(held.jobId)).toBeGreaterThanOrEqual(before + 60_000);
      await crash(jobStubOf(held.jobId));
    } finally {
      held.release();
    }
    await expectAnswered(held.answer, held.jobId, held.accountId, prompt, [1, 1]);
  });

  it("during dispatch, on a provider whose creates are not idempotent: never re-sent, the attempt is given up", async () => {
    const provider = PROVIDERS[upstream.provider] as Provider;
    const idempotent = provider.idempotentSubmit;
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const prompt = `crash: dispatch once ${crypto.randomUUID()}`;
    const create = upstream.holdCreate(prompt);
    provider.idempotentSubmit = false;
    let jobId: string;
    try {
      jobId = await createJob(bodyFor(prompt, upstream.provider), key);
      await create.reached();
      await crash(jobStubOf(jobId));
      create.release();
      // The only candidate: with no provider left to fall back to, the job fails and is refunded.
      const rec = await runToEnd(jobId);
      expect(rec).toMatchObject({ status: "FAILED", errorCode: "provider_error", files: [] });
      expect(rec.attempts).toEqual([expect.objectContaining({ provider: upstream.provider, outcome: "unknown", detail: "create interrupted; outcome unknown, not re-sent" })]);
    } finally {
      create.release();
      provider.idempotentSubmit = idempotent;
    }
    expect(await upstream.creates(prompt)).toEqual([1]);
    expect(await checkedLedger(accountId)).toEqual({ granted: GRANT, balance: GRANT, reserved: 0, spent: 0 });
    expect(await indexedStatus(accountId, jobId)).toBe("FAILED");
    expect(await fireAlarm(jobId)).toBe(false);
  });

  it("while polling: the status call is cut off and asked again", async () => {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const prompt = `crash: poll ${crypto.randomUUID()}`;
    const poll = upstream.holdPoll(prompt);
    let jobId: string;
    try {
      jobId = await createJob(bodyFor(prompt, upstream.provider), key);
      await poll.reached();
      const rec = await storedJob(jobId);
      expect(rec).toMatchObject({ status: "PROCESSING", step: { kind: "upstream", parts: [{ state: "running", attempt: 1 }] } });
      expect(rec.attempts.map((a) => a.outcome)).toEqual(["accepted"]);
      await crash(jobStubOf(jobId));
    } finally {
      poll.release();
    }
    await runToEnd(jobId);
    await expectSameEnd(upstream, jobId, accountId, prompt, [1]);
  });

  it("during ingest: one of three images is in R2 when the object dies; the others follow, the first is kept", async () => {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const prompt = `crash: ingest ${crypto.randomUUID()}`;
    const second = upstream.holdImage(prompt, 1);
    let jobId: string;
    let firstUploaded: Date;
    try {
      jobId = await createJob(bodyFor(prompt, upstream.provider), key);
      await second.reached();
      const rec = await storedJob(jobId);
      expect(rec).toMatchObject({ status: "PROCESSING", step: { kind: "ingest" } });
      expect(rec.files).toHaveLength(1);
      firstUploaded = (await env.FILES.head(rec.files[0]!.key))!.uploaded;
      expect(await env.FILES.head(`jobs/${jobId}/1.png`)).toBeNull();
      await crash(jobStubOf(jobId));
    } finally {
      second.release();
    }
    await runToEnd(jobId);
    const rec = await expectSameEnd(upstream, jobId, accountId, prompt, [1]);
    // Ingest resumed at the second image: the first was not copied again.
    expect((await env.FILES.head(rec.files[0]!.key))!.uploaded).toEqual(firstUploaded);
  });

  it("around settlement: the job ended and both objects die while the settle call is in flight", async () => {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const prompt = `crash: settle lost ${crypto.randomUUID()}`;
    const jobId = await createJob(bodyFor(prompt, upstream.provider), key);
    const settle = holdCalls(AccountDO.prototype, "settle", (_self, id) => id === jobId);
    try {
      await settle.reached();
      expect((await storedJob(jobId)).status).toBe("COMPLETED");
      expect(await indexedStatus(accountId, jobId)).toBe("ACTIVE");
      expect(await ledgerOf(accountId)).toEqual({ granted: GRANT, balance: GRANT - COST, reserved: COST, spent: 0 });
      await crash(jobStubOf(jobId));
      await crash(accountOf(accountId));
    } finally {
      settle.release();
    }
    // The account never applied it; the job's watchdog alarm settles it.
    expect(await ledgerOf(accountId)).toMatchObject({ reserved: COST, spent: 0 });
    expect(await fireAlarm(jobId)).toBe(true);
    await expectSameEnd(upstream, jobId, accountId, prompt, [1]);
  });

  it("around settlement: the account applied the charge, and the JobDO dies before it hears so", async () => {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const prompt = `crash: settle applied ${crypto.randomUUID()}`;
    const jobId = await createJob(bodyFor(prompt, upstream.provider), key);
    const settle = holdCalls(AccountDO.prototype, "settle", (_self, id) => id === jobId, "after");
    try {
      await settle.reached();
      expect(await ledgerOf(accountId)).toEqual({ granted: GRANT, balance: GRANT - COST, reserved: 0, spent: COST });
      expect(await indexedStatus(accountId, jobId)).toBe("COMPLETED");
      // The JobDO has not had the acknowledgement: what it knows of it dies with it.
      await crash(jobStubOf(jobId));
    } finally {
      settle.release();
    }
    // The alarm asks the account again; the account applies a job's settlement once, so nothing moves twice.
    expect(await fireAlarm(jobId)).toBe(true);
    await expectSameEnd(upstream, jobId, accountId, prompt, [1]);
  });
});

/** The outbox's private step that stores how a delivery went (held to stop the object between sending and recording). */
type RecordingOutbox = { record(entry: OutboxEntry, body: string, started: number, outcome: DeliveryOutcome): Promise<void> };

describe("a JobDO killed during webhook delivery delivers again, with the same webhook-id, and records it once", () => {
  const hookJob = async (hook: string, key: string): Promise<string> =>
    createJob({ ...bodyFor(`crash: webhook ${hook}`, "sandbox"), webhookUrl: hookUrl(hook), webhookEvents: ["completed"] }, key);

  /** After the crash: nothing recorded, the event still owed, and an alarm set to deliver it. */
  async function expectOwed(jobId: string): Promise<void> {
    expect(await outboxOf(jobId)).toEqual([expect.objectContaining({ type: "job.completed", state: "pending", attempts: 0 })]);
    expect(await jobStubOf(jobId).deliveries()).toEqual([]);
    expect(await storedAlarm(jobId)).not.toBeNull();
  }

  /** The receiver has the event twice (same id, same event, both signed), the job one delivery on record, nothing owed. */
  async function expectDeliveredOnce(jobId: string, hook: string, key: string, accountId: string): Promise<void> {
    const requests = await received(hook);
    expect(requests).toHaveLength(2);
    const secret = ((await (await api("/v2/me", { key })).json()) as { webhookSecret: string }).webhookSecret;
    const payloads = requests.map((r) => new Webhook(secret).verify(r.body, r.headers) as { type: string; data: { id: string; status: string } });
    expect(payloads.map((p) => [p.type, p.data.id, p.data.status])).toEqual([
      ["job.completed", jobId, "COMPLETED"],
      ["job.completed", jobId, "COMPLETED"],
    ]);
    const [first, again] = requests.map((r) => r.headers["webhook-id"]);
    expect(first).toMatch(/^msg_/);
    expect(again).toBe(first);
    const deliveries = await jobStubOf(jobId).deliveries();
    expect(deliveries).toEqual([expect.objectContaining({ event: "job.completed", webhookId: first, attempt: 1, statusCode: 200, error: null, nextAttemptAt: null })]);
    expect(await outboxOf(jobId)).toEqual([expect.objectContaining({ state: "delivered", attempts: 1, nextAt: null })]);
    expect((await storedJob(jobId)).webhookStatus).toBe("delivered");
    expect(await checkedLedger(accountId)).toEqual({ granted: GRANT, balance: GRANT - COST, reserved: 0, spent: COST });
    expect(await fireAlarm(jobId)).toBe(false);
  }

  it("the receiver answered 200, and the object died before recording the answer", async () => {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const hook = `crash-${crypto.randomUUID().slice(0, 8)}`;
    const recording = holdCalls(WebhookOutbox.prototype as unknown as RecordingOutbox, "record", (_self, _entry, body) => body.includes(hook));
    let jobId: string;
    try {
      jobId = await hookJob(hook, key);
      const [entry, , , outcome] = await recording.reached();
      expect(entry).toMatchObject({ type: "job.completed", attempts: 0 });
      expect(outcome).toMatchObject({ kind: "delivered", statusCode: 200 });
      expect((await received(hook)).map((r) => r.status)).toEqual([200]);
      await crash(jobStubOf(jobId));
    } finally {
      recording.release();
    }
    await expectOwed(jobId);
    await deliverDue(jobId);
    await expectDeliveredOnce(jobId, hook, key, accountId);
  });

  it("the receiver took the request, and the object died while its answer was on the way", async () => {
    const { key, accountId } = await mintAccount({ credits: GRANT });
    const hook = `crash-${crypto.randomUUID().slice(0, 8)}`;
    await programReceiver(hook, { delayMs: 10_000 });
    const jobId = await hookJob(hook, key);
    await until(async () => (await received(hook)).length === 1);
    await crash(jobStubOf(jobId));
    await programReceiver(hook, {});
    await expectOwed(jobId);
    await deliverDue(jobId);
    await expectDeliveredOnce(jobId, hook, key, accountId);
  });
});
