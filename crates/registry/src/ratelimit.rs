//! Per-station token buckets: `rate` submissions per second sustained, `burst` at once; and
//! per-address concurrency slots (exports streaming at once from one client).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most `max` slots held at once per client address.
pub struct ConcurrencyLimiter {
    max: usize,
    held: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// A held slot, given back when dropped (when the response body is dropped).
pub struct Slot {
    addr: IpAddr,
    held: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut h = self.held.lock().expect("slots lock");
        if let Some(n) = h.get_mut(&self.addr) {
            *n -= 1;
            if *n == 0 {
                h.remove(&self.addr);
            }
        }
    }
}

impl ConcurrencyLimiter {
    /// A limiter of `max` slots per address (at least 1).
    pub fn new(max: usize) -> ConcurrencyLimiter {
        ConcurrencyLimiter {
            max: max.max(1),
            held: Arc::default(),
        }
    }

    /// A slot for `addr`, or `None` when it already holds `max`.
    pub fn acquire(&self, addr: IpAddr) -> Option<Slot> {
        let mut h = self.held.lock().expect("slots lock");
        let n = h.entry(addr).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            addr,
            held: self.held.clone(),
        })
    }

    /// Slots allowed per address.
    pub fn max(&self) -> usize {
        self.max
    }
}

/// Token buckets by key (a station): `rate` per second sustained, `burst` at once.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter refilling `rate` tokens per second (at least 0.001) up to `burst` (at least 1).
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate: rate.max(0.001),
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long until one is available.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut b = self.buckets.lock().expect("rate limiter lock");
        if b.len() > 100_000 {
            // Forget full buckets (stations idle long enough to have refilled).
            let (rate, burst) = (self.rate, self.burst);
            b.retain(|_, (t, at)| *t + now.duration_since(*at).as_secs_f64() * rate < burst);
        }
        let (tokens, at) = b.entry(key.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let l = RateLimiter::new(10.0, 3.0);
        let t0 = Instant::now();
        for _ in 0..3 {
            l.check_at("a", t0).unwrap();
        }
        let wait = l.check_at("a", t0).unwrap_err();
        assert!(wait > Duration::from_millis(90) && wait <= Duration::from_millis(100));
        // Another station has its own bucket.
        l.check_at("b", t0).unwrap();
        // 100 ms later one token is back.
        l.check_at("a", t0 + Duration::from_millis(101)).unwrap();
        assert!(l.check_at("a", t0 + Duration::from_millis(102)).is_err());
    }

    #[test]
    fn slots_per_address_come_back_when_dropped() {
        let l = ConcurrencyLimiter::new(2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let s1 = l.acquire(a).unwrap();
        let _s2 = l.acquire(a).unwrap();
        assert!(l.acquire(a).is_none());
        assert!(l.acquire(b).is_some(), "another address has its own slots");
        drop(s1);
        assert!(l.acquire(a).is_some());
    }
}
