import { modelById, presetOf, sizeProblem } from "./index";
import { lifecycleStatus, type OpenAIDates } from "./lifecycle";
import type { JobSpec, ModelEntry, ModelId } from "./types";

// Retired-model upgrades (SPEC §3.4), opt in: RETIRED_MODEL_UPGRADES="gpt-image-1.5=gpt-image-2.6-sunburst,…". A
// request for a retired model named there, already validated by that model's own rules, is served by its successor.
// A pair that cannot apply is ignored, with one log line saying why: a model id the catalogue does not know, a model
// that is not retired (yet), a successor that is itself retired, or one without every quality, format and background
// of the model it replaces.

const UPGRADES_VAR = "RETIRED_MODEL_UPGRADES";

/** The JobSpec fields a successor may not take, in the job's words. */
export type DroppedField = "referenceStrength" | "inputFidelity" | "complexity";

export interface ModelUpgrade {
  from: ModelId;
  to: ModelId;
  /** Settings of the request the served model does not take, which would have applied to this job. */
  dropped: DroppedField[];
}

const reported = new Set<string>();

/** One line per reason per isolate: the var is read on every create, the log should say it once. */
function ignore(pair: string, why: string): void {
  const key = `${pair}\u0000${why}`;
  if (reported.has(key)) return;
  reported.add(key);
  console.log(JSON.stringify({ msg: `${UPGRADES_VAR} pair ignored`, pair, why }));
}

/** Why the successor cannot carry the retired model's requests over, or null when it can. */
function carryProblem(from: ModelEntry, to: ModelEntry): string | null {
  const qualities = from.qualities.filter((q) => !to.qualities.includes(q));
  if (qualities.length > 0) return `${to.id} has no quality ${qualities.join(", ")}, which ${from.id} takes`;
  const formats = from.outputFormats.filter((f) => !to.outputFormats.includes(f));
  if (formats.length > 0) return `${to.id} makes no ${formats.join(", ")}, which ${from.id} makes`;
  const backgrounds = from.backgrounds.filter((b) => !to.backgrounds.includes(b));
  if (backgrounds.length > 0) return `${to.id} has no background ${backgrounds.join(", ")}, which ${from.id} takes`;
  return null;
}

/** Why `from` cannot be upgraded to `to` on this day, or null when it can. */
function pairProblem(from: ModelEntry, to: ModelEntry, now: number, dates: OpenAIDates | null): string | null {
  if (from.id === to.id) return "a model cannot succeed itself";
  if (lifecycleStatus(from, now, dates) !== "retired") return `${from.id} is not retired`;
  if (lifecycleStatus(to, now, dates) === "retired") return `${to.id} is retired itself`;
  return carryProblem(from, to);
}

/** The pairs that apply on this day: retired model → its successor. */
export function upgradesInForce(raw: string | undefined, now: number, dates: OpenAIDates | null): Map<ModelId, ModelId> {
  const upgrades = new Map<ModelId, ModelId>();
  for (const pair of (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [fromId, toId, ...rest] = pair.split("=").map((s) => s.trim());
    if (!fromId || !toId || rest.length > 0) {
      ignore(pair, "write it as retired=successor");
      continue;
    }
    const from = modelById(fromId);
    const to = modelById(toId);
    if (!from || !to) {
      ignore(pair, `${!from ? fromId : toId} is not a model of the catalogue`);
      continue;
    }
    const problem = pairProblem(from, to, now, dates) ?? (upgrades.has(from.id) ? `${from.id} is already upgraded to ${upgrades.get(from.id)}` : null);
    if (problem) ignore(pair, problem);
    else upgrades.set(from.id, to.id);
  }
  return upgrades;
}

/**
 * The spec carried over to the successor: the exact size (its preset name recomputed), quality, format, quantity,
 * references and the rest. What the successor does not take is dropped, and listed where it would have applied to
 * this job; a setting the successor needs (complexity) takes its default. A size the successor cannot make: the reason.
 */
export function carryOver(spec: JobSpec, to: ModelEntry): { spec: JobSpec; upgrade: ModelUpgrade } | { problem: string } {
  const size = { width: spec.width, height: spec.height };
  const problem = sizeProblem(to, size, spec.gif?.frameCount);
  if (problem) return { problem };
  const referenced = spec.references.length > 0;
  const dropped: DroppedField[] = [];
  if (referenced && spec.referenceStrength !== null && !to.references.strength) dropped.push("referenceStrength");
  if (referenced && spec.inputFidelity !== null && !to.references.inputFidelity) dropped.push("inputFidelity");
  if (spec.complexity !== undefined && !to.complexity) dropped.push("complexity");
  const { complexity, ...rest } = spec;
  const carried: JobSpec = {
    ...rest,
    model: to.id,
    aspectRatio: presetOf(to, size),
    referenceStrength: to.references.strength ? spec.referenceStrength : null,
    inputFidelity: to.references.inputFidelity ? spec.inputFidelity : null,
    ...(to.complexity ? { complexity: complexity && to.complexity.values.includes(complexity) ? complexity : to.complexity.default } : {}),
  };
  return { spec: carried, upgrade: { from: spec.model, to: to.id, dropped } };
}
