//! Internal failures as clients see them: a short random incident id that names the error in
//! the registry's log, never its text (database messages, paths).

use crate::db::DbError;
use crate::submit::Rejection;

/// Logs an internal error under a short random incident id and returns the id: clients get
/// the id, never the error text (database messages, paths).
pub fn incident(e: &dyn std::fmt::Display) -> String {
    let mut b = [0u8; 6];
    let _ = getrandom::getrandom(&mut b);
    let id = hex::encode(b);
    tracing::error!(incident = %id, error = %e, "internal error");
    id
}

/// 500 with an incident id (the detail goes to the log only).
pub fn internal(e: &dyn std::fmt::Display) -> Rejection {
    let id = incident(e);
    Rejection::new(500, "internal", format!("internal error (incident {id})"))
}

/// 503 for a database failure, with an incident id (the detail goes to the log only).
pub fn db_unavailable(e: &DbError) -> Rejection {
    if let DbError::Busy(wait) = e {
        return Rejection::new(
            503,
            "busy",
            format!(
                "every database connection stayed busy for {:.1} s; retry later",
                wait.as_secs_f64()
            ),
        );
    }
    let id = incident(e);
    Rejection::new(
        503,
        "database_unavailable",
        format!("the database is unavailable; retry later (incident {id})"),
    )
}

/// 503 with a message written for the client (no internal detail in it).
pub fn unavailable(msg: String) -> Rejection {
    Rejection::new(503, "unavailable", msg)
}
