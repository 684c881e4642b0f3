-- ardoise registry schema, version 3: witness cosignatures (C2SP cosignature/v1 lines) of
-- the registry's checkpoints, as the witnesses returned them.

CREATE TABLE cosignatures (
    tree_size BIGINT NOT NULL,
    witness TEXT NOT NULL,
    signature TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
