// Timing primitives: one request timed, two request kinds alternated (A B A B), and closed-loop throughput.
import { summarise, type Summary } from "./stats.ts";

export type Call = () => Promise<Response>;

/** Times one call in milliseconds; fails loudly on an unexpected status so a broken route never looks fast. */
export async function timed(call: Call, expect: number[]): Promise<number> {
  const started = performance.now();
  const res = await call();
  const body = await res.arrayBuffer();
  const ms = performance.now() - started;
  if (!expect.includes(res.status)) throw new Error(`unexpected status ${res.status} (${expect.join(" or ")} expected): ${new TextDecoder().decode(body).slice(0, 500)}`);
  return ms;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `a` and `b` alternately, `rounds` times each, after `warmup` untimed rounds; returns both summaries. `gapMs`
 * of quiet follow every call, so that work a call leaves running in the background (a job's dispatch) is not timed
 * as part of the next call.
 */
export async function alternate(
  a: { call: Call; expect: number[] },
  b: { call: Call; expect: number[] },
  rounds: number,
  options: { warmup?: number; gapMs?: number } = {},
): Promise<{ a: Summary; b: Summary }> {
  const [sa, sb] = await rotate([a, b], rounds, options);
  return { a: sa!, b: sb! };
}

/** `alternate` for any number of sides: A B C A B C … */
export async function rotate(
  sides: { call: Call; expect: number[] }[],
  rounds: number,
  { warmup = 30, gapMs = 0 }: { warmup?: number; gapMs?: number } = {},
): Promise<Summary[]> {
  const samples = sides.map((): number[] => []);
  for (let i = 0; i < warmup + rounds; i++) {
    for (const [k, side] of sides.entries()) {
      const ms = await timed(side.call, side.expect);
      if (i >= warmup) samples[k]!.push(ms);
      if (gapMs > 0) await sleep(gapMs);
    }
  }
  return samples.map(summarise);
}

/** Requests per second with `concurrency` clients looping for `seconds`. */
export async function throughput(call: Call, expect: number[], concurrency: number, seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const client = async (): Promise<void> => {
    while (performance.now() < until) {
      await timed(call, expect);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  return done / ((performance.now() - started) / 1000);
}

/**
 * The server's CPU per request: `sides` take turns running `batch` requests one after another, `rounds` times, and
 * the process's CPU time (all threads) is summed per side. Steadier than throughput on a busy machine: what other
 * processes do changes how long a request waits, not how much CPU it takes.
 */
export async function cpuPerRequest(cpuMs: () => number, sides: { call: Call; expect: number[] }[], batch = 400, rounds = 5): Promise<number[]> {
  const used = sides.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const [k, side] of sides.entries()) {
      const before = cpuMs();
      for (let i = 0; i < batch; i++) await timed(side.call, side.expect);
      used[k]! += cpuMs() - before;
    }
  }
  return used.map((ms) => ms / (batch * rounds));
}
