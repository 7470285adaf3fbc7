import * as z from "zod";
import { REASONS } from "../../src/lib/errors";
import { JobView } from "../../src/jobs/view.docs";
import { ModelView } from "../../src/surfaces/native/models.docs";
import { StatusView } from "../../src/surfaces/native/status.docs";
import { pathSeen, type FuzzAnswer, type FuzzRequest } from "./harness";
import { BudgetState } from "../../src/accounts/budget.docs";

// What the answers must look like: each surface's error envelope, and the success shape of each route.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = z.iso.datetime();
const COUNT = z.number().int().min(0);

function parseJson(answer: FuzzAnswer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new Error(`answered ${answer.res.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`);
  }
}

function expectShape(schema: z.ZodType, answer: FuzzAnswer, what: string): void {
  const result = schema.safeParse(parseJson(answer));
  if (!result.success) throw new Error(`${what} (${answer.res.status}): ${z.prettifyError(result.error)}\n${answer.text.slice(0, 500)}`);
}

function expectType(answer: FuzzAnswer, pattern: RegExp): void {
  const type = answer.res.headers.get("content-type") ?? "";
  if (!pattern.test(type)) throw new Error(`answered ${answer.res.status} as ${type || "no content type"}, not ${pattern}`);
}

export function expectStatus(answer: FuzzAnswer, allowed: number[]): void {
  if (!allowed.includes(answer.res.status)) throw new Error(`answered ${answer.res.status}, expected one of ${allowed.join(", ")}: ${answer.text.slice(0, 300)}`);
}

const Problem = z.object({
  type: z.string().startsWith("urn:imagegate:problem:"),
  title: z.string().min(1),
  status: z.number().int(),
  detail: z.string().min(1),
  code: z.enum(Object.keys(REASONS) as [string, ...string[]]),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  requestId: z.string().min(1),
});

/** Native, uploads, admin and files: RFC 9457 problem+json whose status is the answer's. */
export function expectProblem(answer: FuzzAnswer, method: string): void {
  expectType(answer, /^application\/problem\+json$/);
  if (method === "HEAD") return;
  expectShape(Problem, answer, "not a problem+json");
  const body = JSON.parse(answer.text) as { status: number; requestId: string; code: string; type: string };
  if (body.status !== answer.res.status) throw new Error(`problem status ${body.status} on a ${answer.res.status} answer`);
  if (body.requestId !== answer.res.headers.get("x-request-id")) throw new Error("problem requestId differs from x-request-id");
  if (body.type !== `urn:imagegate:problem:${body.code}`) throw new Error(`problem type ${body.type} for code ${body.code}`);
}

const OpenAIError = z.strictObject({
  error: z.strictObject({ message: z.string().min(1), type: z.string().min(1), param: z.string().nullable(), code: z.string().nullable() }),
});

export function expectOpenAIError(answer: FuzzAnswer, method: string): void {
  expectType(answer, /^application\/json/);
  if (method !== "HEAD") expectShape(OpenAIError, answer, "not OpenAI's error envelope");
}

const LeonardoError = z.strictObject({ error: z.string().min(1), path: z.string().startsWith("$"), code: z.string().min(1) });

export function expectLeonardoError(answer: FuzzAnswer, method: string): void {
  expectType(answer, /^application\/json/);
  if (method !== "HEAD") expectShape(LeonardoError, answer, "not Leonardo's error envelope");
}

/** A 2xx JSON answer with the route's shape. */
export function expectJson(answer: FuzzAnswer, schema: z.ZodType, what: string, method: string): void {
  expectType(answer, /^application\/json/);
  if (method !== "HEAD") expectShape(schema, answer, `not a ${what}`);
}

const Ledger = z.strictObject({ balance: z.number().int().min(0), reserved: z.number().int().min(0), spent: z.number().int().min(0), granted: z.number().int() });

/** An entry of GET /v1/models, with OpenAI's `shutdown_date` (YYYY-MM-DD or null). */
const OpenAIModelShape = z.strictObject({
  id: z.string(),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string(),
  shutdown_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
});

export const SUCCESS = {
  created: z.strictObject({ jobId: z.string().regex(UUID), status: z.literal("QUEUED") }),
  job: JobView.strict(),
  jobs: z.strictObject({ data: z.array(JobView.strict()), nextCursor: z.string().regex(/^\d+$/).nullable() }),
  models: z.strictObject({ data: z.array(ModelView.strict()).min(1) }),
  me: z.strictObject({
    accountId: z.string().min(1),
    keyId: z.string().min(1),
    credits: Ledger,
    limits: z.strictObject({ requestsPerMinute: z.number().int().min(1) }),
    budgets: z.array(BudgetState.strict()),
    storage: z.strictObject({ uploads: COUNT, bytes: COUNT, maxUploads: COUNT.min(1), maxBytes: COUNT.min(1) }),
    webhookSecret: z.string().startsWith("whsec_"),
    previousWebhookSecretExpiresAt: ISO.nullable(),
  }),
  upload: z.strictObject({
    id: z.string().regex(/^upl_[A-Za-z0-9]{24}$/),
    url: z.url(),
    contentType: z.enum(["image/png", "image/jpeg", "image/webp"]),
    byteSize: z.number().int().min(1),
    expiresAt: ISO,
  }),
  leonardoCreated: z.strictObject({ generate: z.strictObject({ generationId: z.string().regex(UUID), apiCreditCost: z.number().int().min(0) }) }),
  leonardoGeneration: z.strictObject({
    generations_by_pk: z
      .strictObject({
        id: z.string().regex(UUID),
        status: z.enum(["PENDING", "COMPLETE", "FAILED"]),
        generated_images: z.array(z.strictObject({ id: z.string(), url: z.url(), nsfw: z.boolean() })),
        prompt: z.string(),
        imageWidth: z.number().int(),
        imageHeight: z.number().int(),
        seed: z.number().int().nullable(),
        modelId: z.string(),
        public: z.boolean(),
        createdAt: ISO,
      })
      .nullable(),
  }),
  initImage: z.strictObject({
    uploadInitImage: z.strictObject({ id: z.string().regex(/^upl_/), url: z.url(), fields: z.string().refine((f) => typeof JSON.parse(f) === "object"), key: z.string().startsWith("uploads/") }),
  }),
  openaiImages: z.object({
    created: z.number().int(),
    data: z.array(z.union([z.strictObject({ b64_json: z.base64().min(1) }), z.strictObject({ url: z.url() })])).min(1),
    size: z.string().regex(/^\d+x\d+$/),
  }),
  openaiModels: z.strictObject({ object: z.literal("list"), data: z.array(OpenAIModelShape) }),
  openaiModel: OpenAIModelShape,
  minted: z.strictObject({ id: z.string().startsWith("key_"), key: z.string().regex(/^ig_test_[0-9A-Za-z]{32}$/), accountId: z.string().min(1) }),
  credited: z.strictObject({ accountId: z.string().min(1), credits: Ledger }),
  deliveries: z.strictObject({
    webhookStatus: z.enum(["pending", "delivered", "failed"]).nullable(),
    data: z.array(
      z.strictObject({
        event: z.enum(["job.progress", "job.completed", "job.failed", "job.cancelled"]),
        webhookId: z.string().regex(/^msg_[0-9A-Za-z]{24}$/),
        attempt: z.number().int().min(1),
        at: ISO,
        statusCode: z.number().int().min(100).max(599).nullable(),
        latencyMs: z.number().min(0),
        error: z.string().nullable(),
        nextAttemptAt: ISO.nullable(),
      }),
    ),
  }),
  status: StatusView.strict(),
  callbackReceived: z.strictObject({ received: z.literal(true), woke: z.boolean() }),
};

/** A job's event stream (GET /v2/jobs/:id/events) of a job that has ended: its events, each with the job, then the end. */
export function expectJobEvents(answer: FuzzAnswer, jobId: string): void {
  expectType(answer, /^text\/event-stream/);
  const blocks = answer.text.split("\n\n").filter((b) => b !== "" && !b.startsWith(":"));
  let last = 0;
  for (const block of blocks) {
    const m = /^id: (\d+)\nevent: (progress|completed|failed|cancelled)\ndata: (.*)$/s.exec(block);
    if (!m) throw new Error(`not an event block: ${block.slice(0, 200)}`);
    if (Number(m[1]) <= last) throw new Error(`event ids out of order: ${m[1]} after ${last}`);
    last = Number(m[1]);
    const data = SUCCESS.job.safeParse(JSON.parse(m[3]!));
    if (!data.success || data.data.id !== jobId) throw new Error(`event data is not the job ${jobId}: ${m[3]!.slice(0, 200)}`);
  }
  if (!answer.text.endsWith("\n\n") && answer.text !== "") throw new Error(`the stream ended mid-block: ${answer.text.slice(-100)}`);
}

/** An HTML page (the playground, /docs) served with a Content-Security-Policy. */
export function expectPage(answer: FuzzAnswer, method: string): void {
  expectType(answer, /^text\/html/);
  if (!answer.res.headers.get("content-security-policy")) throw new Error("a page without a Content-Security-Policy");
  if (method !== "HEAD" && !answer.text.startsWith("<!doctype html>")) throw new Error(`not an HTML page: ${answer.text.slice(0, 100)}`);
}

/** The blocks of a text/event-stream body that carry an event. */
function sseEvents(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("event:"))
    .map((block) => {
      const [eventLine, dataLine] = block.split("\n");
      return { event: eventLine!.slice("event: ".length), data: JSON.parse(dataLine!.slice("data: ".length)) as Record<string, unknown> };
    });
}

/** An SSE answer of /v1 whose job failed after the stream began: comments while waiting, then one error event. */
export function expectErrorEvent(answer: FuzzAnswer): void {
  expectType(answer, /^text\/event-stream/);
  const events = sseEvents(answer.text);
  const error = events.length === 1 && events[0]!.event === "error" && events[0]!.data.type === "error" ? OpenAIError.safeParse({ error: events[0]!.data.error }) : null;
  if (!error?.success) throw new Error(`not a single error event in OpenAI's envelope: ${answer.text.slice(0, 300)}`);
}

/** An SSE answer of /v1 with stream: true: comments while waiting, then one completed event per image. */
/** Partial images (base64, numbered) and then completed events, at least one. */
export function expectImageEvents(answer: FuzzAnswer, prefix: "image_generation" | "image_edit"): void {
  expectType(answer, /^text\/event-stream/);
  const events = sseEvents(answer.text);
  const completed = events.findIndex((e) => e.event === `${prefix}.completed`);
  const partial = (e: (typeof events)[number]): boolean =>
    e.event === `${prefix}.partial_image` && e.data.type === e.event && typeof e.data.b64_json === "string" && Number.isInteger(e.data.partial_image_index);
  const done = (e: (typeof events)[number]): boolean =>
    e.event === `${prefix}.completed` && e.data.type === e.event && (typeof e.data.b64_json === "string" || typeof e.data.url === "string");
  if (completed === -1 || !events.slice(0, completed).every(partial) || !events.slice(completed).every(done)) {
    throw new Error(`not a stream of ${prefix} partial images and completed events: ${answer.text.slice(0, 300)}`);
  }
}

const OpenApi = z.looseObject({
  openapi: z.string().startsWith("3.1"),
  info: z.looseObject({ title: z.string().min(1), version: z.string().min(1) }),
  servers: z.tuple([z.strictObject({ url: z.literal("/"), description: z.string().min(1) })]),
  paths: z.record(z.string().startsWith("/"), z.record(z.string(), z.unknown())),
});

/** The keyless pages at the root, by the path they answer. */
export const ROOT_PAGES = { "/": "playground", "/docs": "docs", "/openapi.json": "openapi", "/healthz": "health" } as const;

/**
 * An answer for a path outside any surface (a stray one, or one that leaves its surface once parsed: /v1/.. is /):
 * a root page answered as that page, anything else the Worker's problem+json.
 */
export function expectOutside(req: FuzzRequest, answer: FuzzAnswer): void {
  const page = ROOT_PAGES[pathSeen(req) as keyof typeof ROOT_PAGES];
  if (answer.res.status >= 400 || !page) return expectProblem(answer, req.method);
  if (req.method !== "GET" && req.method !== "HEAD") throw new Error(`${req.method} ${pathSeen(req)} answered ${answer.res.status}`);
  expectStatus(answer, [200]);
  if (page === "playground" || page === "docs") return expectPage(answer, req.method);
  if (page === "openapi") return expectJson(answer, OpenApi, "OpenAPI document", req.method);
  expectJson(answer, z.strictObject({ ok: z.literal(true) }), "liveness answer", req.method);
}
