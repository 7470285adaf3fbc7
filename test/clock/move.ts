// The test world's clock, movable for a whole run: `TEST_CLOCK=2027-12-31 npm test` runs every suite as if it started
// at that instant (an ISO date or date-time, UTC). Only the tests install it, never the Worker: vitest.config.ts moves
// its own process's Date (the simulator's clock) and hands the same offset to each workerd test isolate, whose setup
// (test/clock/setup.ts) moves the Worker's, its Durable Objects' and the tests' Date and their alarms with it.

// The machine's Date, kept when it is replaced: offsets are always measured from the machine's clock.
const REAL = Symbol.for("imagegate.test.realDate");
const realDate = (): DateConstructor => ((globalThis as Record<symbol, unknown>)[REAL] as DateConstructor | undefined) ?? Date;

/** How far TEST_CLOCK lies from the machine's clock, in ms; 0 when it is not set. */
export function clockOffsetMs(testClock: string | undefined): number {
  if (!testClock) return 0;
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(testClock) ? `${testClock}T00:00:00Z` : testClock);
  if (Number.isNaN(at)) throw new Error(`TEST_CLOCK=${testClock} is not an ISO date or date-time`);
  return at - realDate().now();
}

/**
 * Replaces the global Date with one that reads `offsetMs` from the machine's clock and runs at its pace: an offset,
 * not a frozen or ticking fake, so durations and timers stay real and alarms can be translated exactly.
 */
export function moveDate(offsetMs: number): void {
  if (offsetMs === 0) return;
  const RealDate = realDate();
  (globalThis as Record<symbol, unknown>)[REAL] = RealDate;
  const now = () => RealDate.now() + offsetMs;
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
    apply: () => new RealDate(now()).toString(),
    get: (target, key, receiver) => (key === "now" ? now : Reflect.get(target, key, receiver)),
  });
}
