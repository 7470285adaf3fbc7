import type { Env } from "../../env";
import { baseUrl } from "../config";

// Leonardo.AI's API as imagegate calls it (PROVIDERS.md): where it is, how we authenticate, what it charges.

const DEFAULT_BASE_URL = "https://cloud.leonardo.ai/api/rest";
export const WIRE_MAX_PER_CALL = 8;

// ASSUMPTION: Leonardo bills in API credits; at an assumed 1,000 credits per dollar the simulator's prices
// (12 / 48 / 190 credits per image) are 1.2 / 4.8 / 19 cents.
export const CENTS = { low: 1.2, medium: 4.8, high: 19, auto: 19 } as const;

export const PATHS = {
  create: "/v2/generations",
  generation: (id: string): string => `/v1/generations/${encodeURIComponent(id)}`,
  initImage: "/v1/init-image",
} as const;

export const configOf = (env: Env): { key: string; base: string } => ({
  key: env.LEONARDO_API_KEY ?? "",
  base: baseUrl(env.LEONARDO_BASE_URL, DEFAULT_BASE_URL),
});

export const headers = (key: string): Record<string, string> => ({
  authorization: `Bearer ${key}`,
  accept: "application/json",
  "content-type": "application/json",
});
