import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startGateway, type Gateway } from "./gateway.ts";
import { chooseModel } from "./models.ts";

// What a real `wrangler dev` prints while a job runs: one JSON line per request and per job (when it ends), and
// nowhere the key, the signing secret or a file signature.

let gw: Gateway;

before(async () => {
  gw = await startGateway();
});
after(async () => {
  await gw?.stop();
});

type Line = Record<string, unknown>;

const workerLines = (): Line[] =>
  gw.output.flatMap((line) => {
    const start = line.indexOf("{");
    if (start === -1) return [];
    try {
      const value = JSON.parse(line.slice(start)) as Line;
      return typeof value.msg === "string" ? [value] : [];
    } catch {
      return [];
    }
  });

/** The Worker's lines once one matches each of `wanted` (wrangler prints them when it likes); fails after a deadline. */
async function linesWith(wanted: Record<string, (l: Line) => boolean>, timeoutMs = 10_000): Promise<Line[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = workerLines();
    const missing = Object.keys(wanted).filter((name) => !lines.some(wanted[name]!));
    if (missing.length === 0) return lines;
    if (Date.now() > deadline) assert.fail(`no ${missing.join(", ")} line within ${timeoutMs} ms; saw:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("logs", () => {
  it("carry request and job lines, and no secret", async () => {
    const key = { authorization: `Bearer ${gw.devKey}` };
    const model = await chooseModel(gw.origin, "to log a job");
    const body = JSON.stringify({ model: model.id, prompt: "log check", provider: "sandbox", [model.paramsKey]: { quality: "low" } });
    const created = await fetch(`${gw.origin}/v2/images/generate`, { method: "POST", headers: { ...key, "content-type": "application/json" }, body });
    assert.equal(created.status, 202);
    const requestId = created.headers.get("x-request-id");
    const { jobId } = (await created.json()) as { jobId: string };
    assert.equal((await fetch(`${gw.origin}/v2/jobs/${jobId}`, { headers: { "x-api-key": `${gw.devKey}x` } })).status, 401);

    let job: { status: string; result: { images: string[] } | null };
    const deadline = Date.now() + 60_000;
    do {
      await new Promise((r) => setTimeout(r, 300));
      job = (await (await fetch(`${gw.origin}/v2/jobs/${jobId}`, { headers: { "x-api-key": gw.devKey } })).json()) as typeof job;
    } while (job.status !== "COMPLETED" && Date.now() < deadline);
    assert.equal(job.status, "COMPLETED");
    const file = new URL(job.result!.images[0]!);
    assert.equal((await fetch(file)).status, 200);

    const isCreate = (l: Line) => l.msg === "request" && l.requestId === requestId;
    const lines = await linesWith({
      "create request": isCreate,
      "401 request": (l) => l.msg === "request" && l.route === "/v2/jobs/:id" && l.status === 401 && l.accountId === null,
      "job COMPLETED": (l) => l.msg === "job" && l.jobId === jobId && l.status === "COMPLETED",
    });
    const { ms, ...create } = lines.find(isCreate)!;
    assert.deepEqual(create, { msg: "request", requestId, method: "POST", route: "/v2/images/generate", status: 202, accountId: "acct_dev" });
    assert.ok(typeof ms === "number" && Number.isFinite(ms) && ms >= 0, `ms is ${JSON.stringify(ms)}`);
    for (const secret of [gw.devKey, gw.signingSecret]) {
      assert.deepEqual(gw.output.filter((line) => line.includes(secret)), [], "wrangler's output carries a secret");
    }
    const sig = file.searchParams.get("sig")!;
    assert.deepEqual(lines.filter((l) => JSON.stringify(l).includes(sig)), [], "a log line carries a file signature");
  });
});
