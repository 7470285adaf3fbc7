// npm run chaos: many jobs through imagegate against the simulator with faults on every provider, then checks from
// the outside that nothing was lost, duplicated or double-charged. Ends with the usage report's totals (GET /v2/usage)
// and whether they agree with the ledger, then one line of the run's figures:
// chaos: usage jobs=N completed=N failed=N cancelled=N images=N spent=N held=0 refunded=N; ledger spent=N reserved=0; usageAgrees=true
// chaos: submitted=N terminal=N lost=0 completed=N failed=N cancelled=N doubleCharged=0 ledgerBalanced=true filesVerified=N webhooksVerified=N
import { randomBytes, randomUUID } from "node:crypto";
import { encodePng } from "../../src/lib/png.ts";
import { expectStatus } from "../harness/answers.ts";
import { activeModels } from "../harness/catalogue.ts";
import { buildBundle, startGateway } from "../harness/gateway.ts";
import { startSimulator } from "../harness/simulator.ts";
import { duplicatedCreates, terminalEvent, usageDisagreements, verifyFiles, type JobView, type SimCall, type UsageTotals } from "./checks.ts";
import { startReceiver } from "./receiver.ts";
import { faultMix, mixOf, planJob, type PlannedJob } from "./workload.ts";

const JOBS = Number(process.env.CHAOS_JOBS ?? 1000);
const CONCURRENCY = Number(process.env.CHAOS_CONCURRENCY ?? 12);
const MAX_MINUTES = Number(process.env.CHAOS_MAX_MINUTES ?? 20);
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);
/** No request waits longer: a gateway that stops answering ends the run instead of holding it past its deadline. */
const REQUEST_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

async function main(): Promise<void> {
  const started = Date.now();
  const deadline = started + MAX_MINUTES * 60_000;
  const run = randomBytes(3).toString("hex");
  const admin = randomBytes(24).toString("hex");
  const leonardoToken = randomBytes(16).toString("hex");
  const sim = await startSimulator({ SIM_LATENCY_MS: "300" });
  const gw = await startGateway(
    {
      vars: {
        ENVIRONMENT: "development",
        ADMIN_TOKEN: admin,
        FILE_SIGNING_SECRET: randomBytes(32).toString("hex"),
        SANDBOX: "off",
        LEONARDO_API_KEY: randomUUID(),
        LEONARDO_BASE_URL: `${sim.url}/leonardo/api/rest`,
        LEONARDO_WEBHOOK_TOKEN: leonardoToken,
        APIFRAME_API_KEY: `afk_chaos_${randomBytes(8).toString("hex")}`,
        APIFRAME_BASE_URL: `${sim.url}/apiframe`,
        OPENAI_API_KEY: `sk-chaos-${randomBytes(8).toString("hex")}`,
        OPENAI_BASE_URL: `${sim.url}/openai/v1`,
        UPSTREAM_TIMEOUT_SECONDS: "3",
        OPENAI_TIMEOUT_SECONDS: "15",
        JOB_DEADLINE_SECONDS: "300",
        WEBHOOK_RETRY_SCALE: process.env.CHAOS_WEBHOOK_RETRY_SCALE ?? "0.002",
      },
    },
    buildBundle(),
  );
  const base = gw.url.href.replace(/\/$/, "");
  try {
    await sim.control("/_sim/config", { method: "POST", body: JSON.stringify({ leonardo: { callbackUrl: `${base}/hooks/leonardo`, callbackToken: leonardoToken } }) });
    const keyRes = await fetch(`${base}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "chaos", rateLimit: { requestsPerMinute: 100_000 } }),
    });
    const made = await expectStatus<{ key: string; accountId: string }>("POST /admin/keys", keyRes, [201]);
    const grant = await fetch(`${base}/admin/accounts/${made.accountId}/credits`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ amount: 10_000_000 }),
    });
    await expectStatus("POST /admin/accounts/:id/credits", grant, [200]);
    const auth = { authorization: `Bearer ${made.key}` };
    const me = await expectStatus<{ webhookSecret: string }>("GET /v2/me", await fetch(`${base}/v2/me`, { headers: auth }), [200]);
    const receiver = await startReceiver(me.webhookSecret, 0.5);

    const uploadIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const png = await new Response(encodePng(64, 64, {}, (y, row) => row.fill((y * 4 + i * 40) & 0xff))).arrayBuffer();
      const form = new FormData();
      form.append("file", new Blob([png], { type: "image/png" }), `ref${i}.png`);
      const up = await expectStatus<{ id: string }>("POST /v2/uploads", await fetch(`${base}/v2/uploads`, { method: "POST", headers: auth, body: form }), [201]);
      uploadIds.push(up.id);
    }
    for (const fault of faultMix()) await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify(fault) });

    // Submit. Every create is planned to be admitted: a refusal is a defect of the plan or of the gateway, and ends the run.
    const models = await activeModels(base);
    console.log(`chaos: active models ${models.map((m) => `${m.id} [${m.providers.join(", ")}]`).join("; ")}`);
    const plans = Array.from({ length: JOBS }, (_, i) => planJob(i, run, { receiverUrl: receiver.url, uploadIds, models }));
    console.log(`chaos: the mix ${JSON.stringify(mixOf(plans))}`);
    const jobs = new Map<string, PlannedJob>();
    let idempotencyMismatches = 0;
    const create = async (plan: PlannedJob): Promise<string> => {
      const res = await fetch(`${base}/v2/images/generate`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", ...(plan.idempotencyKey ? { "idempotency-key": plan.idempotencyKey } : {}) },
        body: JSON.stringify(plan.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return (await expectStatus<{ jobId: string }>(`create ${plan.tag} ${JSON.stringify(plan.body)}`, res, [202])).jobId;
    };
    await pool(plans, CONCURRENCY, async (plan) => {
      const jobId = await create(plan);
      jobs.set(jobId, plan);
      if (plan.replay && (await create(plan)) !== jobId) idempotencyMismatches++;
      if (plan.cancel) {
        await sleep(Math.random() * 1500);
        // 409: the job ended before the cancel arrived.
        await expectStatus(`cancel ${jobId}`, await fetch(`${base}/v2/jobs/${jobId}/cancel`, { method: "POST", headers: auth }), [200, 409]);
      }
    });
    console.log(`chaos: ${jobs.size} jobs admitted in ${Math.round((Date.now() - started) / 1000)} s; waiting for them to end`);

    // Wait for every job to end, and for every webhook to be delivered or given up.
    const views = new Map<string, JobView>();
    const read = async (id: string): Promise<JobView> => {
      const res = await fetch(`${base}/v2/jobs/${id}`, { headers: auth, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      return expectStatus<JobView>(`GET /v2/jobs/${id}`, res, [200]);
    };
    const settled = (v: JobView | undefined, plan: PlannedJob) =>
      v !== undefined && TERMINAL.has(v.status) && (!plan.webhook || v.webhookStatus === "delivered" || v.webhookStatus === "failed");
    for (;;) {
      const open = [...jobs].filter(([id, plan]) => !settled(views.get(id), plan)).map(([id]) => id);
      if (open.length === 0 || Date.now() > deadline) break;
      await pool(open, CONCURRENCY, async (id) => void views.set(id, await read(id)));
      await sleep(1000);
    }

    // Check. A step still in flight when its job was cancelled records its upstream attempt afterwards: let those land,
    // then read every job once more.
    await sleep(5000);
    await pool([...jobs.keys()], CONCURRENCY, async (id) => void views.set(id, await read(id)));
    await sim.control("/_sim/faults", { method: "DELETE" });
    const calls = (await (await sim.control("/_sim/calls")).json()) as SimCall[];
    const callsByTag = new Map<string, SimCall[]>();
    for (const call of calls) {
      const tag = /chaos-\w+-\d+/.exec(call.prompt ?? "")?.[0];
      if (tag) callsByTag.set(tag, [...(callsByTag.get(tag) ?? []), call]);
    }
    const count = (status: string) => [...views.values()].filter((v) => v.status === status).length;
    let filesVerified = 0;
    let duplicated = 0;
    let webhooksExpected = 0;
    let webhooksVerified = 0;
    const problems: string[] = [];
    for (const [id, plan] of jobs) {
      const view = views.get(id);
      if (!view || !TERMINAL.has(view.status)) {
        problems.push(`lost: ${id} ${view?.status ?? "never read"}`);
        continue;
      }
      const dup = duplicatedCreates(view, callsByTag.get(plan.tag) ?? []);
      if (dup > 0) {
        const creates = (callsByTag.get(plan.tag) ?? []).filter((c) => c.method === "POST").map((c) => `${c.provider} ${c.path} ${c.status} ${c.idempotencyKey ?? ""}`);
        const trail = view.attempts.map((a) => `${a.provider}:${a.outcome}`);
        problems.push(`duplicated upstream create: ${id} (${dup}) attempts [${trail.join(", ")}] upstream [${creates.join("; ")}]`);
      }
      duplicated += dup;
      if (view.status === "COMPLETED") {
        const { verified, bad } = await verifyFiles(view);
        filesVerified += verified;
        problems.push(...bad.map((b) => `file: ${b}`));
      }
      if (plan.webhook) {
        webhooksExpected++;
        const got = receiver.verified.get(id) ?? [];
        if (got.some((w) => w.type === terminalEvent(view.status))) webhooksVerified++;
        else problems.push(`webhook: ${id} ${view.status} not delivered (webhookStatus ${view.webhookStatus})`);
      }
    }
    const account = await expectStatus<{ credits: { balance: number; reserved: number; spent: number; granted: number } }>(
      "GET /v2/me",
      await fetch(`${base}/v2/me`, { headers: auth }),
      [200],
    );
    const c = account.credits;
    const expectedSpent = [...views.values()].filter((v) => v.status === "COMPLETED").reduce((s, v) => s + v.creditCost, 0);
    const ledgerBalanced = c.granted === c.balance + c.reserved + c.spent && c.reserved === 0;
    const doubleCharged = Math.max(0, c.spent - expectedSpent);
    if (!ledgerBalanced) problems.push(`ledger: ${JSON.stringify(c)}`);
    if (c.spent !== expectedSpent) problems.push(`ledger: spent ${c.spent}, completed jobs cost ${expectedSpent}`);
    // The usage report, summed by the account from the same ledger, must say the same (the run's days, in UTC).
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const usage = await expectStatus<{ totals: UsageTotals }>(
      "GET /v2/usage",
      await fetch(`${base}/v2/usage?groupBy=model&from=${day(started)}&to=${day(Date.now())}`, { headers: auth }),
      [200],
    );
    const usageProblems = usageDisagreements(usage.totals, c, [...views.values()]);
    problems.push(...usageProblems);
    if (idempotencyMismatches > 0) problems.push(`idempotency: ${idempotencyMismatches} replays got another job`);
    if (receiver.forged > 0) problems.push(`webhooks: ${receiver.forged} deliveries failed verification`);
    for (const p of problems.slice(0, 40)) console.error(`chaos problem: ${p}`);
    // A provider refusing what imagegate accepted ("invalid") points at a mapping mistake: show those.
    for (const v of [...views.values()].filter((v) => v.errorCode === "invalid").slice(0, 5)) {
      console.error(`chaos note: ${v.id} failed invalid: ${(v as JobView & { error?: string }).error}`);
    }

    const terminal = count("COMPLETED") + count("FAILED") + count("CANCELLED");
    const lost = jobs.size - terminal;
    const apiCalls = calls.filter((call) => call.kind === "api");
    const faulted = apiCalls.filter((call) => (call as SimCall & { fault?: string | null }).fault).length;
    console.log(
      `chaos: ${Math.round((Date.now() - started) / 1000)} s; ${apiCalls.length} upstream API calls, ${faulted} (${Math.round((100 * faulted) / apiCalls.length)}%) ` +
        `with a fault injected, ${calls.length - apiCalls.length} image downloads and uploads; ` +
        `${receiver.refused} webhook deliveries refused by the receiver; errorCodes ${JSON.stringify(
          Object.fromEntries([...new Set([...views.values()].map((v) => v.errorCode))].filter(Boolean).map((code) => [code, [...views.values()].filter((v) => v.errorCode === code).length])),
        )}`,
    );
    const u = usage.totals;
    console.log(
      `chaos: usage jobs=${u.jobs.total} completed=${u.jobs.completed} failed=${u.jobs.failed} cancelled=${u.jobs.cancelled} images=${u.images} ` +
        `spent=${u.credits.spent} held=${u.credits.held} refunded=${u.credits.refunded}; ledger spent=${c.spent} reserved=${c.reserved}; usageAgrees=${usageProblems.length === 0}`,
    );
    console.log(
      `chaos: submitted=${jobs.size} terminal=${terminal} lost=${lost} completed=${count("COMPLETED")} failed=${count("FAILED")} cancelled=${count("CANCELLED")} ` +
        `doubleCharged=${doubleCharged} ledgerBalanced=${ledgerBalanced} filesVerified=${filesVerified} webhooksVerified=${webhooksVerified}`,
    );
    const ok = lost === 0 && doubleCharged === 0 && ledgerBalanced && duplicated === 0 && problems.length === 0 && webhooksVerified === webhooksExpected;
    await receiver.close();
    process.exitCode = ok ? 0 : 1;
  } finally {
    await gw.dispose();
    sim.stop();
  }
}

await main();
