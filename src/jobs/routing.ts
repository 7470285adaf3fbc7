import { CATALOGUE, type JobSpec } from "../catalogue";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { PROVIDER_NAMES, type ProviderName } from "../providers/names";
import { PROVIDERS } from "../providers/registry";
import type { Capabilities } from "../providers/types";

/** Why a provider cannot take this job, or null when it can. */
export function capabilityProblem(caps: Capabilities | null, spec: JobSpec): string | null {
  if (!caps) return `does not offer ${spec.model}`;
  const entry = CATALOGUE[spec.model];
  if (caps.sizes === "presets" && !Object.values(entry.presets).some((p) => p.width === spec.width && p.height === spec.height)) {
    return `takes only the preset sizes, not ${spec.width}x${spec.height}`;
  }
  if (spec.background === "transparent" && !caps.transparentBackground) return `has no transparent background for ${spec.model}`;
  if (spec.references.length > caps.maxReferences) return `takes at most ${caps.maxReferences} reference images, not ${spec.references.length}`;
  if (spec.referenceStrength && !caps.referenceStrength) return "has no reference strength";
  if (spec.mask && !caps.mask) return "cannot apply an edit mask";
  return null;
}

function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

/** The configured providers able to serve the spec, in the order to try them (SPEC §4.2). */
export function chooseCandidates(env: Env, spec: JobSpec, requested: ProviderName[] | null): ProviderName[] {
  const configuredOrder = (env.PROVIDER_ORDER ?? "").split(",").map((s) => s.trim()).filter(isProviderName);
  const order = requested ?? [...new Set([...configuredOrder, ...PROVIDER_NAMES])];
  const exclusions: { path: string; message: string }[] = [];
  const candidates: ProviderName[] = [];
  for (const name of order) {
    const provider = PROVIDERS[name];
    const problem = !provider || !provider.configured(env) ? "is not configured" : capabilityProblem(provider.capabilities(spec.model), spec);
    if (problem) exclusions.push({ path: `provider.${name}`, message: `${name} ${problem}` });
    else candidates.push(name);
  }
  if (candidates.length === 0) {
    throw new ApiError("no_provider", `No provider can serve this request: ${exclusions.map((e) => e.message).join("; ")}`, {
      errors: exclusions,
    });
  }
  return candidates;
}
