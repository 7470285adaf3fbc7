import type * as z from "../lib/zod";
import type { JobSpec, ModelId, OutputFormat, Quality, Reference } from "../catalogue";
import type { Env } from "../env";
import type { HeldReference } from "../files/references";
import type { StoredFile } from "../files/stored-file";
import type { ProviderName } from "./names";

export type { ProviderName } from "./names";
export type { StoredFile } from "../files/stored-file";

/** What one provider can do for one model; routing filters candidates with it. */
export interface Capabilities {
  /** "presets": only the catalogue's preset sizes (those in `aspectRatios`); "custom": any size the catalogue allows. */
  sizes: "presets" | "custom";
  /** With "presets": the preset names the provider takes; null means every preset of the model. */
  aspectRatios: readonly string[] | null;
  /** Most images one upstream call can return; larger jobs are fanned out (SPEC §4.4). */
  maxPerCall: number;
  transparentBackground: boolean;
  maxReferences: number;
  /** Honoured when sent; a job with a seed is not refused by a provider without (SPEC §2.1: "honoured by providers that support it"). */
  seed: boolean;
  referenceStrength: boolean;
  /** input_fidelity "high" on references needs it; "low" is every provider's default behaviour. */
  inputFidelity: boolean;
  /** Whether it applies an edit mask (absent: it does not). */
  mask?: boolean;
  /** The output formats it makes for this model. */
  outputFormats: readonly OutputFormat[];
  /** Whether it passes the model's complexity on (a job of a model that takes one always carries it). */
  complexity: boolean;
  /**
   * What this provider charges us per image, in its own currency scaled to USD cents (for "cheapest first"), for each
   * quality it takes: a quality missing here is one it cannot ask for.
   */
  centsPerImage: Readonly<Partial<Record<Quality, number>>>;
}

/** How an upstream failure is treated (SPEC §4.3). */
export type ErrorClass = "retryable" | "rate_limited" | "moderated" | "invalid" | "auth" | "fatal";

export interface ClassifiedError {
  class: ErrorClass;
  message: string;
  /** For rate_limited: how long the provider asked us to wait. */
  retryAfterMs?: number;
  /**
   * The create may have been accepted upstream although we did not learn its id (it timed out after sending, or its
   * answer was unreadable). Re-sending it blindly could make a second upstream job (SPEC §4.3).
   */
  unknownOutcome?: boolean;
}

/** Upstream cost of one attempt, for the operator (SPEC §5): whatever the provider reports. */
export interface UpstreamCost {
  /** Leonardo's apiCreditCost. */
  apiCreditCost?: number;
  /** apiframe's creditCost. */
  creditCost?: number;
  /** OpenAI's token usage; `inputImageTokens` is the part of the input that was images, where OpenAI says. */
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number; inputImageTokens?: number };
}

export interface ProviderContext {
  env: Env;
  jobId: string;
  accountId: string;
  /** The gateway's public origin the job was created through (callback URLs, signed file URLs). */
  origin: string;
  /** When the job was created: anything minted from it (signed URLs) is the same on every re-send. */
  createdAt: number;
  deadlineAt: number;
  /** The attempt number of this create; the same on a re-send of a create whose outcome is unknown. */
  attempt: number;
  /** Which fan-out part this call serves, and the job file index of its first image. */
  part: number;
  firstIndex: number;
  now: number;
  /** Stores the part's n-th image as the job's file (for providers that answer with the bytes, e.g. OpenAI), streamed or whole. */
  store(n: number, body: ReadableStream<Uint8Array> | Uint8Array): Promise<StoredFile>;
  /** Hands over the p-th partial render of the part's n-th image (a preview for streaming clients); never throws. */
  partial(n: number, p: number, body: ReadableStream<Uint8Array>): Promise<void>;
  /**
   * A reference image imagegate holds, for providers that upload its bytes (Leonardo, OpenAI): its type and size before
   * its bytes, which `open` streams. Throws an "invalid" UpstreamError for a reference the job may not use.
   */
  openReference(ref: Reference): Promise<HeldReference>;
  /** A signed imagegate URL of a reference, for providers that fetch it themselves (apiframe); the same on every re-send. */
  signedUrl(ref: Reference): Promise<string>;
}

/**
 * How a provider's callbacks are received (SPEC §4.5): authenticated before the body is parsed, then only the
 * upstream id is read, to wake the job waiting for it; the job's poll confirms the state.
 */
export interface ProviderCallback {
  /** The body's schema (upstreamId reads it; the OpenAPI document shows it). */
  schema: z.ZodMiniType;
  /** Whether the callback carries the provider's credentials; `body` reads the raw body (capped) if the check needs it. */
  verify(headers: Headers, body: () => Promise<Uint8Array>, env: Env): Promise<boolean>;
  /** The upstream id of a parsed JSON body, or null when the body is not the schema's shape. */
  upstreamId(body: unknown): string | null;
  /** The imagegate job id the callback URL names, where the provider's callback URLs carry one. */
  jobHint?(url: URL): string | null;
}

/** An image the provider has made: a reference its `open()` can read later (survives restarts), or a file already stored. */
export type ImageRef = string | { stored: StoredFile };

export type SubmitOutcome =
  | { kind: "accepted"; upstreamId: string; pollInMs?: number; cost?: UpstreamCost }
  | { kind: "completed"; images: ImageRef[]; upstreamId?: string; cost?: UpstreamCost };

export type PollOutcome =
  | { kind: "running"; progress: number | null; pollInMs?: number }
  | { kind: "completed"; images: ImageRef[]; cost?: UpstreamCost }
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
  capabilities(model: ModelId, env: Env): Capabilities | null;
  /** Creates the upstream job for `spec` (whose quantity is this part's). */
  submit(spec: JobSpec, ctx: ProviderContext): Promise<SubmitOutcome>;
  poll(upstreamId: string, spec: JobSpec, ctx: ProviderContext): Promise<PollOutcome>;
  open(image: string, spec: JobSpec, ctx: ProviderContext): Promise<OpenedImage>;
  cancel?(upstreamId: string, ctx: ProviderContext): Promise<void>;
  classifyError(err: unknown): ClassifiedError;
  /** Present when the provider calls back on completion (POST /hooks/<name>). */
  callback?: ProviderCallback;
}

/** Thrown by adapters for an upstream answer they understood; classifyError reads it. */
export class UpstreamError extends Error {
  readonly classified: ClassifiedError;
  constructor(classified: ClassifiedError) {
    super(classified.message);
    this.classified = classified;
  }
}
