import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { LeonardoGenerationRequest } from "../../src/surfaces/leonardo/schemas";
import { uploadFields } from "../../src/surfaces/leonardo/upload-policy";
import { api, DEV_KEY, elapse, fireAlarm, storedJob } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { authHeaders, jsonRequestBody, pathSegment, queryString } from "./arbitraries";
import { initImageBody, leonardoBody, vocabulary, type References } from "./bodies";
import { RUNS, fuzzSurface, pathSeen, requests, timeoutFor, uploadReference, type FuzzAnswer, type FuzzRequest } from "./harness";
import { fieldText, filePart, formRequest, type Part } from "./multipart";
import { SUCCESS, expectJson, expectLeonardoError, expectOutside, expectStatus } from "./shapes";

// Fuzzing the Leonardo-compatible surface (/api/rest): generations from near-valid seed bodies, reads of any id,
// init-image, and the keyless upload form with its signed fields kept, altered, dropped or expired. Never a 5xx;
// errors are Leonardo's {error, path, code}; a 2xx has the route's shape.

let account: TestAccount;
let ownGeneration: string;
const fieldSets: Record<string, string>[] = [];
const refs: References = { uploads: [], generated: [] };

async function generation(body: unknown, key: string): Promise<string> {
  const res = await api("/api/rest/v2/generations", { method: "POST", body: JSON.stringify(body), key });
  const id = ((await res.json()) as { generate: { generationId: string } }).generate.generationId;
  for (let i = 0; i < 50 && (await storedJob(id)).status !== "COMPLETED"; i++) {
    await elapse(id, 5_000);
    await fireAlarm(id);
  }
  return id;
}

beforeAll(async () => {
  account = await mintAccount({ credits: 1_000_000, requestsPerMinute: 20 });
  ownGeneration = await generation({ model: "gpt-image-2", parameters: { prompt: "fuzz: own generation", quality: "LOW" } }, account.key);
  for (const extension of ["png", "png", "jpg", "webp"]) {
    const res = await api("/api/rest/v1/init-image", { method: "POST", body: JSON.stringify({ extension }), key: account.key });
    fieldSets.push(JSON.parse(((await res.json()) as { uploadInitImage: { fields: string } }).uploadInitImage.fields) as Record<string, string>);
  }
  refs.uploads.push((await uploadReference(account.key)).id, (await uploadReference(DEV_KEY)).id);
  refs.generated.push(`${ownGeneration}-0`, `${ownGeneration}-1`, "00000000-0000-0000-0000-000000000000-0");
  fieldSets.push(await uploadFields(env, { accountId: account.accountId, keyId: account.keyId, requestsPerMinute: 60, uploadId: "upl_expiredexpiredexpired0", extension: "png", expiresAt: Date.now() - 1000 }));
});

const UPLOAD_FIELDS: string[] = ["key", "Content-Type", "policy", "x-imagegate-signature"];

function leonardoRequests(): fc.Arbitrary<FuzzRequest> {
  const auth = authHeaders(account.key, [DEV_KEY]);
  const id = fc.oneof(fc.constantFrom(ownGeneration, "00000000-0000-0000-0000-000000000000"), fc.uuid().map(String), pathSegment);
  const uploadParts: fc.Arbitrary<Part[]> = fc
    .record({
      fields: fc.constantFrom(...fieldSets),
      keep: fc.oneof({ weight: 3, arbitrary: fc.constant(UPLOAD_FIELDS) }, { weight: 1, arbitrary: fc.subarray(UPLOAD_FIELDS) }),
      // "" keeps the field init-image gave; anything else replaces it.
      values: fc.array(fc.oneof({ weight: 10, arbitrary: fc.constant<string | Uint8Array>("") }, { weight: 1, arbitrary: fieldText("") }), { minLength: 4, maxLength: 4 }),
      file: fc.oneof({ weight: 4, arbitrary: filePart("file").map((p) => [p]) }, { weight: 1, arbitrary: fc.array(filePart("file"), { maxLength: 2 }) }),
    })
    .map(({ fields, keep, values, file }) => [
      ...keep.map((name, i) => {
        const altered = values[i]!;
        return { name, data: altered === "" ? fields[name]! : altered };
      }),
      ...file,
    ]);
  return fc.oneof(
    { weight: 8, arbitrary: requests({ route: "generate", method: "POST", path: fc.constant("/api/rest/v2/generations"), headers: auth, body: jsonRequestBody(leonardoBody(refs), vocabulary) }) },
    { weight: 3, arbitrary: requests({ route: "generation", method: "GET", path: fc.tuple(id, queryString([])).map(([i, q]) => `/api/rest/v1/generations/${i}${q}`), headers: auth }) },
    { weight: 2, arbitrary: requests({ route: "init-image", method: "POST", path: fc.constant("/api/rest/v1/init-image"), headers: auth, body: jsonRequestBody(initImageBody, vocabulary) }) },
    { weight: 3, arbitrary: requests({ route: "upload", method: "POST", path: fc.constant("/api/rest/v1/init-image/upload"), headers: fc.constant([]), body: formRequest(uploadParts) }) },
    {
      weight: 1,
      arbitrary: requests({
        route: "stray",
        method: "GET",
        path: fc.oneof(fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => `/api/rest/${s.join("/")}`), fc.constantFrom("/api/rest", "/api/rest/", "/api/rest/v1/generations", "/api/rest/v2/generations/x", "/api")),
        headers: auth,
      }),
    },
  );
}

const SHAPES = {
  generate: { method: "POST", status: 200, schema: SUCCESS.leonardoCreated, what: "created generation" },
  generation: { method: "GET", status: 200, schema: SUCCESS.leonardoGeneration, what: "generation" },
  "init-image": { method: "POST", status: 200, schema: SUCCESS.initImage, what: "init-image answer" },
} as const;

function checkLeonardo(req: FuzzRequest, answer: FuzzAnswer): void {
  const { res } = answer;
  // A path outside /api/rest (e.g. /api, or /api/rest/.. once parsed) is the Worker's: a root page or its own 404.
  if (!/^\/api\/rest(\/|$)/.test(pathSeen(req))) return expectOutside(req, answer);
  if (res.status >= 400) return expectLeonardoError(answer, req.method);
  if (req.route === "stray") return;
  if (req.route === "upload") {
    if (req.method !== "POST" || res.status !== 204 || answer.bytes.length > 0) throw new Error(`the upload answered ${req.method} ${res.status}`);
    return;
  }
  const shape = SHAPES[req.route as keyof typeof SHAPES];
  const asGet = req.method === "HEAD" && shape.method === "GET";
  if (req.method !== shape.method && !asGet) throw new Error(`${req.method} on the ${req.route} route answered ${res.status}`);
  expectStatus(answer, [shape.status]);
  expectJson(answer, shape.schema, shape.what, req.method);
}

describe("fuzz: Leonardo /api/rest", () => {
  it("generates valid bodies from the catalogue", () => {
    for (const body of fc.sample(leonardoBody(refs), 200)) expect(LeonardoGenerationRequest.safeParse(body).error).toBeUndefined();
  });

  it(`never answers 5xx, and answers in {error, path, code} or the route's shape (${RUNS} cases)`, () => fuzzSurface("leonardo", leonardoRequests(), checkLeonardo), timeoutFor(RUNS));
});
