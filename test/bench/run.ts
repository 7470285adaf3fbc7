// npm run bench: imagegate beside the floor (a bare Worker writing/reading one Durable Object row) and the provider
// simulator, in one workerd, alternating A B A B; prints ratios and writes bench-results/bench.json.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildBundle, startGateway } from "../harness/gateway.ts";
import { startSimulator } from "../harness/simulator.ts";
import { alternate, throughput } from "./measure.ts";
import { rssBytes, sampleWhile, workerdPid } from "./memory.ts";
import { ratio, round } from "./stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const KEY = "ig_test_benchbenchbenchbenchbenchbench12";
const SIM_LATENCY_MS = Number(process.env.BENCH_SIM_LATENCY_MS ?? 50);
const INGEST_BYTES = 64 * 1024 * 1024;
const OPENAI_KEY = "sk-bench-0123456789abcdef";
const APIFRAME_KEY = "afk_bench_0123456789abcdef";

const json = (body: unknown, extra: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, ...extra },
  body: JSON.stringify(body),
});

async function measureIngest(
  gateway: URL,
  sim: Awaited<ReturnType<typeof startSimulator>>,
  at: (base: URL, path: string) => string,
): Promise<Record<string, number>> {
  const match = `ingest-${Date.now()}`;
  await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "apiframe", fault: "big_image", bytes: INGEST_BYTES, match, count: 1 }) });
  const pid = workerdPid();
  await new Promise((r) => setTimeout(r, 500));
  const baseline = rssBytes(pid);
  const created = await fetch(
    at(gateway, "/v2/images/generate"),
    json({ prompt: `${match} a very large image`, model: "gpt-image-1.5", provider: "apiframe", gptImageParams: { quality: "low", output_format: "png" } }),
  );
  const { jobId } = (await created.json()) as { jobId: string };
  const finished = (async () => {
    for (;;) {
      const job = (await (await fetch(at(gateway, `/v2/jobs/${jobId}`), { headers: { authorization: `Bearer ${KEY}` } })).json()) as {
        status: string;
        result: { files: { byteSize: number }[] } | null;
        error: string | null;
      };
      if (job.status === "COMPLETED") return job.result!.files[0]!.byteSize;
      if (job.status === "FAILED" || job.status === "CANCELLED") throw new Error(`ingest job ${job.status}: ${job.error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const { result: byteSize, samples } = await sampleWhile(pid, 10, finished);
  if (byteSize < INGEST_BYTES) throw new Error(`ingested only ${byteSize} bytes`);
  const mib = (n: number) => round(n / 1024 / 1024, 1);
  return { imageMiB: mib(byteSize), baselineRssMiB: mib(baseline), peakRssMiB: mib(Math.max(...samples)), growthMiB: mib(Math.max(...samples) - baseline), samples: samples.length };
}

/** Time from starting a fresh workerd with one Worker to its first answer, median of `runs`: imagegate vs the floor. */
async function startup(bundleDir: string, runs = 3): Promise<Record<string, number>> {
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

async function main(): Promise<void> {
  const bundleDir = buildBundle();
  const bundle = readdirSync(bundleDir).filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(bundleDir, f)));
  const bundleBytes = Buffer.concat(bundle);
  const sim = await startSimulator({ SIM_LATENCY_MS: String(SIM_LATENCY_MS) });
  const gw = await startGateway(
    {
      vars: {
        ENVIRONMENT: "development",
        DEV_API_KEY: KEY,
        FILE_SIGNING_SECRET: "bench-secret",
        // Every job goes upstream to the simulator, the way production jobs go to providers.
        SANDBOX: "off",
        PROVIDER_ORDER: "openai,apiframe",
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: `${sim.url}/openai/v1`,
        APIFRAME_API_KEY: APIFRAME_KEY,
        APIFRAME_BASE_URL: `${sim.url}/apiframe`,
      },
      withFloor: true,
    },
    bundleDir,
  );
  const at = (base: URL, path: string): string => new URL(path, base).href;
  const floor = gw.floorUrl!;
  const report: Record<string, unknown> = { date: new Date().toISOString(), runtime: "workerd via Miniflare direct sockets (no dev proxy)", rounds: ROUNDS };
  try {
    // create
    const create = await alternate(
      { call: () => fetch(at(gw.url, "/v2/images/generate"), json({ prompt: "bench", model: "gpt-image-2" })), expect: [202] },
      { call: () => fetch(at(floor, "/write"), json({ prompt: "bench", model: "gpt-image-2" })), expect: [202] },
      ROUNDS,
    );
    // poll a finished job
    const made = (await (await fetch(at(gw.url, "/v2/images/generate"), json({ prompt: "poll me", model: "gpt-image-2" }))).json()) as { jobId: string };
    const floorId = ((await (await fetch(at(floor, "/write"), json({ prompt: "poll me" }))).json()) as { id: string }).id;
    const getJob = () => fetch(at(gw.url, `/v2/jobs/${made.jobId}`), { headers: { authorization: `Bearer ${KEY}` } });
    for (let i = 0; i < 200; i++) {
      const job = (await (await getJob()).json()) as { status: string };
      if (job.status === "COMPLETED") break;
      if (i === 199) throw new Error(`job did not complete: ${job.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const readFloor = () => fetch(at(floor, `/read/${floorId}`));
    const poll = await alternate({ call: getJob, expect: [200] }, { call: readFloor, expect: [200] }, ROUNDS);
    // throughput, A B A B
    const rates = { imagegate: [] as number[], floor: [] as number[] };
    for (let i = 0; i < 2; i++) {
      rates.imagegate.push(await throughput(getJob, [200], CONCURRENCY, SECONDS));
      rates.floor.push(await throughput(readFloor, [200], CONCURRENCY, SECONDS));
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    // sync: the OpenAI surface through imagegate vs the same call straight to the simulator
    const openaiBody = { model: "gpt-image-2", prompt: "sync bench", size: "1024x1024", quality: "low" };
    const sync = await alternate(
      { call: () => fetch(at(gw.url, "/v1/images/generations"), json(openaiBody)), expect: [200] },
      { call: () => fetch(`${sim.url}/openai/v1/images/generations`, { ...json(openaiBody), headers: { "content-type": "application/json", authorization: `Bearer ${OPENAI_KEY}` } }), expect: [200] },
      Math.max(20, Math.floor(ROUNDS / 5)),
      5,
    );
    // ingest: workerd's resident memory while a 64 MB upstream image is copied into R2
    const ingest = await measureIngest(gw.url, sim, at);
    Object.assign(report, {
      create: { imagegate: create.a, floor: create.b, p50Ratio: ratio(create.a.p50, create.b.p50), p99Ratio: ratio(create.a.p99, create.b.p99) },
      poll: { imagegate: poll.a, floor: poll.b, p50Ratio: ratio(poll.a.p50, poll.b.p50), p99Ratio: ratio(poll.a.p99, poll.b.p99) },
      sync: { imagegate: sync.a, direct: sync.b, simulatorLatencyMs: SIM_LATENCY_MS, p50Ratio: ratio(sync.a.p50, sync.b.p50), p99Ratio: ratio(sync.a.p99, sync.b.p99) },
      ingest,
      throughput: { concurrency: CONCURRENCY, imagegateRps: round(mean(rates.imagegate), 1), floorRps: round(mean(rates.floor), 1), ratio: ratio(mean(rates.imagegate), mean(rates.floor)) },
      bundle: { minifiedKiB: round(bundleBytes.length / 1024, 1), gzipKiB: round(gzipSync(bundleBytes, { level: 9 }).length / 1024, 1) },
    });
  } finally {
    await gw.dispose();
    sim.stop();
  }
  report.startup = await startup(bundleDir);
  print(report);
  mkdirSync("bench-results", { recursive: true });
  writeFileSync("bench-results/bench.json", JSON.stringify(report, null, 2) + "\n");
}

function print(r: Record<string, any>): void {
  const line = (name: string, x: { imagegate: { p50: number; p99: number }; floor: { p50: number; p99: number }; p50Ratio: number; p99Ratio: number }, floorName: string) =>
    console.log(`${name.padEnd(10)} p50 ${x.p50Ratio}x (${x.imagegate.p50} ms vs ${x.floor.p50} ms ${floorName})  p99 ${x.p99Ratio}x (${x.imagegate.p99} vs ${x.floor.p99})`);
  console.log(`bench: ${r.runtime}, ${r.rounds} rounds each, alternating`);
  line("create", r.create, "floor write");
  line("poll", r.poll, "floor read");
  line("sync", { ...r.sync, floor: r.sync.direct }, `direct to the simulator at ${r.sync.simulatorLatencyMs} ms`);
  console.log(`ingest     ${r.ingest.growthMiB} MiB workerd RSS growth copying a ${r.ingest.imageMiB} MiB image into R2 (baseline ${r.ingest.baselineRssMiB} MiB, peak ${r.ingest.peakRssMiB} MiB)`);
  console.log(`throughput ${r.throughput.ratio}x (${r.throughput.imagegateRps} vs ${r.throughput.floorRps} req/s floor read, concurrency ${r.throughput.concurrency})`);
  console.log(`bundle     ${r.bundle.gzipKiB} KiB gzip (${r.bundle.minifiedKiB} KiB minified)`);
  console.log(`startup    ${r.startup.ratio}x (${r.startup.imagegateMs} ms vs ${r.startup.floorMs} ms floor, fresh workerd to first answer)`);
}

await main();
