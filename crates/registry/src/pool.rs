//! A small pool of read connections. A request that finds every connection in use waits at
//! most `wait` for one, then gets [`DbError::Busy`] (503 with `Retry-After`): never forever.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::db::{Conn, DbError, DbUrl};

/// Read connections to one database, opened on demand up to a limit and kept for reuse.
pub struct Pool {
    url: DbUrl,
    idle: Mutex<Vec<Conn>>,
    /// Connections in use; at most `max_open` (PostgreSQL's default limit is 100).
    open: Mutex<usize>,
    freed: Condvar,
    max_open: usize,
    wait: Duration,
}

/// Connections open at once by default.
pub const DEFAULT_POOL_SIZE: usize = 32;
/// How long a request waits for a free connection by default.
pub const DEFAULT_POOL_WAIT: Duration = Duration::from_secs(5);

impl Pool {
    /// A pool with the default size and wait.
    pub fn new(url: DbUrl) -> Pool {
        Pool::with_limits(url, DEFAULT_POOL_SIZE, DEFAULT_POOL_WAIT)
    }

    /// A pool of at most `max_open` connections (at least 1) whose callers wait at most `wait`.
    pub fn with_limits(url: DbUrl, max_open: usize, wait: Duration) -> Pool {
        Pool {
            url,
            idle: Mutex::new(Vec::new()),
            open: Mutex::new(0),
            freed: Condvar::new(),
            max_open: max_open.max(1),
            wait,
        }
    }

    /// Runs `f` with a connection (blocking: call from `spawn_blocking`); waits at most the
    /// pool's wait while every connection is in use.
    pub fn with<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, DbError>) -> Result<T, DbError> {
        /// Gives the slot back even if `f` panics.
        struct Slot<'a>(&'a Pool);
        impl Drop for Slot<'_> {
            fn drop(&mut self) {
                *self.0.open.lock().expect("pool lock") -= 1;
                self.0.freed.notify_one();
            }
        }
        let _slot = {
            let deadline = Instant::now() + self.wait;
            let mut open = self.open.lock().expect("pool lock");
            while *open >= self.max_open {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(DbError::Busy(self.wait));
                }
                open = self.freed.wait_timeout(open, left).expect("pool lock").0;
            }
            *open += 1;
            Slot(self)
        };
        let conn = self.idle.lock().expect("pool lock").pop();
        let mut conn = match conn {
            Some(c) => c,
            None => Conn::open(&self.url)?,
        };
        let r = f(&mut conn);
        // A connection whose last use failed may be broken: drop it rather than keep it.
        if r.is_ok() {
            let mut idle = self.idle.lock().expect("pool lock");
            if idle.len() < 16 {
                idle.push(conn);
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_pool_answers_busy_after_its_wait() {
        let dir = tempfile::tempdir().unwrap();
        let url = DbUrl::Sqlite(dir.path().join("p.db"));
        let pool = std::sync::Arc::new(Pool::with_limits(url, 1, Duration::from_millis(200)));
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let p2 = pool.clone();
        let holder = std::thread::spawn(move || {
            p2.with(|_| {
                held_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                Ok(())
            })
        });
        held_rx.recv().unwrap();
        let t0 = Instant::now();
        let r = pool.with(|_| Ok(()));
        assert!(matches!(r, Err(DbError::Busy(_))), "{r:?}");
        assert!(t0.elapsed() >= Duration::from_millis(200));
        assert!(t0.elapsed() < Duration::from_secs(2));
        release_tx.send(()).unwrap();
        holder.join().unwrap().unwrap();
        pool.with(|_| Ok(())).expect("free again");
    }
}
