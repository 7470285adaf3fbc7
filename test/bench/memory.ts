// A process's figures, read from /proc (Linux): resident memory, CPU time, and the workerd a process started.
import { readdirSync, readFileSync } from "node:fs";

export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`process ${pid} (workerd) has exited`);
  return Number(match[1]) * 1024;
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
  sampler.catch(() => undefined); // awaited below, once `until` has settled
  const result = await until.finally(() => {
    done = true;
  });
  await sampler;
  return { result, samples };
}


/** CPU time (user + system, all threads) a process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5), counted from the state (field 3) here; USER_HZ is 100 on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The workerd process that `parent` (a process running Miniflare) started. */
export function workerdChildOf(parent: number): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("workerd")) return Number(entry);
    } catch {
      // the process went away while we looked
    }
  }
  throw new Error("no workerd child process found");
}
