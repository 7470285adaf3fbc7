import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";

// Stopping code that runs inside a Durable Object at a chosen call, so that a test can kill the object right there.
// The test and the objects share one isolate (a method replaced here is replaced for them too) but not one request
// context, and workerd kills the process when a promise is resolved across contexts: so the two meet through plain
// shared memory. The held call waits on a flag the test sets; the test waits on a flag the held call sets.

export interface Hold<Args extends unknown[]> {
  /** The arguments of the first call that was stopped, once one has been (throws after `timeoutMs`). */
  reached(timeoutMs?: number): Promise<Args>;
  /** Lets held calls go on (after a crash they have nowhere to go) and puts the method back. */
  release(): void;
}

type AsyncMethod = (...args: never[]) => Promise<unknown>;
type MethodKeys<T> = { [K in keyof T]: T[K] extends AsyncMethod ? K : never }[keyof T];

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Replaces `target[name]` so that every call `matches` accepts waits until released: before the original runs
 * ("before": the call never happened) or after it has returned ("after": it happened, but its answer is not yet
 * delivered). Other calls go straight through.
 */
export function holdCalls<T extends object, K extends MethodKeys<T>>(
  target: T,
  name: K,
  matches: (self: unknown, ...args: Parameters<Extract<T[K], AsyncMethod>>) => boolean | Promise<boolean>,
  when: "before" | "after" = "before",
): Hold<Parameters<Extract<T[K], AsyncMethod>>> {
  type Args = Parameters<Extract<T[K], AsyncMethod>>;
  const slot = target as unknown as Record<PropertyKey, (...args: Args) => Promise<unknown>>;
  const original = slot[name]!;
  const state: { first: Args | null; released: boolean } = { first: null, released: false };
  slot[name] = async function (this: unknown, ...args: Args): Promise<unknown> {
    if (state.released || !(await matches(this, ...args))) return original.apply(this, args);
    const result = when === "after" ? await original.apply(this, args) : undefined;
    state.first ??= args;
    while (!state.released) await pause(5);
    return when === "after" ? result : original.apply(this, args);
  };
  return {
    async reached(timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (state.first === null) {
        if (Date.now() > until) throw new Error(`no held call to ${String(name)} within ${timeoutMs} ms`);
        await pause(5);
      }
      return state.first;
    },
    release() {
      state.released = true;
      slot[name] = original;
    },
  };
}

/** Kills a Durable Object on the spot, as a crash or a restart would: in-flight calls fail, storage stays. */
export async function crash(stub: DurableObjectStub): Promise<void> {
  await expect(runInDurableObject(stub, (_instance, state) => state.abort("crash test"))).rejects.toThrow(/crash test/);
}

/** Waits until `done` holds, for something outside the object (e.g. a request reaching the simulator's receiver). */
export async function until(done: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await pause(20);
  }
}
