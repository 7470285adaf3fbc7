// npm run bench: imagegate beside the floor (a bare Worker writing/reading one Durable Object row) and the provider
// simulator, in one workerd, alternating A B A B; prints ratios and writes bench-results/bench.json (BENCH_OUT).
// What keeps it fair (each measured; see test/harness/gateway.ts and floor-worker.ts):
// - the gateway (Miniflare + workerd) runs in a process of its own, not in this one, which only sends and times;
// - Miniflare's assets router is left out (an emulation of the platform's static assets, in front of imagegate only);
// - the floor writes one log line per request, as imagegate does (each line costs any Worker the same locally);
// - creates' jobs are held upstream, and a gap follows each create, so no job's work is timed as another call's.
// BENCH_ONLY=create,poll,throughput,sync,bigimage,ingest,startup runs a subset (the bundle size is always reported);
// BENCH_REV=<git revision> measures that revision's Worker instead of the working tree's (same harness).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { activeModels, qualitiesByPrice, servedBy, type LiveModel } from "../harness/catalogue.ts";
import { buildBundle, spawnGateway, startGateway } from "../harness/gateway.ts";
import { startSimulator, type RunningSimulator } from "../harness/simulator.ts";
import { alternate, cpuPerRequest, rotate, throughput } from "./measure.ts";
import { inspectorSession, isolateBytes } from "./inspector.ts";
import { cpuMs, rssBytes, sampleWhile } from "./memory.ts";
import { APIFRAME_KEY, auth, benchModel, benchVars, completedJob, completedJobId, createJob, floorWrite, OPENAI_KEY, post, syncBody } from "./setup.ts";
import { ratio, round } from "./stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SIM_LATENCY_MS = Number(process.env.BENCH_SIM_LATENCY_MS ?? 50);
/** Quiet after each create, so that the job's dispatch (an alarm right after admission) is not timed as the next call. */
const CREATE_GAP_MS = Number(process.env.BENCH_CREATE_GAP_MS ?? 10);
const INGEST_BYTES = 64 * 1024 * 1024;
/** How long one ingest job may take before the run gives up on it: far above the seconds it takes. */
const INGEST_TIMEOUT_MS = 120_000;
const ONLY = new Set((process.env.BENCH_ONLY ?? "create,poll,throughput,sync,bigimage,ingest,startup").split(","));
/** The size of the large-image figure's PNG: a 3840x2160 image's, whose base64 is a third more. */
const BIG_IMAGE_MB = Number(process.env.BIG_IMAGE_MB ?? 16);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (n: number) => round(n / 1024 / 1024, 1);

type Ingest = (bytes: number) => Promise<number>;

/**
 * A job of `model` made straight on the simulator's apiframe, whose image is padded to `bytes` and which is aged
 * until it has completed there; returns the image's URL.
 */
async function bigImageUrl(sim: RunningSimulator, bytes: number, model: string): Promise<string> {
  const match = `floor-ingest-${crypto.randomUUID()}`;
  const key = { "x-api-key": APIFRAME_KEY };
  await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "apiframe", fault: "big_image", bytes, match, count: 1 }) });
  const created = await fetch(`${sim.url}/apiframe/v2/images/generate`, post({ prompt: match, model }, key));
  if (created.status !== 202) throw new Error(`the simulator's apiframe answered ${created.status} to a ${model} create: ${await created.text()}`);
  const { jobId } = (await created.json()) as { jobId: string };
  await sim.control("/_sim/advance", { method: "POST", body: JSON.stringify({ ms: 60_000, match }) });
  const res = await fetch(`${sim.url}/apiframe/v2/jobs/${jobId}`, { headers: key });
  const job = (await res.json()) as { status: string; result: { images: string[] } | null };
  if (res.status !== 200 || !job.result) throw new Error(`the simulator's apiframe job ${jobId} answered ${res.status}: ${JSON.stringify(job)}`);
  return job.result.images[0]!;
}

/** imagegate: a job of `model` on apiframe whose image is `bytes` long, followed until it is stored; returns the stored size. */
const imagegateIngest = (gateway: URL, sim: RunningSimulator, model: LiveModel): Ingest => async (bytes) => {
  const match = `ingest-${crypto.randomUUID()}`;
  await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "apiframe", fault: "big_image", bytes, match, count: 1 }) });
  const jobId = await createJob(gateway, {
    prompt: `${match} a very large image`,
    model: model.id,
    provider: "apiframe",
    // png: the format of the simulator's padded image.
    [model.paramsKey]: { quality: qualitiesByPrice(model)[0], output_format: "png" },
  });
  const job = await completedJob(gateway, jobId, { timeoutMs: INGEST_TIMEOUT_MS, everyMs: 100 });
  return job.result!.files[0]!.byteSize;
};

/** The floor: a bare Worker streams the same image from the simulator straight into R2. */
const floorIngest = (floor: URL, sim: RunningSimulator, model: string): Ingest => async (bytes) => {
  const res = await fetch(new URL("/ingest", floor), post({ from: await bigImageUrl(sim, bytes, model) }));
  if (!res.ok) throw new Error(`floor ingest: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { byteSize: number }).byteSize;
};

/**
 * Resident memory growth of a fresh workerd while one image of INGEST_BYTES is copied into R2, after a small image
 * has warmed the same path up (code compiled, R2 and Durable Objects started). Beside the process's RSS, the V8 heap
 * plus ArrayBuffer backing stores of two isolates, through the inspector: the Worker's own (what its code holds) and
 * the local R2 implementation's (Miniflare's R2 bucket runs as JavaScript in the same workerd, writing files to disk).
 * imagegate's jobs use the first active model apiframe serves there; the floor, which runs without imagegate, is
 * given that model (`floorModel`) for its jobs on the simulator.
 */
async function measureIngest(
  kind: "imagegate" | "floor",
  sim: RunningSimulator,
  bundleDir: string,
  floorModel = "",
): Promise<{ model: string; figures: Record<string, number> }> {
  const gw = await spawnGateway({ vars: benchVars(sim.url), floorOnly: kind === "floor", inspect: true }, bundleDir);
  const worker = await inspectorSession(gw.inspectorUrl!, `core:user:${kind}`);
  const r2 = await inspectorSession(gw.inspectorUrl!, "r2:bucket");
  try {
    const model = kind === "floor" ? null : servedBy(await activeModels(gw.url), "apiframe");
    const ingest = model ? imagegateIngest(gw.url, sim, model) : floorIngest(gw.floorUrl!, sim, floorModel);
    await ingest(1024 * 1024);
    const pid = gw.workerdPid;
    await sleep(500);
    const heaps = async () => [await isolateBytes(worker), await isolateBytes(r2)] as const;
    const [baseline, [workerBase, r2Base]] = [rssBytes(pid), await heaps()];
    const running = ingest(INGEST_BYTES);
    const [{ result: byteSize, samples }, heapSamples] = await Promise.all([
      sampleWhile(() => rssBytes(pid), 10, running),
      sampleWhile(heaps, 20, running).then((s) => s.samples),
    ]);
    if (byteSize !== INGEST_BYTES) throw new Error(`${kind} ingested ${byteSize} bytes, not ${INGEST_BYTES}`);
    const peak = Math.max(...samples);
    const figures = {
      imageMiB: mib(byteSize),
      baselineRssMiB: mib(baseline),
      peakRssMiB: mib(peak),
      growthMiB: mib(peak - baseline),
      workerIsolateGrowthMiB: mib(Math.max(...heapSamples.map((h) => h[0])) - workerBase),
      r2IsolateGrowthMiB: mib(Math.max(...heapSamples.map((h) => h[1])) - r2Base),
      samples: samples.length,
    };
    return { model: model?.id ?? floorModel, figures };
  } finally {
    worker.close();
    r2.close();
    await gw.dispose();
  }
}

/**
 * workerd's CPU per MB of a large OpenAI answer that imagegate stores (streamed, with its sha256), against the
 * runtime's own decoding of the same answer whole (Uint8Array.fromBase64 + SHA-256), and that plus one R2 put: local R2
 * runs in the same workerd, so its work is CPU here.
 */
async function bigImageCpu(sim: RunningSimulator, bundleDir: string): Promise<Record<string, number>> {
  const gw = await spawnGateway({ vars: benchVars(sim.url), withFloor: true, floorUpstream: sim.url }, bundleDir);
  try {
    const model = await benchModel(gw.url);
    const prompts = { imagegate: `big-${crypto.randomUUID()}`, reference: `big-ref-${crypto.randomUUID()}` };
    for (const match of Object.values(prompts)) {
      await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "openai", fault: "big_image", bytes: BIG_IMAGE_MB * 1024 * 1024, match, count: null }) });
    }
    const body = (prompt: string) => ({ ...syncBody(model), prompt });
    const decode = (query: string) => () =>
      fetch(new URL(`/decode/openai/v1/images/generations${query}`, gw.floorUrl!), post(body(prompts.reference), { authorization: `Bearer ${OPENAI_KEY}` }));
    const sides = [
      () => fetch(new URL("/v1/images/generations", gw.url), post({ ...body(prompts.imagegate), response_format: "url" })),
      decode(""),
      decode("?store"),
      decode("?staged"),
    ].map((call) => ({ call, expect: [200] }));
    const [imagegate, reference, withPut, staged] = (await cpuPerRequest(() => cpuMs(gw.workerdPid), sides, 3, 3)).map((ms) => ms / BIG_IMAGE_MB);
    return {
      imageMB: BIG_IMAGE_MB,
      imagegate: round(imagegate!, 2),
      reference: round(reference!, 2),
      referenceWithPut: round(withPut!, 2),
      referenceStaged: round(staged!, 2),
      ratio: ratio(imagegate!, reference!),
      ratioWithPut: ratio(imagegate!, withPut!),
      ratioStaged: ratio(imagegate!, staged!),
    };
  } finally {
    await gw.dispose();
  }
}

/** Time from starting a fresh workerd with one Worker to its first answer, median of `runs`: imagegate vs the floor. */
async function startup(bundleDir: string, runs = 5): Promise<Record<string, number>> {
  const time = async (floorOnly: boolean): Promise<number> => {
    const started = performance.now();
    const gw = await startGateway({ vars: { ENVIRONMENT: "development", FILE_SIGNING_SECRET: "x" }, floorOnly }, bundleDir);
    const res = floorOnly ? await fetch(new URL("/read/x", gw.floorUrl!)) : await fetch(new URL("/healthz", gw.url));
    await res.arrayBuffer();
    const ms = performance.now() - started;
    await gw.dispose();
    return ms;
  };
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await time(false));
    b.push(await time(true));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return { imagegateMs: round(median(a), 1), floorMs: round(median(b), 1), ratio: ratio(median(a), median(b)) };
}

const sides = <T extends { p50: number; p99: number }>(a: T, b: T, names: [string, string]) => ({
  [names[0]]: a,
  [names[1]]: b,
  p50Ratio: ratio(a.p50, b.p50),
  p99Ratio: ratio(a.p99, b.p99),
});

async function main(): Promise<void> {
  const bundleDir = buildBundle({ rev: process.env.BENCH_REV });
  const bundleBytes = Buffer.concat(readdirSync(bundleDir).filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(bundleDir, f))));
  const sim = await startSimulator({ SIM_LATENCY_MS: String(SIM_LATENCY_MS) });
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    runtime: "workerd via Miniflare direct sockets (no dev proxy, no assets router), gateway in its own process",
    revision: process.env.BENCH_REV ?? "working tree",
    rounds: ROUNDS,
    bundle: { minifiedKiB: round(bundleBytes.length / 1024, 1), gzipKiB: round(gzipSync(bundleBytes, { level: 9 }).length / 1024, 1) },
  };
  try {
    if (["create", "poll", "throughput", "sync"].some((f) => ONLY.has(f))) {
      const gw = await spawnGateway({ vars: benchVars(sim.url), withFloor: true, floorUpstream: sim.url }, bundleDir);
      const at = (base: URL, path: string): string => new URL(path, base).href;
      const floor = gw.floorUrl!;
      try {
        const model = await benchModel(gw.url);
        report.model = model.id;
        if (ONLY.has("create")) {
          // The jobs these creates admit wait on an upstream call that does not answer during the run: after its
          // dispatch (inside the gap) a job costs nothing, so no create's job runs on while a later call is timed.
          const hold = `bench-create-${crypto.randomUUID()}`;
          await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "openai", fault: "latency", latencyMs: 3_600_000, match: hold, count: null }) });
          const create = await alternate(
            { call: () => fetch(at(gw.url, "/v2/images/generate"), post({ prompt: hold, model: model.id })), expect: [202] },
            { call: () => fetch(at(floor, "/write"), post({ prompt: hold, model: model.id })), expect: [202] },
            ROUNDS,
            { gapMs: CREATE_GAP_MS },
          );
          // CPU per create, its job's dispatch up to the held upstream call included (goal: ≤ 1.2x the floor write).
          const [cpuCreate, cpuWrite] = await cpuPerRequest(() => cpuMs(gw.workerdPid), [
            { call: () => fetch(at(gw.url, "/v2/images/generate"), post({ prompt: hold, model: model.id })), expect: [202] },
            { call: () => fetch(at(floor, "/write"), post({ prompt: hold, model: model.id })), expect: [202] },
          ], 50, 3);
          report.create = {
            ...sides(create.a, create.b, ["imagegate", "floor"]),
            gapMs: CREATE_GAP_MS,
            cpuMsPerCreate: { imagegate: round(cpuCreate!, 3), floor: round(cpuWrite!, 3), ratio: ratio(cpuCreate!, cpuWrite!) },
          };
        }
        if (ONLY.has("poll") || ONLY.has("throughput")) {
          const jobId = await completedJobId(gw.url, model);
          const floorId = await floorWrite(floor, { prompt: "poll me" });
          const getJob = () => fetch(at(gw.url, `/v2/jobs/${jobId}`), auth);
          const readFloor = () => fetch(at(floor, `/read/${floorId}`));
          if (ONLY.has("poll")) {
            const poll = await alternate({ call: getJob, expect: [200] }, { call: readFloor, expect: [200] }, ROUNDS);
            report.poll = sides(poll.a, poll.b, ["imagegate", "floor"]);
          }
          if (ONLY.has("throughput")) {
            const rates = { imagegate: [] as number[], floor: [] as number[] };
            for (let i = 0; i < 2; i++) {
              rates.imagegate.push(await throughput(getJob, [200], CONCURRENCY, SECONDS));
              rates.floor.push(await throughput(readFloor, [200], CONCURRENCY, SECONDS));
            }
            const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
            // workerd's CPU time per request: what bounds throughput, and steadier than it on a shared machine.
            const [cpuImagegate, cpuFloor] = await cpuPerRequest(() => cpuMs(gw.workerdPid), [{ call: getJob, expect: [200] }, { call: readFloor, expect: [200] }]);
            report.throughput = {
              concurrency: CONCURRENCY,
              imagegateRps: round(mean(rates.imagegate), 1),
              floorRps: round(mean(rates.floor), 1),
              ratio: ratio(mean(rates.imagegate), mean(rates.floor)),
              cpuMsPerPoll: { imagegate: round(cpuImagegate!, 3), floor: round(cpuFloor!, 3), ratio: ratio(cpuImagegate!, cpuFloor!) },
            };
          }
        }
        if (ONLY.has("sync")) {
          // The OpenAI surface through imagegate vs the same call straight to the simulator; beside them, the same call
          // through a bare Worker that only passes it on (what any Worker in front of the provider adds).
          // The durable floor (floor-worker.ts /durable/) also keeps the image in R2 and a row in a Durable Object: the
          // least a gateway that keeps what it serves must do, and what the goals are measured against.
          const body = syncBody(model);
          const openaiAuth = { authorization: `Bearer ${OPENAI_KEY}` };
          const calls = {
            imagegate: () => fetch(at(gw.url, "/v1/images/generations"), post(body)),
            direct: () => fetch(`${sim.url}/openai/v1/images/generations`, post(body, openaiAuth)),
            proxy: () => fetch(at(floor, "/proxy/openai/v1/images/generations"), post(body, openaiAuth)),
            durable: () => fetch(at(floor, "/durable/openai/v1/images/generations"), post(body, openaiAuth)),
          };
          const [viaImagegate, direct, viaProxy, viaDurable] = await rotate(
            Object.values(calls).map((call) => ({ call, expect: [200] })),
            Math.max(20, Math.floor(ROUNDS / 5)),
            { warmup: 5 },
          );
          const workers = [calls.imagegate, calls.durable, calls.proxy].map((call) => ({ call, expect: [200] }));
          const [cpuImagegate, cpuDurable, cpuProxy] = await cpuPerRequest(() => cpuMs(gw.workerdPid), workers, 50, 3);
          const rps = [0, 0, 0];
          for (let i = 0; i < 2; i++) for (const [k, w] of workers.entries()) rps[k]! += (await throughput(w.call, w.expect, CONCURRENCY, SECONDS)) / 2;
          report.sync = {
            ...sides(viaImagegate!, direct!, ["imagegate", "direct"]),
            proxy: viaProxy,
            proxyP50Ratio: ratio(viaProxy!.p50, direct!.p50),
            durable: viaDurable,
            durableP50Ratio: ratio(viaImagegate!.p50, viaDurable!.p50),
            cpuMsPerCall: { imagegate: round(cpuImagegate!, 3), durable: round(cpuDurable!, 3), proxy: round(cpuProxy!, 3), ratio: ratio(cpuImagegate!, cpuDurable!) },
            throughput: { concurrency: CONCURRENCY, imagegateRps: round(rps[0]!, 1), durableRps: round(rps[1]!, 1), proxyRps: round(rps[2]!, 1), ratio: ratio(rps[0]!, rps[1]!) },
            simulatorLatencyMs: SIM_LATENCY_MS,
          };
        }
      } finally {
        await gw.dispose();
      }
    }
    if (ONLY.has("bigimage")) report.bigImage = await bigImageCpu(sim, bundleDir);
    if (ONLY.has("ingest")) {
      const imagegate = await measureIngest("imagegate", sim, bundleDir);
      const floor = await measureIngest("floor", sim, bundleDir, imagegate.model);
      report.ingest = {
        model: imagegate.model,
        imagegate: imagegate.figures,
        floor: floor.figures,
        overFloorMiB: round(imagegate.figures.growthMiB! - floor.figures.growthMiB!, 1),
      };
    }
  } finally {
    sim.stop();
  }
  if (ONLY.has("startup")) report.startup = await startup(bundleDir);
  print(report);
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(process.env.BENCH_OUT ?? "bench-results/bench.json", JSON.stringify(report, null, 2) + "\n");
}

function print(r: Record<string, any>): void {
  const line = (name: string, x: { p50Ratio: number; p99Ratio: number } & Record<string, any>, a: string, b: string, what: string) =>
    console.log(`${name.padEnd(10)} p50 ${x.p50Ratio}x (${x[a].p50} ms vs ${x[b].p50} ms ${what})  p99 ${x.p99Ratio}x (${x[a].p99} vs ${x[b].p99})`);
  console.log(`bench: ${r.revision}; ${r.runtime}; ${r.rounds} rounds each, alternating`);
  if (r.model || r.ingest) console.log(`models     from GET /v2/models: ${[r.model && `${r.model} (create, poll, sync)`, r.ingest && `${r.ingest.model} (ingest)`].filter(Boolean).join(", ")}`);
  if (r.create) {
    line("create", r.create, "imagegate", "floor", `floor write; ${r.create.gapMs} ms gap after each call`);
    const cpu = r.create.cpuMsPerCreate;
    console.log(`           workerd CPU per create ${cpu.ratio}x the floor write's (${cpu.imagegate} vs ${cpu.floor} ms; goal ≤ 1.2x)`);
  }
  if (r.poll) line("poll", r.poll, "imagegate", "floor", "floor read");
  if (r.sync) {
    line("sync", r.sync, "imagegate", "direct", `direct to the simulator at ${r.sync.simulatorLatencyMs} ms`);
    console.log(`           a bare Worker passing the call through: p50 ${r.sync.proxyP50Ratio}x direct (${r.sync.proxy.p50} ms)`);
    const { cpuMsPerCall: cpu, throughput: t } = r.sync;
    console.log(`           vs the durable floor (pass-through + R2 put + one DO row): p50 ${r.sync.durableP50Ratio}x (${r.sync.durable.p50} ms; goal ≤ 1.15x)`);
    console.log(`           workerd CPU per call ${cpu.ratio}x the durable floor's (${cpu.imagegate} vs ${cpu.durable} ms; pass-through ${cpu.proxy} ms; goal ≤ 1.5x)`);
    console.log(`           throughput at ${t.concurrency} clients ${t.ratio}x the durable floor's (${t.imagegateRps} vs ${t.durableRps} req/s; pass-through ${t.proxyRps}; goal ≥ 0.8x)`);
  }
  if (r.bigImage) {
    const b = r.bigImage;
    console.log(
      `big image  workerd CPU per MB of a ${b.imageMB} MB image: ${b.imagegate} ms, ${b.ratio}x fromBase64 + sha256 (${b.reference} ms; goal ≤ 1.5x); ` +
        `${b.ratioWithPut}x that with one R2 put (${b.referenceWithPut} ms)`,
    );
    console.log(`           ${b.ratioStaged}x that with the R2 passes a sha256 in metadata forces: staged, read back, put (${b.referenceStaged} ms)`);
  }
  if (r.ingest) {
    const { imagegate: i, floor: f } = r.ingest;
    console.log(`ingest     ${i.growthMiB} MiB workerd RSS growth copying a ${i.imageMiB} MiB image into R2 (baseline ${i.baselineRssMiB} MiB, peak ${i.peakRssMiB} MiB)`);
    console.log(`           of which peak heap + buffers: imagegate's isolate ${i.workerIsolateGrowthMiB} MiB, local R2's isolate ${i.r2IsolateGrowthMiB} MiB`);
    console.log(
      `           floor (a bare Worker streaming it into one R2 put): ${f.growthMiB} MiB RSS (its isolate ${f.workerIsolateGrowthMiB} MiB, local R2's ${f.r2IsolateGrowthMiB} MiB); ` +
        `imagegate over the floor ${r.ingest.overFloorMiB} MiB`,
    );
  }
  if (r.throughput) {
    const cpu = r.throughput.cpuMsPerPoll;
    console.log(`throughput ${r.throughput.ratio}x (${r.throughput.imagegateRps} vs ${r.throughput.floorRps} req/s floor read, concurrency ${r.throughput.concurrency})`);
    console.log(`           workerd CPU per request ${cpu.ratio}x the floor's (${cpu.imagegate} vs ${cpu.floor} ms)`);
  }
  console.log(`bundle     ${r.bundle.gzipKiB} KiB gzip (${r.bundle.minifiedKiB} KiB minified)`);
  if (r.startup) console.log(`startup    ${r.startup.ratio}x (${r.startup.imagegateMs} ms vs ${r.startup.floorMs} ms floor, fresh workerd to first answer)`);
}

await main();
