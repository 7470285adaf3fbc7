import type { JobSpec } from "../catalogue";
import type { ProviderName } from "../providers/names";
import type { ErrorClass, ImageRef } from "../providers/types";
import type { Json } from "../lib/json";

// The JobDO's stored state. Only the JobDO writes it; surfaces read it through the job view.

export const JOB_STATUSES = ["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const isTerminal = (status: JobStatus): boolean => status === "COMPLETED" || status === "FAILED" || status === "CANCELLED";

/** Stable codes for why a job failed. */
export type JobErrorCode = "timeout" | "moderated" | "invalid" | "auth" | "provider_error" | "cancelled";

export interface StoredFile {
  key: string;
  width: number | null;
  height: number | null;
  contentType: string;
  byteSize: number;
  sha256: string;
}

export interface Attempt {
  provider: ProviderName;
  /** "cancelled": the owner cancelled the job; `detail` says what became of the upstream job. */
  outcome: "accepted" | "completed" | "unknown" | "cancelled" | ErrorClass;
  ms: number;
  at: number;
  upstreamId?: string;
  detail?: string;
  cost?: number;
}

export type Step =
  /** `sending` is stored before the upstream create, so a crash mid-create is known on resume. */
  | { kind: "dispatch"; candidate: number; attempt: number; tries: number; sending: boolean }
  | { kind: "poll"; provider: ProviderName; upstreamId: string; attempt: number; errors: number }
  | { kind: "ingest"; provider: ProviderName; attempt: number; images: ImageRef[]; errors: number }
  | { kind: "end" };

export interface WebhookTarget {
  url: string;
  events: string[];
}

export interface JobRecord {
  id: string;
  accountId: string;
  /** The origin the job was created through; file URLs are minted against it. */
  origin: string;
  status: JobStatus;
  spec: JobSpec;
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
  webhookStatus: "pending" | "delivered" | "failed" | null;
  /** The validated request as the client sent it, secrets removed. */
  input: Json;
}

/** What admission hands the JobDO. */
export interface JobInit {
  id: string;
  accountId: string;
  origin: string;
  spec: JobSpec;
  candidates: ProviderName[];
  creditCost: number;
  public: boolean;
  metadata: Record<string, string>;
  webhook: WebhookTarget | null;
  input: Json;
}
