import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { usageCells } from "../../src/accounts/usage-cells";
import { migrateUsage } from "../../src/accounts/usage-schema";
import { accountOf } from "../helpers/accounts";

// An AccountDO made before usage was recorded: its job index gains the usage columns on start, twice harmlessly, and
// its old rows stay counted (their key, provider and images unknown, never invented).

const USAGE_COLUMNS = ["key_id", "provider", "images", "api_credit_cost", "upstream_credit_cost", "input_tokens", "output_tokens", "total_tokens", "ms"];

describe("usage migration", () => {
  it("adds the usage columns to an older job index and keeps its rows", async () => {
    const stub = accountOf(`acct_migration_${crypto.randomUUID().slice(0, 8)}`);
    await stub.ledger(); // starts the object: its tables exist
    const cells = await runInDurableObject(stub, (_i, state) => {
      const sql = state.storage.sql;
      // Back to the job index as it was: no usage columns, no budgets.
      sql.exec("DROP INDEX jobs_key_created; DROP TABLE key_budgets");
      for (const c of USAGE_COLUMNS) sql.exec(`ALTER TABLE jobs DROP COLUMN ${c}`);
      const at = Date.now();
      sql.exec("INSERT INTO jobs (id, model, created, status, reserved, charged, admitting) VALUES ('old', 'gpt-image-2', ?, 'COMPLETED', 8, 4, 0)", at);
      migrateUsage(sql);
      migrateUsage(sql);
      const names = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('jobs')").toArray().map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(USAGE_COLUMNS));
      return usageCells(sql, { from: at - 1, to: at + 1, key: null, status: null });
    });
    expect(cells).toEqual([
      expect.objectContaining({ model: "gpt-image-2", key: null, provider: null, completed: 1, images: 0, reserved: 8, spent: 4, refunded: 4, inputTokens: null, ms: [] }),
    ]);
  });
});
