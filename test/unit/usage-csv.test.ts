import { describe, expect, it } from "vitest";
import { usageCsv, wantsCsv } from "../../src/accounts/usage-csv";
import { summarise } from "../../src/accounts/usage";
import { emptyFigures } from "../../src/accounts/usage-cells";

// GET /v2/usage's CSV: chosen by Accept as RFC 9110 ranks media ranges, and fields a spreadsheet reads as text.

describe("usage CSV", () => {
  it.each([
    ["text/csv", true],
    ["text/*", true],
    ["text/csv, application/json;q=0.9", true],
    ["application/json;q=0.2, text/csv;q=0.5", true],
    ["text/csv;q=0.5, application/json", false],
    ["*/*", false],
    ["application/json", false],
    ["text/csv;q=0", false],
    ["", false],
    [undefined, false],
  ])("Accept: %s → CSV %s", (accept, csv) => {
    expect(wantsCsv(accept)).toBe(csv);
  });

  it("has a header line, a line per row, figures flattened, and odd names quoted as text", () => {
    const cell = (model: string, key: string | null, spent: number) => ({
      ...emptyFigures(), day: "2030-01-02", model, provider: "sandbox", key, account: "acct_a", completed: 1, reserved: spent, spent, ms: [1200],
    });
    const { rows } = summarise([cell("gpt-image-2", "=cmd", 4), cell("gpt-image-2", 'a,"b"', 8), cell("gpt-image-2", null, 1)], ["key"]);
    const lines = usageCsv(["key"], rows).split("\r\n");
    expect(lines[0]).toMatch(/^key,jobs_total,jobs_active,jobs_completed,.*,credits_spent,.*,job_time_ms_p95$/);
    expect(lines.slice(1, 4).map((l) => l.split(",")[0])).toEqual(["", `"'=cmd"`, `"a`]);
    expect(lines[3]).toMatch(/^"a,""b""",1,0,1,/);
    expect(lines[4]).toBe("");
  });
});
