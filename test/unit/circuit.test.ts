import { describe, expect, it } from "vitest";
import {
  claimProbe,
  closedCircuit,
  COOLDOWN_MS,
  circuitHealth,
  isBlocked,
  MIN_SAMPLES,
  PROBE_LEASE_MS,
  recordSample,
  WINDOW_MS,
  type Circuit,
} from "../../src/jobs/circuit";

// The circuit breaker's transitions as pure functions: closed → open (error rate over a window) → half-open after a
// cooldown → one probe → closed or open again.

const T0 = 1_800_000_000_000;
const feed = (c: Circuit, outcomes: boolean[], at = T0, ms = 100): Circuit =>
  outcomes.reduce((acc, ok, i) => recordSample(acc, { at: at + i, ok, ms: ms + i }), c);

describe("circuit breaker", () => {
  it("stays closed below the minimum number of calls, however many fail", () => {
    const c = feed(closedCircuit(), Array(MIN_SAMPLES - 1).fill(false));
    expect(c.state).toBe("closed");
    expect(circuitHealth(c, T0 + 10)).toMatchObject({ state: "closed", errorRate: 1, calls: MIN_SAMPLES - 1 });
  });

  it("stays closed just below half failures and opens at half", () => {
    const below = feed(closedCircuit(), [true, true, true, false, false]);
    expect(below.state).toBe("closed"); // 2 of 5
    const at = feed(closedCircuit(), [true, true, true, false, false, false]);
    expect(at.state).toBe("open"); // 3 of 6
    expect(at.openedAt).toBe(T0 + 5);
  });

  it("forgets calls older than the window", () => {
    const old = feed(closedCircuit(), [false, false, false, false], T0);
    const later = recordSample(old, { at: T0 + WINDOW_MS + 10, ok: false, ms: 1 });
    expect(later.state).toBe("closed");
    expect(circuitHealth(later, T0 + WINDOW_MS + 10).calls).toBe(1);
  });

  it("is open (blocked) during the cooldown, then half-open with one probe allowed at a time", () => {
    const open = feed(closedCircuit(), Array(5).fill(false));
    const openedAt = open.openedAt!;
    expect(circuitHealth(open, openedAt + COOLDOWN_MS - 1).state).toBe("open");
    expect(isBlocked(circuitHealth(open, openedAt + COOLDOWN_MS - 1))).toBe(true);
    expect(claimProbe(open, openedAt + 1).granted).toBe(false);

    const half = openedAt + COOLDOWN_MS;
    expect(circuitHealth(open, half)).toMatchObject({ state: "half_open", probeInFlight: false });
    expect(isBlocked(circuitHealth(open, half))).toBe(false);
    const first = claimProbe(open, half);
    expect(first.granted).toBe(true);
    expect(circuitHealth(first.circuit, half + 1)).toMatchObject({ state: "half_open", probeInFlight: true });
    expect(isBlocked(circuitHealth(first.circuit, half + 1))).toBe(true);
    expect(claimProbe(first.circuit, half + 1).granted).toBe(false);
    // A probe that never reports frees the slot after its lease.
    expect(claimProbe(first.circuit, half + PROBE_LEASE_MS).granted).toBe(true);
  });

  it("closes on a successful probe, with a fresh window", () => {
    const open = feed(closedCircuit(), Array(5).fill(false));
    const half = open.openedAt! + COOLDOWN_MS;
    const { circuit } = claimProbe(open, half);
    const closed = recordSample(circuit, { at: half + 5, ok: true, ms: 80 });
    expect(closed).toMatchObject({ state: "closed", openedAt: null, probeUntil: null });
    expect(circuitHealth(closed, half + 6)).toMatchObject({ state: "closed", errorRate: 0, calls: 1, p50Ms: 80 });
    expect(claimProbe(closed, half + 6).granted).toBe(true);
  });

  it("opens again on a failed probe, for a new cooldown", () => {
    const open = feed(closedCircuit(), Array(5).fill(false));
    const half = open.openedAt! + COOLDOWN_MS;
    const reopened = recordSample(claimProbe(open, half).circuit, { at: half + 5, ok: false, ms: 0 });
    expect(reopened).toMatchObject({ state: "open", openedAt: half + 5, probeUntil: null });
    expect(circuitHealth(reopened, half + 6).state).toBe("open");
    expect(circuitHealth(reopened, half + 5 + COOLDOWN_MS).state).toBe("half_open");
  });

  it("reports the error rate and the median latency of successful calls", () => {
    const c = feed(closedCircuit(), [true, true, true, false], T0, 100);
    expect(circuitHealth(c, T0 + 10)).toMatchObject({ errorRate: 0.25, calls: 4, p50Ms: 101 });
    expect(circuitHealth(closedCircuit(), T0)).toMatchObject({ state: "closed", errorRate: null, calls: 0, p50Ms: null });
  });
});
