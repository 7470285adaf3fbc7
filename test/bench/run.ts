// npm run bench: imagegate beside the floor (a bare Worker writing/reading one Durable Object row) and the provider
// simulator, in one workerd, alternating A B A B; prints ratios and writes bench-results/bench.json.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildBundle, startGateway } from "../harness/gateway.ts";
import { alternate, throughput } from "./measure.ts";
import { ratio, round } from "./stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const KEY = "ig_test_benchbenchbenchbenchbenchbench12";

const json = (body: unknown, extra: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, ...extra },
  body: JSON.stringify(body),
});

async function main(): Promise<void> {
  const bundleDir = buildBundle();
  const bundle = readdirSync(bundleDir).filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(bundleDir, f)));
  const bundleBytes = Buffer.concat(bundle);
  const gw = await startGateway(
    { vars: { ENVIRONMENT: "development", DEV_API_KEY: KEY, FILE_SIGNING_SECRET: "bench-secret", SANDBOX_LATENCY_MS: "20" }, withFloor: true },
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
    Object.assign(report, {
      create: { imagegate: create.a, floor: create.b, p50Ratio: ratio(create.a.p50, create.b.p50), p99Ratio: ratio(create.a.p99, create.b.p99) },
      poll: { imagegate: poll.a, floor: poll.b, p50Ratio: ratio(poll.a.p50, poll.b.p50), p99Ratio: ratio(poll.a.p99, poll.b.p99) },
      throughput: { concurrency: CONCURRENCY, imagegateRps: round(mean(rates.imagegate), 1), floorRps: round(mean(rates.floor), 1), ratio: ratio(mean(rates.imagegate), mean(rates.floor)) },
      bundle: { minifiedKiB: round(bundleBytes.length / 1024, 1), gzipKiB: round(gzipSync(bundleBytes, { level: 9 }).length / 1024, 1) },
    });
  } finally {
    await gw.dispose();
  }
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
  console.log(`throughput ${r.throughput.ratio}x (${r.throughput.imagegateRps} vs ${r.throughput.floorRps} req/s floor read, concurrency ${r.throughput.concurrency})`);
  console.log(`bundle     ${r.bundle.gzipKiB} KiB gzip (${r.bundle.minifiedKiB} KiB minified)`);
}

await main();
