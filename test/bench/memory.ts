// Resident memory of a process (workerd), read from /proc (Linux).
import { readFileSync } from "node:fs";

export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match![1]) * 1024;
}

/** Takes `sample()` every `everyMs` (and once at the start) until `until` settles; returns the samples taken while it ran. */
export async function sampleWhile<T, S>(sample: () => S | Promise<S>, everyMs: number, until: Promise<T>): Promise<{ result: T; samples: S[] }> {
  const samples: S[] = [await sample()];
  let done = false;
  const sampler = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, everyMs));
      samples.push(await sample());
    }
  })();
  const result = await until.finally(() => {
    done = true;
  });
  await sampler;
  return { result, samples };
}

