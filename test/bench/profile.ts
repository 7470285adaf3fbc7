// npm run bench:profile -- <create|poll|sync|bigimage|floor-read|floor-write|floor-decode> [seconds]: a V8 CPU
// profile of imagegate's isolate (the Worker and its Durable Objects), or the floor's, while one route is driven in a
// loop, taken through workerd's inspector. Prints the functions with the most self time and the heaviest call paths,
// so that a slow route shows where its milliseconds go.
// The bundle is built unminified so that function names survive; it is otherwise the bundle `npm run bench` runs.
import { mkdirSync, writeFileSync } from "node:fs";
import { buildBundle, spawnGateway } from "../harness/gateway.ts";
import { startSimulator } from "../harness/simulator.ts";
import { inspectorSession } from "./inspector.ts";
import { timed } from "./measure.ts";
import { auth, benchModel, benchVars, completedJobId, floorWrite, OPENAI_KEY, post, syncBody } from "./setup.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function report(profile: Profile, requests: number, top = Number(process.env.PROFILE_TOP ?? 30)): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const label = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  const inclusiveBy = new Map<string, number>();
  for (const [id, us] of self) {
    selfBy.set(label(byId.get(id)!), (selfBy.get(label(byId.get(id)!)) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusiveBy.set(l, (inclusiveBy.get(l) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)").reduce((a, [, us]) => a + us, 0);
  const busyMs = (total - idle) / 1000;
  console.log(`\nsampled ${(total / 1000).toFixed(0)} ms, of which not idle ${busyMs.toFixed(0)} ms: ${(busyMs / requests).toFixed(2)} ms a request`);
  console.log("\nself time:");
  for (const [l, us] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${l}`);
  console.log("\ninclusive time:");
  for (const [l, us] of [...inclusiveBy].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${l}`);
}

async function main(): Promise<void> {
  const scenario = process.argv[2] ?? "poll";
  const seconds = Number(process.argv[3] ?? 5);
  const sim = await startSimulator({ SIM_LATENCY_MS: "50" });
  const floor = scenario.startsWith("floor");
  const big = scenario === "bigimage" || scenario === "floor-decode";
  const gw = await spawnGateway({ vars: benchVars(sim.url), inspect: true, withFloor: floor, ...(floor ? { floorUpstream: sim.url } : {}) }, buildBundle({ minify: false }));
  try {
    const at = (path: string) => new URL(path, gw.url).href;
    const model = await benchModel(gw.url);
    let call: () => Promise<Response>;
    if (scenario === "floor-write") {
      call = () => fetch(new URL("/write", gw.floorUrl!), post({ prompt: "bench", model: model.id }));
    } else if (scenario === "floor-read") {
      const id = await floorWrite(gw.floorUrl!, { prompt: "poll me" });
      call = () => fetch(new URL(`/read/${id}`, gw.floorUrl!));
    } else if (scenario === "create") {
      // As in the benchmark: the jobs wait on an upstream call that does not answer, so only admission is profiled.
      const hold = `bench-create-${crypto.randomUUID()}`;
      await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "openai", fault: "latency", latencyMs: 3_600_000, match: hold, count: null }) });
      call = () => fetch(at("/v2/images/generate"), post({ prompt: hold, model: model.id }));
    } else if (scenario === "bigimage" || scenario === "floor-decode") {
      // A 3840x2160-sized answer (BIG_IMAGE_MB of PNG as base64): imagegate stores it and answers a URL; the floor
      // decodes it whole with Uint8Array.fromBase64 and hashes it (run.ts's large-image reference).
      const prompt = `big-${crypto.randomUUID()}`;
      const bytes = Number(process.env.BIG_IMAGE_MB ?? 16) * 1024 * 1024;
      await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "openai", fault: "big_image", bytes, match: prompt, count: null }) });
      const body = { ...syncBody(model), prompt };
      call = scenario === "bigimage"
        ? () => fetch(at("/v1/images/generations"), post({ ...body, response_format: "url" }))
        : () => fetch(new URL("/decode/openai/v1/images/generations", gw.floorUrl!), post(body, { authorization: `Bearer ${OPENAI_KEY}` }));
    } else if (scenario === "sync") {
      const body = syncBody(model);
      call = () => fetch(at("/v1/images/generations"), post(body));
    } else {
      const jobId = await completedJobId(gw.url, model);
      call = () => fetch(at(`/v2/jobs/${jobId}`), auth);
    }
    // The warm-up checks each answer: a refused call would otherwise be profiled as if it were the route.
    const expect = scenario === "create" || scenario === "floor-write" ? [202] : [200];
    for (let i = 0; i < (big ? 3 : 50); i++) await timed(call, expect);
    const s = await inspectorSession(gw.inspectorUrl!, floor ? "core:user:floor" : "core:user:imagegate");
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: 100 });
    await s.send("Profiler.start");
    const until = performance.now() + seconds * 1000;
    let n = 0;
    while (performance.now() < until) {
      await (await call()).arrayBuffer();
      n++;
    }
    const { profile } = await s.send<{ profile: Profile }>("Profiler.stop");
    s.close();
    console.log(`${scenario}: ${n} requests in ${seconds} s (${((seconds * 1000) / n).toFixed(2)} ms each, profiler on)`);
    mkdirSync("bench-results", { recursive: true });
    writeFileSync(`bench-results/${scenario}.cpuprofile`, JSON.stringify(profile));
    console.log(`profile written to bench-results/${scenario}.cpuprofile (Chrome DevTools › Performance opens it)`);
    report(profile, n);
  } finally {
    await gw.dispose();
    sim.stop();
  }
}

await main();
