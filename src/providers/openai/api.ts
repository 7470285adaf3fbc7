import type { Quality } from "../../catalogue";
import type { Env } from "../../env";
import { baseUrl } from "../config";

// OpenAI's Images API as imagegate calls it (PROVIDERS.md): where it is, how we authenticate, what it charges.

const DEFAULT_BASE_URL = "https://api.openai.com/v1";
export const WIRE_MAX_PER_CALL = 10;

// OpenAI's list prices per 1024x1024 image (gpt-image-1.5); the GPT Image 2 families are ASSUMED to cost the same
// (they bill at gpt-image-2's token rates), and xhigh and max ASSUMED in proportion to imagegate's credits for them.
export const CENTS: Readonly<Record<Quality, number>> = { low: 0.9, medium: 3.4, high: 13.3, xhigh: 20.2, max: 28.9, auto: 13.3 };

export const PATHS = { generations: "/images/generations", edits: "/images/edits" } as const;

export const configOf = (env: Env): { key: string; base: string } => ({
  key: env.OPENAI_API_KEY ?? "",
  base: baseUrl(env.OPENAI_BASE_URL, DEFAULT_BASE_URL),
});

/** An event stream when the job wants partial renders, JSON otherwise. */
export const headers = (key: string, stream: boolean): Record<string, string> => ({
  authorization: `Bearer ${key}`,
  accept: stream ? "text/event-stream" : "application/json",
});
