import { env, runInDurableObject } from "cloudflare:test";
import { inject } from "vitest";
import { moveDate } from "./move";

// Each workerd test isolate's setup (vitest.config.ts setupFiles): under TEST_CLOCK, the Worker, its Durable Objects
// and the tests share one isolate, so moving its Date moves all three. workerd fires alarms on the machine's clock, so
// alarms are stored on that clock and read back on the moved one; anything else keeps its real behaviour.

const offsetMs = inject("clockOffsetMs");

if (offsetMs !== 0) {
  moveDate(offsetMs);
  // Every Durable Object's storage shares one prototype; any instance hands it over (a name no test uses).
  const storage: DurableObjectStorage = await runInDurableObject(env.PROVIDER_HEALTH.get(env.PROVIDER_HEALTH.idFromName("test-clock")), (_o, state) =>
    Object.getPrototypeOf(state.storage),
  );
  const { setAlarm, getAlarm } = storage;
  storage.setAlarm = function (this: DurableObjectStorage, at, options) {
    return setAlarm.call(this, Number(at) - offsetMs, options);
  };
  storage.getAlarm = async function (this: DurableObjectStorage, options) {
    const at = await getAlarm.call(this, options);
    return at === null ? null : at + offsetMs;
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    clockOffsetMs: number;
  }
}
