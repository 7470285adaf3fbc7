import type { JobSpec, ModelId } from "../catalogue";
import type { Env } from "../env";
import type { ProviderName } from "./names";

export type { ProviderName } from "./names";

/** What one provider can do for one model; routing filters candidates with it. */
export interface Capabilities {
  /** "presets": only the catalogue's preset sizes; "custom": any size the catalogue allows. */
  sizes: "presets" | "custom";
  /** Most images one upstream call can return. */
  maxPerCall: number;
  transparentBackground: boolean;
  maxReferences: number;
  seed: boolean;
  referenceStrength: boolean;
  inputFidelity: boolean;
  /** Whether it applies an edit mask (absent: it does not). */
  mask?: boolean;
}

/** How an upstream failure is treated (SPEC §4.3). */
export type ErrorClass = "retryable" | "rate_limited" | "moderated" | "invalid" | "auth" | "fatal";

export interface ClassifiedError {
  class: ErrorClass;
  message: string;
  /** For rate_limited: how long the provider asked us to wait. */
  retryAfterMs?: number;
}

export interface ProviderContext {
  env: Env;
  jobId: string;
  /** 1-based attempt number; stable across alarm retries of the same attempt. */
  attempt: number;
  now: number;
}

/** An image the provider has made, named by a reference it can open later (survives restarts). */
export type ImageRef = string;

export type SubmitOutcome =
  | { kind: "accepted"; upstreamId: string; pollInMs: number; cost?: number }
  | { kind: "completed"; images: ImageRef[]; upstreamId?: string; cost?: number };

export type PollOutcome =
  | { kind: "running"; progress: number | null; pollInMs: number }
  | { kind: "completed"; images: ImageRef[] }
  | { kind: "failed"; error: ClassifiedError };

export interface OpenedImage {
  body: ReadableStream<Uint8Array>;
  contentType: string | null;
  /** Known byte length, if the source tells it. */
  length: number | null;
}

/** The contract every upstream adapter implements (SPEC §4.1). */
export interface Provider {
  name: ProviderName;
  /** True when re-sending the same attempt cannot create a second upstream job (e.g. an Idempotency-Key). */
  idempotentSubmit: boolean;
  configured(env: Env): boolean;
  capabilities(model: ModelId): Capabilities | null;
  submit(spec: JobSpec, ctx: ProviderContext): Promise<SubmitOutcome>;
  poll(upstreamId: string, spec: JobSpec, ctx: ProviderContext): Promise<PollOutcome>;
  open(image: ImageRef, spec: JobSpec, ctx: ProviderContext): Promise<OpenedImage>;
  cancel?(upstreamId: string, ctx: ProviderContext): Promise<void>;
  classifyError(err: unknown): ClassifiedError;
}

/** Thrown by adapters for an upstream answer they understood; classifyError reads it. */
export class UpstreamError extends Error {
  readonly classified: ClassifiedError;
  constructor(classified: ClassifiedError) {
    super(classified.message);
    this.classified = classified;
  }
}
