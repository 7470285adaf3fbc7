import { migrateUsage } from "./usage-schema";

// The AccountDO's SQLite tables. Run on every start; each statement is idempotent.

export function migrate(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS ledger (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      granted INTEGER NOT NULL, balance INTEGER NOT NULL CHECK (balance >= 0),
      reserved INTEGER NOT NULL CHECK (reserved >= 0), spent INTEGER NOT NULL CHECK (spent >= 0)
    );
    INSERT OR IGNORE INTO ledger (id, granted, balance, reserved, spent) VALUES (1, 0, 0, 0, 0);
    CREATE TABLE IF NOT EXISTS grants (id TEXT PRIMARY KEY, amount INTEGER NOT NULL, at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS jobs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, model TEXT NOT NULL, created INTEGER NOT NULL,
      status TEXT NOT NULL, reserved INTEGER NOT NULL, charged INTEGER NOT NULL DEFAULT 0, admitting INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS jobs_admitting ON jobs (admitting, created);
    CREATE TABLE IF NOT EXISTS idempotency (
      key TEXT PRIMARY KEY, body_hash TEXT NOT NULL, job_id TEXT NOT NULL, created INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created);
    CREATE TABLE IF NOT EXISTS buckets (key_id TEXT PRIMARY KEY, tokens REAL NOT NULL, updated INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS revoked_keys (key_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS webhook_secrets (secret TEXT PRIMARY KEY, created INTEGER NOT NULL, retires INTEGER);
    CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, bytes INTEGER NOT NULL, expires INTEGER NOT NULL);
  `);
  migrateUsage(sql);
}
