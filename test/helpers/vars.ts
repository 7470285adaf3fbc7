import { env } from "cloudflare:test";
import type { Env } from "../../src/env";

// The Worker's vars for one test: the test isolate shares the Worker's env object, so a var set here is what the
// Worker reads until it is put back.

/** Runs `fn` with some of the Worker's vars set (undefined: unset), then puts them back. */
export async function withVars<T>(vars: Partial<Record<keyof Env, string | undefined>>, fn: () => Promise<T>): Promise<T> {
  const bindings = env as unknown as Record<string, string | undefined>;
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, bindings[k]]));
  Object.assign(bindings, vars);
  try {
    return await fn();
  } finally {
    Object.assign(bindings, saved);
  }
}
