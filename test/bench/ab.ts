// npm run bench:ab -- <git rev> [rounds]: the working tree's build ("new") against the build of <rev> ("old"), side by
// side in one workerd with the floor and the simulator, calls rotating old / new / floor, so both builds meet the
// same noise (a shared machine). Prints p50s and new ÷ old for poll, create, sync, and poll throughput, and workerd's
// CPU time per poll.
import { buildBundle, spawnGateway } from "../harness/gateway.ts";
import { startSimulator } from "../harness/simulator.ts";
import { cpuPerRequest, rotate, throughput, type Call } from "./measure.ts";
import { cpuMs } from "./memory.ts";
import { auth, benchModel, benchVars, completedJobId, floorWrite, OPENAI_KEY, post, syncBody } from "./setup.ts";
import { ratio, round } from "./stats.ts";

const rev = process.argv[2];
if (!rev) throw new Error("usage: node test/bench/ab.ts <git rev> [rounds] [figures, e.g. poll,throughput,create,createcpu,sync,synccpu,bigcpu]");
const ROUNDS = Number(process.argv[3] ?? 300);
const FIGURES = new Set((process.argv[4] ?? "poll,cpu,throughput,create,sync").split(","));
/** Rounds of the CPU figures' batches (CPU_ROUNDS): more of them average out a shared machine's noise. */
const CPU_ROUNDS = Number(process.env.CPU_ROUNDS ?? 3);

const oldDir = buildBundle({ rev });
const newDir = buildBundle();
const sim = await startSimulator({ SIM_LATENCY_MS: "50" });
const gw = await spawnGateway({ vars: benchVars(sim.url), withFloor: true, floorUpstream: sim.url, baselineDir: oldDir }, newDir);
const builds = { old: gw.baselineUrl!, new: gw.url };
const floor = gw.floorUrl!;

function show(name: string, [o, n, f]: { p50: number }[]): void {
  const floorPart = f ? `, floor ${f.p50} ms (old ${ratio(o!.p50, f.p50)}x, new ${ratio(n!.p50, f.p50)}x)` : "";
  console.log(`${name.padEnd(10)} old ${o!.p50} ms, new ${n!.p50} ms: new/old ${ratio(n!.p50, o!.p50)}${floorPart}`);
}

try {
  // From the new build's catalogue: an old build that lacks the model refuses the first create, which ends the run.
  const model = await benchModel(builds.new);
  if (FIGURES.has("poll") || FIGURES.has("throughput") || FIGURES.has("cpu")) {
    const jobs: Record<string, string> = {};
    for (const [name, base] of Object.entries(builds)) jobs[name] = await completedJobId(base, model);
    const id = await floorWrite(floor, { prompt: "poll me" });
    const get = (name: keyof typeof builds): Call => () => fetch(new URL(`/v2/jobs/${jobs[name]}`, builds[name]), auth);
    const readFloor: Call = () => fetch(new URL(`/read/${id}`, floor));
    const sides = [{ call: get("old"), expect: [200] }, { call: get("new"), expect: [200] }, { call: readFloor, expect: [200] }];
    if (FIGURES.has("poll")) show("poll", await rotate(sides, ROUNDS));
    if (FIGURES.has("cpu")) {
      const [o, n, f] = (await cpuPerRequest(() => cpuMs(gw.workerdPid), sides)).map((ms) => round(ms, 3));
      console.log(`cpu        workerd ms per poll: old ${o}, new ${n}, floor ${f}: new/old ${ratio(n!, o!)}, old ${ratio(o!, f!)}x floor, new ${ratio(n!, f!)}x floor`);
    }
    if (FIGURES.has("throughput")) {
      const rps = { old: 0, new: 0, floor: 0 };
      for (let i = 0; i < 3; i++) {
        rps.old += await throughput(get("old"), [200], 8, 2);
        rps.new += await throughput(get("new"), [200], 8, 2);
        rps.floor += await throughput(readFloor, [200], 8, 2);
      }
      console.log(`throughput old ${round(rps.old / 3, 1)}/s, new ${round(rps.new / 3, 1)}/s, floor ${round(rps.floor / 3, 1)}/s: new/old ${ratio(rps.new, rps.old)}, old ${ratio(rps.old, rps.floor)}x floor, new ${ratio(rps.new, rps.floor)}x floor`);
    }
  }
  if (FIGURES.has("create")) {
    const hold = `bench-create-${crypto.randomUUID()}`;
    await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "openai", fault: "latency", latencyMs: 3_600_000, match: hold, count: null }) });
    const create = (base: URL): Call => () => fetch(new URL("/v2/images/generate", base), post({ prompt: hold, model: model.id }));
    show("create", await rotate([{ call: create(builds.old), expect: [202] }, { call: create(builds.new), expect: [202] }, { call: () => fetch(new URL("/write", floor), post({ prompt: hold, model: model.id })), expect: [202] }], ROUNDS, { gapMs: 10 }));
  }
  if (FIGURES.has("createcpu")) {
    // An async create's whole cost: admission, the JobDO, and its first alarm up to the upstream call (held here).
    const hold = `bench-createcpu-${crypto.randomUUID()}`;
    await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "openai", fault: "latency", latencyMs: 3_600_000, match: hold, count: null }) });
    const create = (base: URL): Call => () => fetch(new URL("/v2/images/generate", base), post({ prompt: hold, model: model.id }));
    const write: Call = () => fetch(new URL("/write", floor), post({ prompt: hold, model: model.id }));
    const sides = [create(builds.old), create(builds.new), write].map((call) => ({ call, expect: [202] }));
    const [o, n, f] = (await cpuPerRequest(() => cpuMs(gw.workerdPid), sides, 50, CPU_ROUNDS)).map((ms) => round(ms, 3));
    console.log(`createcpu  workerd ms per create: old ${o}, new ${n}, floor ${f}: new/old ${ratio(n!, o!)}, new ${ratio(n!, f!)}x floor`);
  }
  if (FIGURES.has("sync")) {
    const body = syncBody(model);
    const sync = (base: URL): Call => () => fetch(new URL("/v1/images/generations", base), post(body));
    const direct: Call = () => fetch(`${sim.url}/openai/v1/images/generations`, post(body, { authorization: `Bearer ${OPENAI_KEY}` }));
    show("sync", await rotate([{ call: sync(builds.old), expect: [200] }, { call: sync(builds.new), expect: [200] }, { call: direct, expect: [200] }], Math.max(20, Math.floor(ROUNDS / 5)), { warmup: 5 }));
  }
  if (FIGURES.has("synccpu")) {
    // SYNC_IMAGE_MB: answers of that size (b64_json, as a real 1024x1024 PNG of 1.5–3 MB), instead of the 20 KB PNG.
    const imageMb = Number(process.env.SYNC_IMAGE_MB ?? 0);
    const match = `sync-${crypto.randomUUID()}`;
    if (imageMb > 0) await sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "openai", fault: "big_image", bytes: imageMb * 1024 * 1024, match, count: null }) });
    const body = imageMb > 0 ? { ...syncBody(model), prompt: match } : syncBody(model);
    const sync = (base: URL): Call => () => fetch(new URL("/v1/images/generations", base), post(body));
    const durable: Call = () => fetch(new URL("/durable/openai/v1/images/generations", floor), post(body, { authorization: `Bearer ${OPENAI_KEY}` }));
    const [o, n, d] = (await cpuPerRequest(() => cpuMs(gw.workerdPid), [{ call: sync(builds.old), expect: [200] }, { call: sync(builds.new), expect: [200] }, { call: durable, expect: [200] }], 50, CPU_ROUNDS)).map((ms) => round(ms, 3));
    console.log(`synccpu    workerd ms per sync call${imageMb > 0 ? ` (${imageMb} MB images)` : ""}: old ${o}, new ${n}, durable floor ${d}: new/old ${ratio(n!, o!)}, new ${ratio(n!, d!)}x the durable floor`);
  }
  if (FIGURES.has("bigcpu")) {
    // A 3840x2160-sized answer: BIG_IMAGE_MB of PNG as base64 (a third more). imagegate stores it streamed, with its
    // sha256; the reference decodes it whole with the runtime's base64 and WebCrypto. Both in CPU ms per MB of image.
    const mb = Number(process.env.BIG_IMAGE_MB ?? 16);
    const body = (prompt: string) => ({ ...syncBody(model), prompt });
    const big = async (prompt: string) =>
      sim.control("/_sim/faults", { method: "POST", body: JSON.stringify({ provider: "openai", fault: "big_image", bytes: mb * 1024 * 1024, match: prompt, count: null }) });
    const prompts = { old: `big-old-${crypto.randomUUID()}`, new: `big-new-${crypto.randomUUID()}`, ref: `big-ref-${crypto.randomUUID()}` };
    for (const prompt of Object.values(prompts)) await big(prompt);
    // BIG_FORMAT=b64_json answers with the image too (read back from R2 and base64'd), as a client that asks for it gets.
    const format = process.env.BIG_FORMAT ?? "url";
    const sync = (base: URL, prompt: string): Call => () => fetch(new URL("/v1/images/generations", base), post({ ...body(prompt), response_format: format }));
    const decode = (query: string): Call => () => fetch(new URL(`/decode/openai/v1/images/generations${query}`, floor), post(body(prompts.ref), { authorization: `Bearer ${OPENAI_KEY}` }));
    const sides = [sync(builds.old, prompts.old), sync(builds.new, prompts.new), decode(""), decode("?store")].map((call) => ({ call, expect: [200] }));
    const [o, n, r, s] = (await cpuPerRequest(() => cpuMs(gw.workerdPid), sides, 3, 3)).map((ms) => round(ms / mb, 3));
    console.log(`bigcpu     workerd ms per MB of a ${mb} MB image: old ${o}, new ${n}, fromBase64 + sha256 ${r} (and an R2 put ${s}): new/old ${ratio(n!, o!)}, new ${ratio(n!, r!)}x the runtime's (${ratio(n!, s!)}x with the put)`);
  }
} finally {
  await gw.dispose();
  sim.stop();
}
