import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { mintFileUrl } from "../../src/files/signing";
import { api, BASE, DEV_KEY, createJob, runToEnd } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { activeModel, jobBody } from "../helpers/models";
import { authHeaders, headerValue, pathSegment, queryString } from "./arbitraries";
import { RUNS, fuzzSurface, pathSeen, requests, timeoutFor, uploadReference, type FuzzAnswer, type FuzzRequest } from "./harness";
import { expectOutside, expectProblem } from "./shapes";

// Fuzzing the files route (/v2/files/*): real keys with right, expired, altered or missing signatures, made-up and
// broken keys, every conditional and range header. Never a 5xx; errors are problem+json; a 2xx or 304 serves the
// file's bytes (or a part of them) consistently with its headers.

let account: TestAccount;
const keys: string[] = [];
const signed: string[] = [];
const etags: string[] = [];

const pathAndQuery = (url: string): string => {
  const u = new URL(url);
  return u.pathname + u.search;
};

beforeAll(async () => {
  account = await mintAccount({ credits: 10_000 });
  const own = await runToEnd(await createJob({ prompt: "fuzz: files", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, account.key));
  const shared = await runToEnd(await createJob({ prompt: "fuzz: public files", model: "gpt-image-2", public: true, gptImage2Params: { quality: "low" } }, account.key));
  const foreign = await runToEnd(await createJob(jobBody(activeModel(), { prompt: "fuzz: foreign files" }, { quality: "low" })));
  const uploadKey = new URL((await uploadReference(account.key)).url).pathname.slice("/v2/files/".length);
  keys.push(own.files[0]!.key, shared.files[0]!.key, foreign.files[0]!.key, uploadKey);
  for (const key of keys) {
    signed.push(pathAndQuery(await mintFileUrl(env, BASE, key, false, Date.now())));
    signed.push(pathAndQuery(await mintFileUrl(env, BASE, key, false, Date.now() - 3 * 24 * 3600 * 1000)));
    const head = await api(signed[signed.length - 2]!, { method: "HEAD", key: null });
    etags.push(head.headers.get("etag")!);
  }
});

function fileRequests(): fc.Arbitrary<FuzzRequest> {
  const alter = (path: string, n: number): string => {
    const at = n % path.length;
    const ch = path[at] === "0" ? "1" : "0";
    return path.slice(0, at) + ch + path.slice(at + 1);
  };
  const path = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...signed) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...signed), fc.nat()).map(([p, n]) => alter(p, n)) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...keys), queryString(["exp", "sig"], fc.oneof(fc.nat().map(String), fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), maxLength: 64 }), fc.string({ maxLength: 20 })))).map(([k, q]) => `/v2/files/${k}${q}`) },
    { weight: 1, arbitrary: fc.constantFrom(...keys).map((k) => `/v2/files/${k.toUpperCase()}`) },
    { weight: 2, arbitrary: fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((s) => `/v2/files/${s.join("/")}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "/v2/files", "/v2/files/", "/v2/files/jobs/00000000-0000-0000-0000-000000000000/0.png", "/v2/files/uploads/upl_x.png",
        "/v2/files/staging/jobs/x/0.png", "/v2/files/jobs/%2e%2e/0.png", "/v2/files/jobs%2F00000000-0000-0000-0000-000000000000%2F0.png",
      ),
    },
  );
  const sometimes = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: a });
  const date = fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(253402300799000) }).map((d) => d.toUTCString());
  const etag = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...etags) }, { weight: 1, arbitrary: fc.constantFrom(...etags).map((e) => `W/${e}`) }, { weight: 1, arbitrary: fc.constantFrom("*", '"nope"', '""', `"a", ${etags[0]}`) }, { weight: 1, arbitrary: headerValue(30) });
  const conditional = fc.record({
    "if-none-match": sometimes(etag),
    "if-match": sometimes(etag),
    "if-modified-since": sometimes(fc.oneof(date, headerValue(20))),
    "if-unmodified-since": sometimes(fc.oneof(date, headerValue(20))),
    "if-range": sometimes(fc.oneof(etag, date)),
    range: sometimes(
      fc.oneof(
        fc.tuple(fc.nat({ max: 400 }), fc.nat({ max: 400 })).map(([a, b]) => `bytes=${a}-${b}`),
        fc.nat({ max: 400 }).map((n) => `bytes=${n}-`),
        fc.nat({ max: 400 }).map((n) => `bytes=-${n}`),
        fc.constantFrom("bytes=0-0,2-3", "bytes=-0", "bytes=", "bytes=a-b", "items=0-1", "bytes=1-0", "bytes = 0-1", "bytes=0-99999999999999999999"),
        headerValue(20),
      ),
    ),
  });
  const headers = fc
    .tuple(fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: authHeaders(account.key, [DEV_KEY]) }), conditional)
    .map(([auth, cond]) => [...auth, ...Object.entries(cond).filter(([, v]) => v !== "")]);
  return fc.oneof(
    { weight: 3, arbitrary: requests({ route: "file", method: "GET", path, headers }) },
    { weight: 1, arbitrary: requests({ route: "file", method: "HEAD", path, headers }) },
  );
}

function checkFile(req: FuzzRequest, answer: FuzzAnswer): void {
  const { res, bytes } = answer;
  // A key of dot segments leaves the route once parsed (/v2/files/%2e%2e/.. is /): judged as the Worker's own.
  if (!pathSeen(req).startsWith("/v2/files/")) return expectOutside(req, answer);
  if (res.status >= 400) return expectProblem(answer, req.method);
  if (req.method !== "GET" && req.method !== "HEAD") throw new Error(`${req.method} on a file answered ${res.status}`);
  const etag = res.headers.get("etag");
  if (!etag) throw new Error(`answered ${res.status} without an ETag`);
  if (res.status === 304) {
    if (bytes.length > 0) throw new Error("a 304 with a body");
    return;
  }
  if (!/^image\/(png|jpeg|webp)$/.test(res.headers.get("content-type") ?? "")) throw new Error(`served as ${res.headers.get("content-type")}`);
  const length = Number(res.headers.get("content-length"));
  if (req.method === "HEAD") {
    if (bytes.length > 0 || !(length > 0)) throw new Error(`HEAD answered ${bytes.length} bytes, Content-Length ${length}`);
    return;
  }
  if (bytes.length !== length) throw new Error(`served ${bytes.length} bytes with Content-Length ${length}`);
  if (res.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get("content-range") ?? "");
    if (!range || Number(range[2]) - Number(range[1]) + 1 !== length || Number(range[2]) >= Number(range[3])) {
      throw new Error(`a 206 with Content-Range ${res.headers.get("content-range")} and ${length} bytes`);
    }
  } else if (res.status !== 200) {
    throw new Error(`answered ${res.status}`);
  }
}

describe("fuzz: files /v2/files/*", () => {
  it(`never answers 5xx, and serves bytes consistent with the headers or problem+json (${RUNS} cases)`, () => fuzzSurface("files", fileRequests(), checkFile), timeoutFor(RUNS));
});
