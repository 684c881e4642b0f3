//! The `meta` table: one text value per name (the log's origin and key, the station keys'
//! version, completed one-time tasks).

use crate::db::{Conn, DbError};

/// The value stored under `name`, or `None` when it was never set.
pub fn meta_get(c: &mut Conn, name: &str) -> Result<Option<String>, DbError> {
    match c.query_one("SELECT value FROM meta WHERE name = ?", &[name.into()])? {
        Some(mut r) => Ok(Some(r.remove(0).take_text()?)),
        None => Ok(None),
    }
}

/// Stores `value` under `name`, replacing any previous value (update, else insert, so it
/// runs unchanged on SQLite and PostgreSQL).
pub fn meta_set(c: &mut Conn, name: &str, value: &str) -> Result<(), DbError> {
    if c.execute(
        "UPDATE meta SET value = ? WHERE name = ?",
        &[value.into(), name.into()],
    )? == 0
    {
        c.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?)",
            &[name.into(), value.into()],
        )?;
    }
    Ok(())
}
