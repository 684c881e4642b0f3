//! One small database layer over SQLite (rusqlite, bundled) and PostgreSQL (postgres): the
//! same SQL text, written with `?` placeholders (numbered `$n` for PostgreSQL), the same
//! migrations, values limited to NULL, 64-bit integers and text.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// A SQLite file (`sqlite:PATH`, `sqlite://PATH` or a bare path).
    Sqlite(PathBuf),
    /// `postgres://…` (or `postgresql://…`): a PostgreSQL connection string.
    Postgres(String),
}

impl DbUrl {
    /// `sqlite:PATH`, `sqlite://PATH`, a bare path, or `postgres://…` / `postgresql://…`.
    pub fn parse(s: &str) -> Result<DbUrl, DbError> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(s.to_string()));
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
            .unwrap_or(s);
        if path.is_empty() || path.contains("://") {
            return Err(DbError::Url(s.to_string()));
        }
        Ok(DbUrl::Sqlite(PathBuf::from(path)))
    }

    /// True for PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, DbUrl::Postgres(_))
    }

    /// For logs and pages: the path, or the PostgreSQL URL without its password.
    pub fn redacted(&self) -> String {
        match self {
            DbUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
            DbUrl::Postgres(u) => redact_password(u),
        }
    }
}

fn redact_password(url: &str) -> String {
    // postgres://user:password@host/db -> postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((auth, host)) = rest.split_once('@') {
            if let Some((user, _)) = auth.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_string()
}

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database URL could not be understood.
    #[error("database URL {0:?}: expected sqlite:PATH or postgres://…")]
    Url(String),
    /// An error from SQLite.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Displayed with its causes ("db error: ERROR: …", "error performing TLS handshake:
    /// invalid peer certificate: …"): the postgres crate's own text is only the kind.
    #[error("PostgreSQL: {}", with_causes(.0))]
    Postgres(postgres::Error),
    /// A value of an unexpected type or another inconsistency found by this crate.
    #[error("database: {0}")]
    Other(String),
    /// No pooled connection became free within the given wait.
    #[error("every database connection stayed busy for {0:?}")]
    Busy(std::time::Duration),
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        DbError::Postgres(e)
    }
}

impl From<crate::pg_tls::ConnectError> for DbError {
    fn from(e: crate::pg_tls::ConnectError) -> DbError {
        match e {
            crate::pg_tls::ConnectError::Setup(m) => DbError::Other(m),
            crate::pg_tls::ConnectError::Postgres(e) => DbError::Postgres(e),
        }
    }
}

fn with_causes(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

impl DbError {
    /// A UNIQUE or PRIMARY KEY constraint refused a row.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            DbError::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }

    /// The database refused a value itself (PostgreSQL SQLSTATE class 22 "data exception",
    /// e.g. U+0000 in text; SQLite "too big" or "datatype mismatch"): sending the same
    /// values again will fail again.
    pub fn is_data_error(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::TooBig | rusqlite::ErrorCode::TypeMismatch
            ),
            DbError::Postgres(e) => e.code().is_some_and(|c| c.code().starts_with("22")),
            _ => false,
        }
    }
}

/// A parameter or column value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer column or parameter.
    Int(i64),
    /// A text column or parameter.
    Text(String),
}

impl Value {
    /// The integer, or an error naming what was found instead.
    pub fn int(&self) -> Result<i64, DbError> {
        match self {
            Value::Int(i) => Ok(*i),
            other => Err(DbError::Other(format!(
                "expected an integer, found {other:?}"
            ))),
        }
    }
    /// The text, or an error naming what was found instead.
    pub fn text(&self) -> Result<String, DbError> {
        match self {
            Value::Text(s) => Ok(s.clone()),
            other => Err(DbError::Other(format!("expected text, found {other:?}"))),
        }
    }
    /// The text, None for NULL, an error for any other type.
    pub fn opt_text(&self) -> Result<Option<String>, DbError> {
        match self {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            other => Err(DbError::Other(format!("expected text, found {other:?}"))),
        }
    }
    /// The text, moved out without copying; an error for any other type.
    pub fn take_text(self) -> Result<String, DbError> {
        match self {
            Value::Text(s) => Ok(s),
            other => Err(DbError::Other(format!("expected text, found {other:?}"))),
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        v.map_or(Value::Null, Value::Text)
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Value {
        v.map_or(Value::Null, |s| Value::Text(s.to_string()))
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Text(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        use postgres::types::Type;
        matches!(
            *ty,
            Type::INT8 | Type::INT4 | Type::TEXT | Type::VARCHAR | Type::BPCHAR
        )
    }

    postgres::types::to_sql_checked!();
}

/// A result row, columns in SELECT order.
pub type Row = Vec<Value>;

/// An open connection.
pub enum Conn {
    /// A SQLite connection.
    Sqlite(rusqlite::Connection),
    /// A PostgreSQL connection and its prepared statements.
    Postgres {
        /// The client (boxed: much larger than the SQLite variant).
        client: Box<postgres::Client>,
        /// Prepared statements by SQL text, so that each is prepared once per connection.
        statements: HashMap<String, postgres::Statement>,
    },
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Conn::Sqlite(_) => "Conn::Sqlite",
            Conn::Postgres { .. } => "Conn::Postgres",
        })
    }
}

/// `?` placeholders to PostgreSQL's `$1, $2, …` (the SQL here never has `?` in literals).
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> Result<Value, DbError> {
    use rusqlite::types::ValueRef;
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(
            std::str::from_utf8(t)
                .map_err(|e| DbError::Other(format!("text column is not UTF-8: {e}")))?
                .to_string(),
        ),
        ValueRef::Real(r) => Value::Int(r as i64),
        ValueRef::Blob(_) => return Err(DbError::Other("unexpected blob column".into())),
    })
}

fn pg_value(row: &postgres::Row, i: usize) -> Result<Value, DbError> {
    use postgres::types::Type;
    let ty = row.columns()[i].type_().clone();
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(i)?
            .map_or(Value::Null, Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        _ => row
            .try_get::<_, Option<String>>(i)?
            .map_or(Value::Null, Value::Text),
    })
}

impl Conn {
    /// Opens a connection: SQLite in WAL mode with synchronous FULL and foreign keys on;
    /// PostgreSQL through [`crate::pg_tls`].
    pub fn open(url: &DbUrl) -> Result<Conn, DbError> {
        match url {
            DbUrl::Sqlite(path) => Self::open_sqlite(path),
            DbUrl::Postgres(u) => {
                let client = crate::pg_tls::connect(u)?;
                Ok(Conn::Postgres {
                    client: Box::new(client),
                    statements: HashMap::new(),
                })
            }
        }
    }

    fn open_sqlite(path: &Path) -> Result<Conn, DbError> {
        let c = rusqlite::Connection::open(path)?;
        // WAL: readers never block the writer; synchronous=FULL: a commit is on disk (WAL
        // fsynced) before it returns, so nothing is acknowledged that a crash could lose.
        c.busy_timeout(std::time::Duration::from_secs(10))?;
        c.pragma_update(None, "journal_mode", "WAL")?;
        c.pragma_update(None, "synchronous", "FULL")?;
        c.pragma_update(None, "foreign_keys", "ON")?;
        c.set_prepared_statement_cache_capacity(64);
        Ok(Conn::Sqlite(c))
    }

    /// True for PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Postgres { .. })
    }

    /// For the one connection that appends. SQLite: no automatic WAL checkpoint in the
    /// committing thread (a separate connection checkpoints, see [`checkpoint_wal`]), and a
    /// larger page cache for the indexes. PostgreSQL: the server probes the idle connection
    /// (TCP keepalives after 30 s, every 10 s, 3 probes), so that a session whose client
    /// vanished on the way ends within about a minute and releases the writer's lock, rather
    /// than after the system's two hours (ignored over a Unix socket, which cannot be cut).
    pub fn set_writer_mode(&mut self) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => {
                c.pragma_update(None, "wal_autocheckpoint", 0)?;
                c.pragma_update(None, "cache_size", -65536)?;
            }
            Conn::Postgres { client, .. } => client.batch_execute(
                "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3",
            )?,
        }
        Ok(())
    }

    /// How long SQLite waits for a lock before answering busy.
    pub fn set_busy_timeout(&mut self, d: std::time::Duration) -> Result<(), DbError> {
        if let Conn::Sqlite(c) = self {
            c.busy_timeout(d)?;
        }
        Ok(())
    }

    /// Copies committed WAL frames into the database file (SQLite): `PASSIVE` never blocks
    /// the writer; `truncate` waits for it, then empties the WAL (a writer that never pauses
    /// would otherwise let the WAL grow without end). Nothing to do on PostgreSQL.
    pub fn checkpoint_wal(&mut self, truncate: bool) -> Result<(), DbError> {
        if let Conn::Sqlite(c) = self {
            let sql = if truncate {
                "PRAGMA wal_checkpoint(TRUNCATE)"
            } else {
                "PRAGMA wal_checkpoint(PASSIVE)"
            };
            c.query_row(sql, [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Runs several statements (no parameters).
    pub fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql)?,
            Conn::Postgres { client, .. } => client.batch_execute(sql)?,
        }
        Ok(())
    }

    /// Runs one statement; returns the number of rows changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            Conn::Postgres { client, statements } => {
                let st = pg_statement(client, statements, sql)?;
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    params.iter().map(|p| p as _).collect();
                Ok(client.execute(&st, &refs)?)
            }
        }
    }

    /// Runs a query and returns all its rows (for small results; see `query_each`).
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut out = Vec::new();
        self.query_each(sql, params, |r| {
            out.push(r);
            Ok(true)
        })?;
        Ok(out)
    }

    /// The first row of a query, if any.
    pub fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        let mut out = None;
        self.query_each(sql, params, |r| {
            out = Some(r);
            Ok(false)
        })?;
        Ok(out)
    }

    /// Calls `f` for each row until it returns `false`. Rows are never all held in memory:
    /// SQLite steps through them; PostgreSQL streams them from the socket as they are read
    /// (its client hands rows over a one-message channel and stops reading the socket while
    /// that is full), so a scan of 50,000 envelopes of 100 KiB stays within a few rows of
    /// memory (`tests/audit_memory.rs` measures the audit's peak).
    pub fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        mut f: impl FnMut(Row) -> Result<bool, DbError>,
    ) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let n = st.column_count();
                let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
                while let Some(r) = rows.next()? {
                    let mut row = Vec::with_capacity(n);
                    for i in 0..n {
                        row.push(sqlite_value(r.get_ref(i)?)?);
                    }
                    if !f(row)? {
                        break;
                    }
                }
            }
            Conn::Postgres { client, statements } => {
                let st = pg_statement(client, statements, sql)?;
                use postgres::fallible_iterator::FallibleIterator;
                let refs = params
                    .iter()
                    .map(|p| p as &(dyn postgres::types::ToSql + Sync));
                let mut rows = client.query_raw(&st, refs)?;
                while let Some(r) = rows.next()? {
                    let mut row = Vec::with_capacity(r.len());
                    for i in 0..r.len() {
                        row.push(pg_value(&r, i)?);
                    }
                    if !f(row)? {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Starts a write transaction (SQLite takes the write lock at once).
    pub fn begin(&mut self) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE")?,
            Conn::Postgres { client, .. } => client.batch_execute("BEGIN")?,
        }
        Ok(())
    }

    /// Runs `f` on one consistent snapshot of the database (a read-only transaction; on
    /// PostgreSQL at REPEATABLE READ), so that a long scan sees no row committed meanwhile.
    pub fn read_snapshot<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match self {
            Conn::Sqlite(c) => c.execute_batch("BEGIN")?,
            Conn::Postgres { client, .. } => {
                client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?
            }
        }
        let r = f(self);
        self.rollback();
        r
    }

    /// Commits the transaction opened by `begin`.
    pub fn commit(&mut self) -> Result<(), DbError> {
        self.batch("COMMIT")
    }

    /// Rolls back the current transaction; an error (no transaction open) is ignored.
    pub fn rollback(&mut self) {
        let _ = self.batch("ROLLBACK");
    }

    /// Runs `f` in a transaction: committed when it returns Ok, rolled back otherwise.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.begin()?;
        match f(self) {
            Ok(v) => {
                if let Err(e) = self.commit() {
                    self.rollback();
                    return Err(e);
                }
                Ok(v)
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }
}

fn pg_statement(
    client: &mut postgres::Client,
    cache: &mut HashMap<String, postgres::Statement>,
    sql: &str,
) -> Result<postgres::Statement, DbError> {
    if let Some(st) = cache.get(sql) {
        return Ok(st.clone());
    }
    let st = client.prepare(&numbered(sql))?;
    if cache.len() > 256 {
        cache.clear();
    }
    cache.insert(sql.to_string(), st.clone());
    Ok(st)
}

/// The migrations, in order. The same text runs on both databases.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_tokens.sql")),
    (3, include_str!("../migrations/0003_cosignatures.sql")),
    (4, include_str!("../migrations/0004_machines.sql")),
];

/// Brings the schema up to date (each migration in its own transaction, recorded in
/// `schema_migrations`). Returns the versions applied now.
pub fn migrate(conn: &mut Conn) -> Result<Vec<i64>, DbError> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let mut applied = Vec::new();
    for (version, sql) in MIGRATIONS {
        let done = conn
            .query_one(
                "SELECT version FROM schema_migrations WHERE version = ?",
                &[Value::Int(*version)],
            )?
            .is_some();
        if done {
            continue;
        }
        conn.transaction(|c| {
            for stmt in split_statements(sql) {
                c.batch(&stmt)?;
            }
            c.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                &[Value::Int(*version), Value::Text(crate::now_text())],
            )?;
            Ok(())
        })?;
        applied.push(*version);
    }
    Ok(applied)
}

/// Splits a migration into statements at `;` ending a line, dropping `--` comment lines.
fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let t = line.trim();
        if t.starts_with("--") || t.is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if t.ends_with(';') {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            DbUrl::parse("sqlite:/tmp/r.db").unwrap(),
            DbUrl::Sqlite("/tmp/r.db".into())
        );
        assert_eq!(DbUrl::parse("r.db").unwrap(), DbUrl::Sqlite("r.db".into()));
        assert!(DbUrl::parse("postgres://u:secret@h/db")
            .unwrap()
            .is_postgres());
        assert_eq!(
            DbUrl::parse("postgres://u:secret@h/db").unwrap().redacted(),
            "postgres://u:***@h/db"
        );
        assert!(DbUrl::parse("mysql://x").is_err());
        assert!(DbUrl::parse("sqlite:").is_err());
    }

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = ? AND c > ?"),
            "SELECT a FROM t WHERE b = $1 AND c > $2"
        );
    }

    #[test]
    fn migrations_run_once_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = DbUrl::Sqlite(dir.path().join("m.db"));
        let mut c = Conn::open(&url).unwrap();
        assert_eq!(migrate(&mut c).unwrap(), vec![1, 2, 3, 4]);
        assert!(migrate(&mut c).unwrap().is_empty());
        let n = split_statements(MIGRATIONS[0].1).len();
        assert!(n >= 13, "{n} statements");
    }
}
