import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { mintFileUrl } from "../../src/files/signing";
import { api, createJob, runToEnd } from "../helpers/api";

// GET/HEAD /v2/files/*: signatures, conditional requests, ranges, caching.

let path: string; // signed path + query of a private file
let key: string;
let size: number;

const get = (p: string, headers: Record<string, string> = {}, method = "GET") => api(p, { method, headers, key: null });

beforeAll(async () => {
  const jobId = await createJob({ prompt: "files route", model: "gpt-image-2", gptImage2Params: { aspect_ratio: "1:1" } });
  const rec = await runToEnd(jobId);
  key = rec.files[0]!.key;
  size = rec.files[0]!.byteSize;
  const url = new URL(await mintFileUrl(env, "https://imagegate.test", key, false, Date.now()));
  path = url.pathname + url.search;
});

describe("files route", () => {
  it("serves a signed private file with its type, ETag and private immutable caching", async () => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-length")).toBe(String(size));
    expect(res.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
    expect(res.headers.get("etag")).toMatch(/^"/);
    expect((await res.arrayBuffer()).byteLength).toBe(size);
  });

  it("answers HEAD with headers and no body", async () => {
    const res = await get(path, {}, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(size));
    expect(await res.text()).toBe("");
  });

  it("answers 304 to a matching If-None-Match", async () => {
    const etag = (await get(path)).headers.get("etag")!;
    const res = await get(path, { "If-None-Match": etag });
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(etag);
  });

  it("answers 206 with the requested bytes for a Range", async () => {
    const full = new Uint8Array(await (await get(path)).arrayBuffer());
    const res = await get(path, { Range: "bytes=8-23" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 8-23/${size}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(full.slice(8, 24));
    const suffix = await get(path, { Range: "bytes=-10" });
    expect(suffix.status).toBe(206);
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(full.slice(-10));
  });

  it("answers 416 with Content-Range bytes */<size> to an unsatisfiable range", async () => {
    for (const range of [`bytes=${size}-`, `bytes=${size + 100}-${size + 200}`, "bytes=-0", `bytes=${size}-,${size + 1}-`]) {
      const res = await get(path, { Range: range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get("content-range"), range).toBe(`bytes */${size}`);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(((await res.json()) as { code: string }).code).toBe("range_not_satisfiable");
    }
  });

  it("ignores an unparsable Range, another unit and several ranges: 200 with the whole file", async () => {
    const full = new Uint8Array(await (await get(path)).arrayBuffer());
    for (const range of ["bytes=5-2", "bytes=abc", "items=0-1", "bytes=", "bytes = 0-1", "bytes=0-1,abc", "bytes=0-0,2-3", "bytes=0-1,5-"]) {
      const res = await get(path, { Range: range });
      expect(res.status, range).toBe(200);
      expect(res.headers.get("content-range"), range).toBeNull();
      expect(res.headers.get("content-length"), range).toBe(String(size));
      expect(new Uint8Array(await res.arrayBuffer()), range).toEqual(full);
    }
  });

  it("reads a range as RFC 9110 writes it: a last-pos past the end is cut, the unit is case-insensitive", async () => {
    const full = new Uint8Array(await (await get(path)).arrayBuffer());
    const tail = await get(path, { Range: `Bytes=${size - 4}-99999999999999999999` });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes ${size - 4}-${size - 1}/${size}`);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(full.slice(-4));
    const longSuffix = await get(path, { Range: `bytes=-${size + 50}` });
    expect(longSuffix.status).toBe(206);
    expect(longSuffix.headers.get("content-range")).toBe(`bytes 0-${size - 1}/${size}`);
    await longSuffix.arrayBuffer();
  });

  /** Each case's status, Content-Length and body length: a 206 is the first ten bytes, a 200 the whole file. */
  async function expectIfRange(cases: [string, 200 | 206][]): Promise<void> {
    for (const [ifRange, status] of cases) {
      const res = await get(path, { Range: "bytes=0-9", "If-Range": ifRange });
      expect(res.status, ifRange).toBe(status);
      expect(res.headers.get("content-length"), ifRange).toBe(String(status === 206 ? 10 : size));
      expect((await res.arrayBuffer()).byteLength, ifRange).toBe(status === 206 ? 10 : size);
    }
  }

  it("honours an If-Range entity tag only when it is the strong ETag, else 200 with the whole file", async () => {
    const etag = (await get(path, {}, "HEAD")).headers.get("etag")!;
    await expectIfRange([['"nope"', 200], [`W/${etag}`, 200], ["garbage", 200], [etag, 206]]);
  });

  it("honours an If-Range date only when it is exactly Last-Modified, else 200 with the whole file", async () => {
    const lastModified = (await get(path, {}, "HEAD")).headers.get("last-modified")!;
    expect(lastModified).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const shifted = (s: number) => new Date(Date.parse(lastModified) + s * 1000).toUTCString();
    await expectIfRange([[shifted(1), 200], [shifted(-1), 200], [lastModified, 206]]);
  });

  async function expectConditional(cases: [Record<string, string>, number][]): Promise<void> {
    for (const [headers, status] of cases) {
      const res = await get(path, headers);
      expect(res.status, JSON.stringify(headers)).toBe(status);
      await res.arrayBuffer();
    }
  }

  it("ignores an If-Modified-Since or If-Unmodified-Since that is not an HTTP-date", async () => {
    await expectConditional([
      [{ "If-Unmodified-Since": "garbage" }, 200],
      [{ "If-Unmodified-Since": "1" }, 200],
      [{ "If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT, Thu, 01 Jan 1970 00:00:00 GMT" }, 200],
      [{ "If-Modified-Since": "garbage" }, 200],
      [{ "If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 UTC" }, 200],
    ]);
  });

  it("ignores an If-Modified-Since later than the server's clock", async () => {
    await expectConditional([[{ "If-Modified-Since": new Date(Date.now() + 24 * 3600 * 1000).toUTCString() }, 200]]);
  });

  it("compares If-Modified-Since and If-Unmodified-Since with Last-Modified, in any of the three HTTP-date forms", async () => {
    const lastModified = (await get(path, {}, "HEAD")).headers.get("last-modified")!;
    const at = new Date(Date.parse(lastModified));
    const before = new Date(at.getTime() - 1000).toUTCString();
    // RFC 850 and asctime spellings of the same instant (RFC 9110 §5.6.7).
    const [dayName, date, time] = [at.toLocaleDateString("en-US", { weekday: "long", timeZone: "UTC" }), lastModified.slice(5, 16), lastModified.slice(17, 25)];
    const rfc850 = `${dayName}, ${date.slice(0, 2)}-${date.slice(3, 6)}-${date.slice(9, 11)} ${time} GMT`;
    const asctime = `${lastModified.slice(0, 3)} ${date.slice(3, 6)} ${String(at.getUTCDate()).padStart(2, " ")} ${time} ${date.slice(7, 11)}`;
    await expectConditional([
      [{ "If-Modified-Since": lastModified }, 304],
      [{ "If-Modified-Since": rfc850 }, 304],
      [{ "If-Modified-Since": asctime }, 304],
      [{ "If-Modified-Since": before }, 200],
      [{ "If-Unmodified-Since": lastModified }, 200],
      [{ "If-Unmodified-Since": before }, 412],
      [{ "If-Unmodified-Since": before, "If-Match": "*" }, 200],
      [{ "If-None-Match": '"other"', "If-Modified-Since": lastModified }, 200],
    ]);
  });

  it("answers a private file without a valid signature the same whether or not it exists", async () => {
    const absent = "jobs/00000000-0000-4000-8000-000000000000/0.png";
    const signedAbsent = new URL(await mintFileUrl(env, "https://x", absent, false, Date.now()));
    const expiredOf = async (k: string) => {
      const u = new URL(await mintFileUrl(env, "https://x", k, false, Date.now() - 3 * 24 * 3600 * 1000));
      return u.pathname + u.search;
    };
    const asked = async (p: string) => {
      const res = await get(p);
      return { status: res.status, body: { ...((await res.json()) as object), requestId: null } };
    };
    const variants: [string, string][] = [
      [`/v2/files/${key}`, `/v2/files/${absent}`],
      [await expiredOf(key), await expiredOf(absent)],
      [path.replace(/sig=[0-9a-f]/, "sig=g"), signedAbsent.pathname + signedAbsent.search.replace(/sig=[0-9a-f]/, "sig=g")],
    ];
    for (const [existing, missing] of variants) {
      const [a, b] = [await asked(existing), await asked(missing)];
      expect(a.status, existing).toBe(403);
      expect(b, missing).toEqual(a);
    }
  });

  it("refuses a private file without a signature, with an expired one and with a tampered one (403)", async () => {
    const bare = await get(`/v2/files/${key}`);
    expect(bare.status).toBe(403);
    expect(bare.headers.get("content-type")).toBe("application/problem+json");
    expect((await bare.json()) as object).toMatchObject({ status: 403, code: "forbidden" });

    const expiredUrl = new URL(await mintFileUrl(env, "https://x", key, false, Date.now() - 3 * 24 * 3600 * 1000));
    const expired = await get(expiredUrl.pathname + expiredUrl.search);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/);

    const tampered = await get(path.replace(/sig=([0-9a-f])/, (_m, c: string) => `sig=${c === "0" ? "1" : "0"}`));
    expect(tampered.status).toBe(403);
    const otherKey = await get(path.replace(/\/0\.png/, "/1.png"));
    expect([403, 404]).toContain(otherKey.status);
    const laterExp = await get(path.replace(/exp=(\d+)/, (_m, e: string) => `exp=${Number(e) + 3600}`));
    expect(laterExp.status).toBe(403);
  });

  it("answers 404 for unknown files and malformed keys", async () => {
    const missingKey = "jobs/00000000-0000-0000-0000-000000000000/0.png";
    const url = new URL(await mintFileUrl(env, "https://x", missingKey, false, Date.now()));
    expect((await get(url.pathname + url.search)).status).toBe(404);
    expect((await get("/v2/files/../../etc/passwd")).status).toBe(404);
    expect((await get("/v2/files/staging/whatever.png")).status).toBe(404);
  });

  it("serves public files without a signature and with public caching", async () => {
    const jobId = await createJob({ prompt: "public one", model: "gpt-image-2", public: true });
    const rec = await runToEnd(jobId);
    const job = (await (await api(`/v2/jobs/${jobId}`)).json()) as { result: { images: string[] } };
    expect(job.result.images[0]).not.toContain("sig=");
    const res = await get(`/v2/files/${rec.files[0]!.key}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });
});
