// Timing primitives: one request timed, two request kinds alternated (A B A B), and closed-loop throughput.
import { summarise, type Summary } from "./stats.ts";

export type Call = () => Promise<Response>;

/** Times one call in milliseconds; fails loudly on an unexpected status so a broken route never looks fast. */
export async function timed(call: Call, expect: number[]): Promise<number> {
  const started = performance.now();
  const res = await call();
  await res.arrayBuffer();
  const ms = performance.now() - started;
  if (!expect.includes(res.status)) throw new Error(`unexpected status ${res.status}`);
  return ms;
}

/** Runs `a` and `b` alternately, `rounds` times each, after `warmup` untimed rounds; returns both summaries. */
export async function alternate(
  a: { call: Call; expect: number[] },
  b: { call: Call; expect: number[] },
  rounds: number,
  warmup = 30,
): Promise<{ a: Summary; b: Summary }> {
  for (let i = 0; i < warmup; i++) {
    await timed(a.call, a.expect);
    await timed(b.call, b.expect);
  }
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    as.push(await timed(a.call, a.expect));
    bs.push(await timed(b.call, b.expect));
  }
  return { a: summarise(as), b: summarise(bs) };
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
