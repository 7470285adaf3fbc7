import type { Env } from "../../env";
import { baseUrl } from "../config";

// apiframe.ai's API as imagegate calls it (PROVIDERS.md): where it is, how we authenticate, what it charges.

const DEFAULT_BASE_URL = "https://api.apiframe.ai";
export const WIRE_MAX_PER_CALL = 10;

// ASSUMPTION: one apiframe credit costs half a cent; credits per image are PROVIDERS.md's.
export const CENTS = {
  gptImageParams: { low: 2, medium: 4.5, high: 12, auto: 12 },
  gptImage2Params: { low: 2, medium: 4.5, high: 11.5, auto: 11.5 },
} as const;

// ASSUMPTION: PROVIDERS.md names no cancel endpoint; POST /v2/jobs/:id/cancel as the simulator has it.
export const PATHS = {
  create: "/v2/images/generate",
  job: (id: string): string => `/v2/jobs/${encodeURIComponent(id)}`,
  cancel: (id: string): string => `/v2/jobs/${encodeURIComponent(id)}/cancel`,
} as const;

export const configOf = (env: Env): { key: string; base: string } => ({
  key: env.APIFRAME_API_KEY ?? "",
  base: baseUrl(env.APIFRAME_BASE_URL, DEFAULT_BASE_URL),
});

export const headers = (key: string): Record<string, string> => ({ "x-api-key": key, accept: "application/json" });
