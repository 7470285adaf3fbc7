import type { JobSpec, ModelId } from "../catalogue";
import type { OpenAIDates } from "../catalogue/lifecycle";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { PROVIDER_NAMES, type ProviderName } from "../providers/names";
import { readOpenAIDates } from "../providers/openai/shutdown-dates";
import { PROVIDERS } from "../providers/registry";
import type { Capabilities } from "../providers/types";

// Who can serve what: which providers may serve a job, in which order (SPEC §4.2), and what the surfaces show of
// that. Circuit state reorders them later, at dispatch, in the JobDO (dispatch.ts): admission stays free of extra
// round trips. Surfaces ask here, never providers/.

export { PROVIDER_NAMES, type ProviderName };

/** The providers whose credentials are set, in PROVIDER_NAMES order. */
export function configuredProviders(env: Env): ProviderName[] {
  return PROVIDER_NAMES.filter((name) => PROVIDERS[name]?.configured(env));
}

/** The configured providers that offer the model at all, whatever a request asks of it. */
export function servingProviders(env: Env, model: ModelId): ProviderName[] {
  return configuredProviders(env).filter((name) => PROVIDERS[name]?.capabilities(model, env) != null);
}

/** The lifecycle dates the models' source announced (OpenAI's shutdown dates, as the cron last read them), or null. */
export const lifecycleDates = (env: Env): Promise<OpenAIDates | null> => readOpenAIDates(env);

/** Why a provider cannot take this job, or null when it can. A seed or prompt_enhance never rules one out. */
export function capabilityProblem(caps: Capabilities | null, spec: JobSpec): string | null {
  if (!caps) return `does not offer ${spec.model}`;
  if (caps.sizes === "presets") {
    if (spec.aspectRatio === null) return `takes only preset sizes (aspect ratios), not the exact size ${spec.width}x${spec.height}`;
    if (caps.aspectRatios && !caps.aspectRatios.includes(spec.aspectRatio)) {
      return `takes only the aspect ratios ${caps.aspectRatios.join(", ")} for ${spec.model}, not ${spec.aspectRatio}`;
    }
  }
  if (caps.centsPerImage[spec.quality] === undefined) return `has no quality ${spec.quality} for ${spec.model}`;
  if (!caps.outputFormats.includes(spec.outputFormat)) return `makes no ${spec.outputFormat} for ${spec.model}`;
  if (spec.complexity !== undefined && !caps.complexity) return `takes no complexity for ${spec.model}`;
  if (spec.background === "transparent" && !caps.transparentBackground) return `has no transparent background for ${spec.model}`;
  if (spec.references.length > caps.maxReferences) return `takes at most ${caps.maxReferences} reference images, not ${spec.references.length}`;
  if (spec.references.length > 0 && spec.referenceStrength && !caps.referenceStrength) return `has no reference strength for ${spec.model}`;
  if (spec.references.length > 0 && spec.inputFidelity === "high" && !caps.inputFidelity) return `has no input_fidelity high for ${spec.model}`;
  if (spec.mask && !caps.mask) return "cannot apply an edit mask";
  return null;
}

function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

/** Cents per image of this job's quality; providers that cannot serve it sort last. */
function priceOf(env: Env, spec: JobSpec, name: ProviderName): number {
  return PROVIDERS[name]?.capabilities(spec.model, env)?.centsPerImage[spec.quality] ?? Number.POSITIVE_INFINITY;
}

/** The request's list as given; else PROVIDER_ORDER, then the rest cheapest first; else cheapest first. */
export function providerOrder(env: Env, spec: JobSpec, requested: ProviderName[] | null): ProviderName[] {
  if (requested) return [...new Set(requested)];
  const configured = [...new Set((env.PROVIDER_ORDER ?? "").split(",").map((s) => s.trim()).filter(isProviderName))];
  const rest = PROVIDER_NAMES.filter((name) => !configured.includes(name)).sort((a, b) => priceOf(env, spec, a) - priceOf(env, spec, b));
  return [...configured, ...rest];
}

/** The configured providers able to serve the spec, in the order to try them. None → 422 naming each one's reason. */
export function chooseCandidates(env: Env, spec: JobSpec, requested: ProviderName[] | null): ProviderName[] {
  const exclusions: { path: string; message: string }[] = [];
  const candidates: ProviderName[] = [];
  for (const name of providerOrder(env, spec, requested)) {
    const provider = PROVIDERS[name];
    const problem = !provider || !provider.configured(env) ? "is not configured" : capabilityProblem(provider.capabilities(spec.model, env), spec);
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
