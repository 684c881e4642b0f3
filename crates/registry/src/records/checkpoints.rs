//! The signed checkpoints, one row per committed tree size.

use crate::db::{Conn, DbError, Row, Value};

/// A row of the `checkpoints` table: a checkpoint the registry signed, written in the same
/// transaction that grew the log to its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Number of leaves in the log it commits to; the table's primary key.
    pub tree_size: u64,
    /// Merkle root of the log at that size, lower-case hex.
    pub root_hash: String,
    /// The signed checkpoint note as served to clients, signature lines included.
    pub note: String,
    /// When it was stored, Unix seconds.
    pub created_at: i64,
}

/// Records a newly signed checkpoint; fails if one for the same tree size already exists.
pub fn insert_checkpoint(c: &mut Conn, cp: &StoredCheckpoint) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO checkpoints (tree_size, root_hash, note, created_at) VALUES (?, ?, ?, ?)",
        &[
            Value::Int(cp.tree_size as i64),
            cp.root_hash.clone().into(),
            cp.note.clone().into(),
            Value::Int(cp.created_at),
        ],
    )?;
    Ok(())
}

fn checkpoint_row(r: &Row) -> Result<StoredCheckpoint, DbError> {
    Ok(StoredCheckpoint {
        tree_size: r[0].int()? as u64,
        root_hash: r[1].text()?,
        note: r[2].text()?,
        created_at: r[3].int()?,
    })
}

/// The checkpoint with the largest tree size, or `None` before the first one is signed.
pub fn latest_checkpoint(c: &mut Conn) -> Result<Option<StoredCheckpoint>, DbError> {
    c.query_one(
        "SELECT tree_size, root_hash, note, created_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1",
        &[],
    )?
    .as_ref()
    .map(checkpoint_row)
    .transpose()
}

/// The checkpoint signed for exactly `size` leaves, if any (not every size has one).
pub fn checkpoint_at(c: &mut Conn, size: u64) -> Result<Option<StoredCheckpoint>, DbError> {
    c.query_one(
        "SELECT tree_size, root_hash, note, created_at FROM checkpoints WHERE tree_size = ?",
        &[Value::Int(size as i64)],
    )?
    .as_ref()
    .map(checkpoint_row)
    .transpose()
}

/// Every stored checkpoint, by increasing tree size.
pub fn all_checkpoints(c: &mut Conn) -> Result<Vec<StoredCheckpoint>, DbError> {
    c.query(
        "SELECT tree_size, root_hash, note, created_at FROM checkpoints ORDER BY tree_size",
        &[],
    )?
    .iter()
    .map(checkpoint_row)
    .collect()
}
