// Resident memory of the workerd process that Miniflare started for us, read from /proc (Linux).
import { readFileSync, readdirSync } from "node:fs";

/** The workerd child of this process. */
export function workerdPid(): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("workerd")) return Number(entry);
    } catch {
      // the process went away while we looked
    }
  }
  throw new Error("no workerd child process found");
}

export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match![1]) * 1024;
}

/** Samples `pid`'s RSS every `everyMs` until `until` settles; returns the samples taken while it ran. */
export async function sampleWhile<T>(pid: number, everyMs: number, until: Promise<T>): Promise<{ result: T; samples: number[] }> {
  const samples: number[] = [rssBytes(pid)];
  let done = false;
  const sampler = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, everyMs));
      samples.push(rssBytes(pid));
    }
  })();
  const result = await until.finally(() => {
    done = true;
  });
  await sampler;
  return { result, samples };
}
