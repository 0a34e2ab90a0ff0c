-- Accounts, their credentials, and the audit log (see src/store/accounts.rs; the GeoPackage backend creates the
-- same tables in gpkg.rs). Timestamps people read are RFC 3339 text written by gridmap; expiries and locks are
-- unix seconds, so both backends compare them alike.

CREATE TABLE gridmap_accounts (
    id                    bigserial PRIMARY KEY,
    username              text NOT NULL UNIQUE,
    display_name          text NOT NULL,
    password_hash         text NOT NULL,          -- argon2id, PHC string
    role                  text NOT NULL,          -- admin, planner, secretary, grid_manager, viewer
    scope                 text NOT NULL,          -- county, town:CODE, community:CODE, grids:CODE,...
    enabled               boolean NOT NULL DEFAULT true,
    must_change_password  boolean NOT NULL DEFAULT false,
    failed_logins         bigint NOT NULL DEFAULT 0,
    locked_until          bigint NOT NULL DEFAULT 0,
    created_at            text NOT NULL
);

-- Browser sessions and API tokens. Only the SHA-256 of each secret is kept.
CREATE TABLE gridmap_tokens (
    id          bigserial PRIMARY KEY,
    token_hash  text NOT NULL UNIQUE,
    account_id  bigint NOT NULL REFERENCES gridmap_accounts (id),
    kind        text NOT NULL,                    -- session or api
    label       text NOT NULL,
    csrf        text NOT NULL,                    -- a session's CSRF token; empty for API tokens
    created_at  text NOT NULL,
    expires_at  bigint NOT NULL,
    revoked     boolean NOT NULL DEFAULT false
);
CREATE INDEX gridmap_tokens_account_idx ON gridmap_tokens (account_id);

-- The audit log: sign-ins, every write, every response that carried unmasked personal data.
CREATE TABLE gridmap_audit (
    id          bigserial PRIMARY KEY,
    at          text NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    address     text NOT NULL,                    -- the client's address, or 'cli'
    households  text NOT NULL,                    -- JSON array of household codes shown unmasked
    detail      text NOT NULL                     -- JSON object
);

-- Append-only: the database itself refuses to change or remove an entry.
CREATE FUNCTION gridmap_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER gridmap_audit_no_change BEFORE UPDATE OR DELETE ON gridmap_audit
    FOR EACH ROW EXECUTE FUNCTION gridmap_audit_append_only();
CREATE TRIGGER gridmap_audit_no_truncate BEFORE TRUNCATE ON gridmap_audit
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_audit_append_only();
