import type { JobSpec } from "../catalogue";
import type { ModelUpgrade } from "../catalogue/upgrades";
import type { ProviderName } from "../providers/names";
import type { ErrorClass, ImageRef, UpstreamCost } from "../providers/types";
import type { Json } from "../lib/json";
import type { StoredFile } from "../files/stored-file";
import type { WebhookStatus, WebhookTarget } from "../webhooks/types";

// The JobDO's stored state. Only the JobDO writes it; surfaces read it through the job view.

export const JOB_STATUSES = ["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const isTerminal = (status: JobStatus): boolean => status === "COMPLETED" || status === "FAILED" || status === "CANCELLED";

/** Stable codes for why a job failed. */
export type JobErrorCode = "timeout" | "moderated" | "invalid" | "auth" | "provider_error" | "cancelled";

/** One entry of the routing trail: an upstream create and what became of it, or a provider passed over. */
export interface Attempt {
  provider: ProviderName;
  /**
   * "unknown": a create that may have been accepted but was never confirmed (not re-sent); "skipped": circuit open;
   * "cancelled": the job ended early (cancelled by its owner) and `detail` says what became of this upstream job.
   */
  outcome: "accepted" | "completed" | "unknown" | "skipped" | "cancelled" | ErrorClass;
  ms: number;
  at: number;
  /** The create's attempt number (apiframe's Idempotency-Key derives from it); absent on "skipped". */
  attempt?: number;
  /** The fan-out part the create served. */
  part?: number;
  upstreamId?: string;
  detail?: string;
  /** What the provider reported it charged, for the operator (not shown to clients). */
  cost?: UpstreamCost;
}

/** One upstream call's share of a job (SPEC §4.4): a job above a provider's per-call limit has several. */
export interface Part {
  quantity: number;
  /** The attempt number of its current create; kept when an idempotent create is re-sent. */
  attempt: number;
  /** "sending" is stored before the create goes out, so a crash mid-create is known on resume. */
  state: "queued" | "sending" | "running" | "done";
  /** Creates tried for this part on the current provider. */
  tries: number;
  /** When the part next needs attention: its create (queued) or its next poll (running). */
  at: number;
  upstreamId: string | null;
  polls: number;
  pollErrors: number;
  progress: number | null;
  /** When its current create was sent. */
  startedAt: number;
  images: ImageRef[];
}

export type Step =
  /** Work on one candidate provider: its parts are created, polled and retried until all are done. */
  | { kind: "upstream"; candidate: number; parts: Part[] }
  | { kind: "ingest"; provider: ProviderName; candidate: number; images: ImageRef[]; errors: number }
  | { kind: "end" };

export interface JobRecord {
  id: string;
  accountId: string;
  /** The origin the job was created through; file URLs are minted against it. */
  origin: string;
  status: JobStatus;
  /** What is made; `spec.model` is the model that serves the job. */
  spec: JobSpec;
  /** Set when a retired model was asked for and its successor serves the job (RETIRED_MODEL_UPGRADES). */
  upgrade?: ModelUpgrade;
  candidates: ProviderName[];
  provider: ProviderName | null;
  progress: number | null;
  files: StoredFile[];
  error: string | null;
  errorCode: JobErrorCode | null;
  creditCost: number;
  createdAt: number;
  completedAt: number | null;
  deadlineAt: number;
  attempts: Attempt[];
  step: Step;
  /** When the step should next run; null once the job has ended. */
  wakeAt: number | null;
  public: boolean;
  metadata: Record<string, string>;
  webhook: WebhookTarget | null;
  webhookStatus: WebhookStatus;
  /** The validated request as the client sent it, secrets removed. */
  input: Json;
}

/** What admission hands the JobDO. */
export interface JobInit {
  id: string;
  accountId: string;
  origin: string;
  spec: JobSpec;
  upgrade?: ModelUpgrade;
  candidates: ProviderName[];
  /** Credits reserved: the price per image in force at admission times the images asked for. */
  creditCost: number;
  public: boolean;
  metadata: Record<string, string>;
  webhook: WebhookTarget | null;
  input: Json;
}
