import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEEP_ALIVE } from "../../src/surfaces/openai/answer";
import { EditJsonRequest, GenerationRequest } from "../../src/surfaces/openai/schemas";
import type { JobRecord } from "../../src/jobs/record";
import { DEV_KEY, runToEnd, storedJob } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { authHeaders, jsonRequestBody, pathSegment, queryString } from "./arbitraries";
import { openaiEditFormFields, openaiEditJsonBody, openaiGenerationBody, vocabulary } from "./bodies";
import { RUNS, fuzzSurface, pathSeen, requests, timeoutFor, type FuzzAnswer, type FuzzRequest } from "./harness";
import { fieldText, filePart, formRequest, type Part } from "./multipart";
import { SUCCESS, expectErrorEvent, expectImageEvents, expectJson, expectOpenAIError, expectOutside, expectStatus } from "./shapes";

// Fuzzing the OpenAI-compatible surface (/v1): generations (plain and streamed), edits as JSON and as multipart
// forms, and the models. Never a 5xx; errors are {error: {message, type, param, code}}; a 2xx is OpenAI's images
// object, a stream of completed events, or the model list. Answers start at once (no grace period); an admitted
// job (named by x-imagegate-job-id) is run to its end through its alarms before its answer is read, and a job that
// failed after its answer began says so in the 200 body: the error object, or an error event.

let account: TestAccount;
const saved = { ...KEEP_ALIVE };

beforeAll(async () => {
  Object.assign(KEEP_ALIVE, { graceMs: 0, intervalMs: 50 });
  account = await mintAccount({ credits: 1_000_000, requestsPerMinute: 20 });
});
afterAll(() => Object.assign(KEEP_ALIVE, saved));

function editFormParts(): fc.Arbitrary<Part[]> {
  return fc
    .record({
      fields: openaiEditFormFields,
      altered: fc.option(fc.tuple(fc.string({ maxLength: 20 }), fieldText("x")), { freq: 3 }),
      images: fc.oneof(
        { weight: 4, arbitrary: filePart("image").map((p) => [p]) },
        { weight: 1, arbitrary: fc.array(filePart("image[]"), { maxLength: 3 }) },
      ),
      mask: fc.option(filePart("mask"), { freq: 3 }),
    })
    .map(({ fields, altered, images, mask }) => {
      const text = Object.entries(fields).map(([name, data]): Part => ({ name, data }));
      if (altered) text.push({ name: altered[0], data: altered[1] });
      return [...text, ...images, ...(mask ? [mask] : [])];
    });
}

/** An edit whose image is a data: URL of megabytes (edits take bodies up to 32 MB), well formed or broken at the end. */
const bigDataUrlEdit = fc
  .record({ chars: fc.constantFrom(2_000_000, 6_000_000, 12_000_000), tail: fc.constantFrom("", "AA==", "A=", "!") })
  .map(({ chars, tail }) => ({
    contentType: "application/json",
    body: JSON.stringify({ model: "gpt-image-2", prompt: "fuzz: big data URL", images: [{ image_url: `data:image/png;base64,${"A".repeat(chars)}${tail}` }] }),
  }));

function openaiRequests(): fc.Arbitrary<FuzzRequest> {
  const auth = authHeaders(account.key, [DEV_KEY]);
  const editBody = fc.oneof(
    { weight: 20, arbitrary: jsonRequestBody(openaiEditJsonBody, vocabulary) },
    { weight: 20, arbitrary: formRequest(editFormParts()) },
    { weight: 1, arbitrary: bigDataUrlEdit },
  );
  return fc.oneof(
    { weight: 8, arbitrary: requests({ route: "generation", method: "POST", path: fc.constant("/v1/images/generations"), headers: auth, body: jsonRequestBody(openaiGenerationBody, vocabulary) }) },
    { weight: 8, arbitrary: requests({ route: "edit", method: "POST", path: fc.constant("/v1/images/edits"), headers: auth, body: editBody }) },
    { weight: 1, arbitrary: requests({ route: "models", method: "GET", path: queryString([]).map((q) => `/v1/models${q}`), headers: auth }) },
    { weight: 1, arbitrary: requests({ route: "model", method: "GET", path: fc.oneof(fc.constantFrom("gpt-image-2", "gpt-image-1.5", "dall-e-3", "GPT-IMAGE-2"), pathSegment).map((m) => `/v1/models/${m}`), headers: auth }) },
    {
      weight: 1,
      arbitrary: requests({
        route: "stray",
        method: "GET",
        path: fc.oneof(fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => `/v1/${s.join("/")}`), fc.constantFrom("/v1", "/v1/", "/v1/images", "/v1/images/variations", "/v1/chat/completions", "/v1/images/generations/x")),
        headers: auth,
      }),
    },
  );
}

async function finishJob(res: Response): Promise<void> {
  const jobId = res.headers.get("x-imagegate-job-id");
  if (jobId) await runToEnd(jobId);
}

/** The job behind an answer (named by x-imagegate-job-id), as it ended (finishJob ran it to its end), if there is one. */
async function jobBehind(res: Response): Promise<JobRecord | null> {
  const jobId = res.headers.get("x-imagegate-job-id");
  return jobId ? storedJob(jobId) : null;
}

async function checkOpenAI(req: FuzzRequest, answer: FuzzAnswer): Promise<void> {
  const { res } = answer;
  if (!/^\/v1(\/|$)/.test(pathSeen(req))) return expectOutside(req, answer);
  if (res.status >= 400) return expectOpenAIError(answer, req.method);
  if (req.route === "stray") return;
  const own = req.route === "generation" || req.route === "edit" ? "POST" : "GET";
  if (req.method !== own && !(req.method === "HEAD" && own === "GET")) throw new Error(`${req.method} on the ${req.route} route answered ${res.status}`);
  expectStatus(answer, [200]);
  if (req.route === "models") return expectJson(answer, SUCCESS.openaiModels, "model list", req.method);
  if (req.route === "model") return expectJson(answer, SUCCESS.openaiModel, "model", req.method);
  // The answer began before its job ended (no grace period here): a job that then failed (e.g. a reference URL that
  // could not be fetched) can only say so in the body, as the error object or an error event.
  const job = await jobBehind(res);
  if (!job || !["COMPLETED", "FAILED", "CANCELLED"].includes(job.status)) throw new Error(`answered 200 for a job that is ${job?.status ?? "missing"}`);
  const failed = job.status !== "COMPLETED";
  if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return failed ? expectErrorEvent(answer) : expectImageEvents(answer, req.route === "edit" ? "image_edit" : "image_generation");
  }
  if (failed) return expectOpenAIError(answer, req.method);
  expectJson(answer, SUCCESS.openaiImages, "images object", req.method);
}

describe("fuzz: OpenAI /v1", () => {
  it("generates valid bodies from the catalogue", () => {
    for (const body of fc.sample(openaiGenerationBody, 200)) expect(GenerationRequest.safeParse(body).error).toBeUndefined();
    for (const body of fc.sample(openaiEditJsonBody, 200)) expect(EditJsonRequest.safeParse(body).error).toBeUndefined();
  });

  it(`never answers 5xx, and answers in OpenAI's error envelope or its success shapes (${RUNS} cases)`, () => fuzzSurface("openai", openaiRequests(), checkOpenAI, finishJob), timeoutFor(RUNS));
});
