-- ardoise registry schema, version 2: access tokens of the auditor and admin roles.
-- Only the blake3 of a token is stored; token_id is its first 16 hex digits, for listing.

CREATE TABLE api_tokens (
    token_id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
