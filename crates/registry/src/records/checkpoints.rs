//! The signed checkpoints, one row per committed tree size.

use crate::db::{Conn, DbError, Row, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub tree_size: u64,
    pub root_hash: String,
    pub note: String,
    pub created_at: i64,
}

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

pub fn latest_checkpoint(c: &mut Conn) -> Result<Option<StoredCheckpoint>, DbError> {
    c.query_one(
        "SELECT tree_size, root_hash, note, created_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1",
        &[],
    )?
    .as_ref()
    .map(checkpoint_row)
    .transpose()
}

pub fn checkpoint_at(c: &mut Conn, size: u64) -> Result<Option<StoredCheckpoint>, DbError> {
    c.query_one(
        "SELECT tree_size, root_hash, note, created_at FROM checkpoints WHERE tree_size = ?",
        &[Value::Int(size as i64)],
    )?
    .as_ref()
    .map(checkpoint_row)
    .transpose()
}

pub fn all_checkpoints(c: &mut Conn) -> Result<Vec<StoredCheckpoint>, DbError> {
    c.query(
        "SELECT tree_size, root_hash, note, created_at FROM checkpoints ORDER BY tree_size",
        &[],
    )?
    .iter()
    .map(checkpoint_row)
    .collect()
}
