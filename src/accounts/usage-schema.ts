// The job index's usage columns and the key budgets, added to an AccountDO made before them. SQLite has no
// `ADD COLUMN IF NOT EXISTS`, so each column is added only when the table lacks it. Rows indexed before these columns
// keep NULL in them (their key, provider and images were never recorded): usage reports them as unknown, never as 0.

const JOB_COLUMNS: Record<string, string> = {
  key_id: "TEXT",
  provider: "TEXT",
  images: "INTEGER",
  api_credit_cost: "REAL",
  upstream_credit_cost: "REAL",
  input_tokens: "INTEGER",
  output_tokens: "INTEGER",
  total_tokens: "INTEGER",
  usd_micros: "INTEGER",
  ms: "INTEGER",
};

export function migrateUsage(sql: SqlStorage): void {
  const have = new Set(sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('jobs')").toArray().map((c) => c.name));
  for (const [name, type] of Object.entries(JOB_COLUMNS)) {
    if (!have.has(name)) sql.exec(`ALTER TABLE jobs ADD COLUMN ${name} ${type}`);
  }
  sql.exec(`
    CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created);
    CREATE INDEX IF NOT EXISTS jobs_key_created ON jobs (key_id, created);
    CREATE TABLE IF NOT EXISTS key_budgets (key_id TEXT PRIMARY KEY, credits INTEGER NOT NULL, period TEXT NOT NULL);
  `);
}
