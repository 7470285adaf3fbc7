import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { DEV_KEY } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { authHeaders, jsonContentType, randomBytes } from "./arbitraries";
import { RUNS, fuzzSurface, requests, timeoutFor, type FuzzAnswer, type FuzzRequest } from "./harness";
import { fieldText, filePart, formRequest, type Part } from "./multipart";
import { SUCCESS, expectJson, expectProblem, expectStatus } from "./shapes";

// Fuzzing reference uploads (POST /v2/uploads): forms with a file that is an image, half of one, SVG or noise; extra,
// missing and renamed parts; truncated and mis-framed bodies; other content types; an upload over 25 MB.

let account: TestAccount;

beforeAll(async () => {
  account = await mintAccount({ credits: 10 });
});

/** Just over the 25 MB upload limit, built once. */
const OVERSIZED = new Uint8Array(25 * 1024 * 1024 + 100 * 1024);

function uploadRequests(): fc.Arbitrary<FuzzRequest> {
  const parts: fc.Arbitrary<Part[]> = fc
    .tuple(
      fc.array(filePart("file"), { minLength: 0, maxLength: 2 }),
      fc.array(fc.record({ name: fc.constantFrom("purpose", "file", "name", "x"), data: fieldText("reference") }), { maxLength: 2 }),
    )
    .map(([files, fields]) => [...fields, ...files]);
  const body = fc.oneof(
    { weight: 12, arbitrary: formRequest(parts) },
    { weight: 2, arbitrary: fc.record({ contentType: jsonContentType, body: fc.oneof(randomBytes, fc.constant('{"file":"x"}')) }) },
    { weight: 1, arbitrary: fc.constant({ contentType: "multipart/form-data; boundary=b", body: OVERSIZED }) },
  );
  return requests({ route: "upload", method: "POST", path: fc.oneof({ weight: 8, arbitrary: fc.constant("/v2/uploads") }, { weight: 1, arbitrary: fc.constantFrom("/v2/uploads/", "/v2/uploads?x=1", "/v2/uploads/x") }), headers: authHeaders(account.key, [DEV_KEY]), body });
}

function checkUpload(req: FuzzRequest, answer: FuzzAnswer): void {
  if (answer.res.status >= 400) return expectProblem(answer, req.method);
  if (req.method !== "POST") throw new Error(`${req.method} on uploads answered ${answer.res.status}`);
  expectStatus(answer, [201]);
  expectJson(answer, SUCCESS.upload, "upload", req.method);
}

describe("fuzz: uploads POST /v2/uploads", () => {
  it(`never answers 5xx, and answers 201 with the upload or problem+json (${RUNS} cases)`, () => fuzzSurface("uploads", uploadRequests(), checkUpload), timeoutFor(RUNS));
});
