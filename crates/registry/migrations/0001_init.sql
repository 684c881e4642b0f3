-- ardoise registry schema, version 1.
-- Portable subset: runs unchanged on SQLite and PostgreSQL (TEXT, BIGINT, no blobs, no
-- booleans, no dialect functions). Times are RFC 3339 UTC text or Unix seconds (BIGINT).

CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE station_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    workshop TEXT NOT NULL,
    station TEXT NOT NULL,
    not_before TEXT NOT NULL,
    not_after TEXT,
    comment TEXT,
    registered_at TEXT NOT NULL
);

CREATE TABLE revocations (
    key_id TEXT PRIMARY KEY REFERENCES station_keys (key_id),
    revoked_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

-- One row per accepted envelope; log_index is its position in the Merkle log.
CREATE TABLE certificates (
    log_index BIGINT PRIMARY KEY,
    cert_id TEXT NOT NULL UNIQUE,
    leaf_hash TEXT NOT NULL,
    envelope_hash TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    workshop TEXT NOT NULL,
    station TEXT NOT NULL,
    seq BIGINT NOT NULL,
    prev_hash TEXT,
    issued_at BIGINT NOT NULL,
    issued_month TEXT NOT NULL,
    media_serial TEXT NOT NULL,
    media_model TEXT NOT NULL,
    media_type TEXT NOT NULL,
    capacity_bytes BIGINT NOT NULL,
    host_serial TEXT,
    board_serial TEXT,
    asset_tag TEXT,
    donor TEXT NOT NULL,
    lot TEXT,
    outcome TEXT NOT NULL,
    technique TEXT NOT NULL,
    level_achieved TEXT,
    verification_method TEXT NOT NULL,
    verification_result TEXT NOT NULL,
    -- Search keys: trimmed, lower-case copies of the identifiers above.
    k_media_serial TEXT NOT NULL,
    k_host_serial TEXT,
    k_board_serial TEXT,
    k_asset_tag TEXT,
    k_donor TEXT NOT NULL,
    k_lot TEXT,
    -- Last: the large envelope text, so that reading the other columns stays cheap
    -- (SQLite reads a row's columns in order).
    envelope TEXT NOT NULL,
    UNIQUE (workshop, station, seq)
);

CREATE INDEX certificates_media_serial ON certificates (k_media_serial);
CREATE INDEX certificates_host_serial ON certificates (k_host_serial);
CREATE INDEX certificates_board_serial ON certificates (k_board_serial);
CREATE INDEX certificates_asset_tag ON certificates (k_asset_tag);
CREATE INDEX certificates_donor ON certificates (k_donor);
CREATE INDEX certificates_lot ON certificates (k_lot);
CREATE INDEX certificates_workshop_issued ON certificates (workshop, issued_at);
CREATE INDEX certificates_issued ON certificates (issued_at);

-- Every checkpoint the registry signed, in the transaction that grew the log to tree_size.
CREATE TABLE checkpoints (
    tree_size BIGINT PRIMARY KEY,
    root_hash TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
