import { CATALOGUE, creditCost, type JobSpec, type ModelEntry } from "../catalogue";
import { lifecycleInForce, lifecycleStatus, successorsInWords, type OpenAIDates } from "../catalogue/lifecycle";
import { modelHeaders } from "./model-headers";
import { priceList, pricesInForce } from "../catalogue/prices";
import { carryOver, upgradesInForce, type ModelUpgrade } from "../catalogue/upgrades";
import type { AdmitResult } from "../accounts/account-do";
import { accountStub, type AccountClient } from "../accounts/account-stub";
import { overBudgetError } from "../accounts/budget";
import { rateHeaders, type RateState } from "../accounts/rate-limit";
import type { Env, Principal } from "../env";
import { ReferenceNotFound, referenceKey } from "../files/references";
import { ApiError, invalidFields, type FieldError } from "../lib/errors";
import { now } from "../lib/clock";
import { newJobId } from "../lib/ids";
import type { ProviderName } from "../providers/names";
import type { Json } from "../lib/json";
import { jobStub } from "./job-stub";
import type { JobAnswer } from "./job-do";
import type { JobInit, JobRecord } from "./record";
import type { WebhookTarget } from "../webhooks/types";
import { chooseCandidates, lifecycleDates } from "./routing";

/** A surface's request, translated: the spec plus what the job needs beyond it. */
export interface JobRequest {
  spec: JobSpec;
  providers: ProviderName[] | null;
  public: boolean;
  metadata: Record<string, string>;
  webhook: WebhookTarget | null;
  input: Json;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads a job the principal owns; any other job, or none, is 404. */
export async function readOwnJob(env: Env, principal: Principal, jobId: string): Promise<JobRecord> {
  const rec = UUID.test(jobId) ? await jobStub(env, jobId).read() : null;
  if (!rec || rec.accountId !== principal.accountId) throw new ApiError("not_found", `No job ${jobId}.`);
  return rec;
}

export interface Admission {
  job: JobRecord;
  /**
   * Headers for the create's answer: RateLimit-*, the job's model (Deprecation, Sunset, an upgrade), and
   * `Idempotent-Replayed: true` when an Idempotency-Key replay returned an earlier job instead of admitting a new one.
   */
  headers: Record<string, string>;
  /**
   * With AdmitOptions.waitMs, for a new job: the job as that wait left it, with the images kept for its answer (null for
   * a replay, which the caller waits for itself). `job` is then the same record.
   */
  answer: JobAnswer | null;
}

export interface AdmitOptions {
  /** The Idempotency-Key and a hash of what identifies the request (its route and canonical body: idempotency-key.ts). */
  idempotency?: { key: string; bodyHash: string } | null;
  /** The request waits up to this long for its job's answer: the job's first step runs in the create (JobDO.createAndWait). */
  waitMs?: number;
}

/** The upload and generated-image references must exist and belong to the caller. */
async function checkReferences(env: Env, principal: Principal, spec: JobSpec): Promise<void> {
  const errors: FieldError[] = [];
  await Promise.all(
    spec.references.map(async (ref, i) => {
      try {
        await referenceKey(env, principal.accountId, ref, now());
      } catch (err) {
        if (!(err instanceof ReferenceNotFound)) throw err;
        errors.push({ path: `input_images.${i}`, message: err.message });
      }
    }),
  );
  if (errors.length > 0) {
    errors.sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
    throw invalidFields(errors);
  }
}

type Refused = Exclude<AdmitResult, { kind: "reserved" | "replay" | "unconfirmed" }> | { kind: "in_flight"; rate: RateState };

function refusal(gate: Refused): ApiError {
  if (gate.kind === "revoked") return new ApiError("unauthorized", "This API key is not valid.");
  const headers = rateHeaders(gate.rate);
  switch (gate.kind) {
    case "rate_limited":
      return new ApiError(
        "rate_limited",
        `This key may create ${gate.rate.limit} jobs a minute, each reference URL fetched counting as one more; retry in ${gate.rate.retryAfterSeconds} s.`,
        { headers },
      );
    case "insufficient":
      return new ApiError("insufficient_credits", `This job costs ${gate.required} credits and the account has ${gate.available}.`, {
        headers,
        extra: { creditsRequired: gate.required, creditsAvailable: gate.available },
      });
    case "over_budget":
      return overBudgetError(gate.required, gate.budget, headers);
    case "mismatch":
      return new ApiError("unprocessable", "This Idempotency-Key was used with a different request body (or on another route); send a new key for a new request.", { headers });
    case "in_flight":
      return new ApiError("conflict", "A request with this Idempotency-Key is still being admitted; retry shortly.", { headers });
  }
}

/**
 * Makes the JobDO (and waits `waitMs` for its answer, if given); if that fails and the job does not exist, the
 * reservation is released before the error goes on. A job that exists is returned without an answer.
 */
async function createJob(env: Env, account: AccountClient, init: JobInit, waitMs: number | undefined): Promise<{ job: JobRecord; answer: JobAnswer | null }> {
  const stub = jobStub(env, init.id);
  try {
    if (waitMs === undefined) return { job: await stub.create(init), answer: null };
    const answer = await stub.createAndWait(init, waitMs);
    return { job: answer.job, answer };
  } catch (err) {
    // A new stub: one whose object broke (was reset) cannot be used again.
    const existing = await jobStub(env, init.id).read().catch(() => undefined);
    if (existing) return { job: existing, answer: null };
    // When even the read failed, the AccountDO's alarm resolves the reservation later.
    if (existing === null) await account.release(init.id);
    console.log(JSON.stringify({ msg: "admission failed", jobId: init.id, accountId: init.accountId, released: existing === null }));
    throw new ApiError("unavailable", "The job could not be stored; nothing was charged. Retry the request.");
  }
}

function retired(entry: ModelEntry, dates: OpenAIDates | null): ApiError {
  const { sunsetOn, successors } = lifecycleInForce(entry, dates);
  const use = successors.length > 0 ? `; use ${successorsInWords(successors)} instead` : "";
  return new ApiError("model_retired", `${entry.id} was retired on ${sunsetOn}${use}.`, { extra: { successors: [...successors] } });
}

/**
 * The spec as it will be served: as asked, or, for a retired model that RETIRED_MODEL_UPGRADES upgrades, carried over
 * to its successor (SPEC §3.4). Any other retired model is a 410 naming its successors.
 */
function servedSpec(env: Env, spec: JobSpec, at: number, dates: OpenAIDates | null): { spec: JobSpec; upgrade?: ModelUpgrade } {
  const entry = CATALOGUE[spec.model];
  if (lifecycleStatus(entry, at, dates) !== "retired") return { spec };
  const successor = upgradesInForce(env.RETIRED_MODEL_UPGRADES, at, dates).get(entry.id);
  if (!successor) throw retired(entry, dates);
  const carried = carryOver(spec, CATALOGUE[successor]);
  if ("problem" in carried) throw new ApiError("invalid_request", `${entry.id} is retired and its requests are served by ${successor}: ${carried.problem}`);
  return carried;
}

/**
 * Admission (SPEC §5): lifecycle (and a retired model's upgrade), prices, routing and references; then the AccountDO
 * (rate limit, idempotency, credit reservation); then the JobDO. The upstream call runs later, from the JobDO's alarm,
 * or at once for a request that waits for the answer (AdmitOptions.waitMs).
 * An Idempotency-Key whose job the AccountDO has not yet seen settle or exist is replayed if its JobDO exists, and is
 * a 409 while it does not (its request is still between the two hops).
 */
export async function admit(env: Env, principal: Principal, request: JobRequest, origin: string, options: AdmitOptions = {}): Promise<Admission> {
  const at = now();
  const dates = await lifecycleDates(env);
  const { spec, upgrade } = servedSpec(env, request.spec, at, dates);
  const entry = CATALOGUE[spec.model];
  const prices = priceList(entry, pricesInForce(env.CREDIT_PRICES));
  const candidates = chooseCandidates(env, spec, request.providers);
  await checkReferences(env, principal, spec);
  const id = newJobId();
  const cost = creditCost(entry, spec, prices);
  const account = accountStub(env, principal.accountId);
  const gate = await account.admit({
    keyId: principal.keyId,
    requestsPerMinute: principal.requestsPerMinute,
    jobId: id,
    model: entry.id,
    cost,
    fetches: spec.references.filter((ref) => ref.kind === "url").length,
    idempotency: options.idempotency ?? null,
  });
  if (gate.kind === "replay" || gate.kind === "unconfirmed") {
    const job = await jobStub(env, gate.jobId).read();
    if (!job && gate.kind === "unconfirmed") throw refusal({ kind: "in_flight", rate: gate.rate });
    if (!job) throw new ApiError("unavailable", "The job this Idempotency-Key admitted cannot be read right now; retry shortly.");
    if (gate.kind === "unconfirmed") await account.admitted(job.id).catch(() => undefined);
    return { job, headers: { ...rateHeaders(gate.rate), ...modelHeaders(job, at, dates), "Idempotent-Replayed": "true" }, answer: null };
  }
  if (gate.kind !== "reserved") throw refusal(gate);
  const { job, answer } = await createJob(env, account, {
    id,
    accountId: principal.accountId,
    origin,
    spec,
    ...(upgrade ? { upgrade } : {}),
    candidates,
    creditCost: cost,
    public: request.public,
    metadata: request.metadata,
    webhook: request.webhook,
    input: request.input,
  }, options.waitMs);
  // The AccountDO learns that the JobDO exists from its settlement, a replay that reads it, or its alarm (admit's hops:
  // one to the AccountDO, one to the JobDO).
  return { job, headers: { ...rateHeaders(gate.rate), ...modelHeaders(job, at, dates) }, answer };
}
