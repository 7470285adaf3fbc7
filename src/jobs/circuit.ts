// A provider's circuit breaker (SPEC §4.3), as pure functions over a small stored record: outcomes of recent upstream
// calls in a sliding window; too many failures open the circuit; after a cooldown it is half-open and one probe may
// go through; the probe's outcome closes it or opens it again. "half_open" is derived from time, never stored.

export const WINDOW_MS = 60_000;
export const MIN_SAMPLES = 5;
export const OPEN_RATIO = 0.5;
export const COOLDOWN_MS = 30_000;
/** A probe that never reports (its job crashed) frees the half-open slot after this long. */
export const PROBE_LEASE_MS = 60_000;
const MAX_SAMPLES = 200;

export type CircuitState = "closed" | "open" | "half_open";

export interface Sample {
  at: number;
  ok: boolean;
  /** How long the call took; only successful calls count towards latency figures. */
  ms: number;
}

export interface Circuit {
  state: "closed" | "open";
  openedAt: number | null;
  /** A half-open probe is in flight until then. */
  probeUntil: number | null;
  samples: Sample[];
}

export interface Health {
  state: CircuitState;
  /** Failures ÷ calls in the window; null without calls. */
  errorRate: number | null;
  calls: number;
  p50Ms: number | null;
  openedAt: number | null;
  probeInFlight: boolean;
}

export const closedCircuit = (): Circuit => ({ state: "closed", openedAt: null, probeUntil: null, samples: [] });

const recent = (samples: Sample[], now: number): Sample[] => samples.filter((s) => now - s.at < WINDOW_MS).slice(-MAX_SAMPLES);

export function stateAt(c: Circuit, now: number): CircuitState {
  if (c.state === "closed") return "closed";
  return c.openedAt !== null && now - c.openedAt >= COOLDOWN_MS ? "half_open" : "open";
}

/** The circuit after one more call's outcome. */
export function recordSample(c: Circuit, sample: Sample): Circuit {
  const state = stateAt(c, sample.at);
  const samples = recent([...c.samples, sample], sample.at);
  if (state === "half_open") {
    return sample.ok ? { ...closedCircuit(), samples: [sample] } : { state: "open", openedAt: sample.at, probeUntil: null, samples };
  }
  if (state === "open") return { ...c, samples };
  const failures = samples.filter((s) => !s.ok).length;
  if (samples.length >= MIN_SAMPLES && failures / samples.length >= OPEN_RATIO) {
    return { state: "open", openedAt: sample.at, probeUntil: null, samples };
  }
  return { ...c, samples };
}

/** Asks to send a call: granted when closed, or as the one probe of a half-open circuit. */
export function claimProbe(c: Circuit, now: number): { circuit: Circuit; granted: boolean } {
  const state = stateAt(c, now);
  if (state !== "half_open") return { circuit: c, granted: state === "closed" };
  if (c.probeUntil !== null && c.probeUntil > now) return { circuit: c, granted: false };
  return { circuit: { ...c, probeUntil: now + PROBE_LEASE_MS }, granted: true };
}

export function circuitHealth(c: Circuit, now: number): Health {
  const samples = recent(c.samples, now);
  const failures = samples.filter((s) => !s.ok).length;
  const latencies = samples.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b);
  const state = stateAt(c, now);
  return {
    state,
    errorRate: samples.length === 0 ? null : Math.round((failures / samples.length) * 1000) / 1000,
    calls: samples.length,
    p50Ms: latencies.length === 0 ? null : latencies[Math.floor((latencies.length - 1) / 2)]!,
    openedAt: c.openedAt,
    probeInFlight: state === "half_open" && c.probeUntil !== null && c.probeUntil > now,
  };
}

/** Whether routing should try this provider only after the others. */
export const isBlocked = (h: Health): boolean => h.state === "open" || (h.state === "half_open" && h.probeInFlight);
