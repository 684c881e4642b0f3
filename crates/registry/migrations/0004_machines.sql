-- ardoise registry schema, version 4: each certificate's machine and destination, for the
-- workshop report's count of machines by destination and month. `machine` is the
-- certificate's host.machine_session (shared by the disks of one machine), else its own id;
-- `destination` is disposition.destination, NULL when not recorded. Rows of certificates
-- stored before this version are filled in by the registry when it applies it.

CREATE TABLE machine_dispositions (
    log_index BIGINT PRIMARY KEY,
    workshop TEXT NOT NULL,
    issued_month TEXT NOT NULL,
    machine TEXT NOT NULL,
    destination TEXT
);

CREATE INDEX machine_dispositions_workshop ON machine_dispositions (workshop, issued_month);
