-- Accounts, credentials (browser sessions and API tokens, by the hash of their secret) and the audit log: the
-- same tables as the PostGIS migrations/0003_accounts.sql. Idempotent, like 0001.

CREATE TABLE IF NOT EXISTS gridmap_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    must_change_password BOOLEAN NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS gridmap_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES gridmap_accounts (id),
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS gridmap_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    address TEXT NOT NULL,
    households TEXT NOT NULL,
    detail TEXT NOT NULL
);

-- Append-only: SQLite itself refuses to change or remove an audit entry.
CREATE TRIGGER IF NOT EXISTS gridmap_audit_no_update BEFORE UPDATE ON gridmap_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS gridmap_audit_no_delete BEFORE DELETE ON gridmap_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
