//! Heartbeats of the unattended mode: while `ardoise auto` erases, a thread sends the
//! registry where each disk is every few seconds (the workshop's live page), and a last one
//! with the verdicts and certificate ids at the end.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ardoise_station::live::{LiveTracker, HEARTBEAT_INTERVAL};
use ardoise_station::Station;
use ardoise_upload::heartbeat::spawn_heartbeat_sender;

/// The heartbeat thread of one run.
pub struct LiveReporter {
    tracker: Arc<Mutex<LiveTracker>>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl LiveReporter {
    /// Starts sending when the station has a registry (None otherwise).
    pub fn start(station: &Arc<Station>, interval: Option<Duration>) -> Option<LiveReporter> {
        let url = station.config.registry.url.clone()?;
        let interval = interval.unwrap_or(HEARTBEAT_INTERVAL);
        let sender = match spawn_heartbeat_sender(&url, Duration::from_secs(5)) {
            Ok(s) => s,
            Err(e) => {
                println!("ARDOISE-AUTO: no heartbeats to {url}: {e}");
                return None;
            }
        };
        let tracker = Arc::new(Mutex::new(LiveTracker::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (t, s, st) = (tracker.clone(), stop.clone(), station.clone());
        let ticker = std::thread::Builder::new()
            .name("heartbeat-ticker".into())
            .spawn(move || {
                let beat = || {
                    let disks = t.lock().unwrap_or_else(|p| p.into_inner()).disks();
                    // Unattended: the destination is the policy's (nobody chooses another).
                    let mut hb = st.heartbeat(disks, st.config.policy.disposition);
                    hb.interval_seconds =
                        u32::try_from(interval.as_secs().max(1)).unwrap_or(u32::MAX);
                    match st.sign_heartbeat(&hb) {
                        Ok(bytes) => sender.send(bytes),
                        Err(e) => tracing::warn!(error = %e, "heartbeat not signed"),
                    }
                };
                loop {
                    beat();
                    let next = Instant::now() + interval;
                    while Instant::now() < next && !s.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    if s.load(Ordering::SeqCst) {
                        // The last one, with every verdict.
                        beat();
                        sender.finish();
                        return;
                    }
                }
            })
            .ok()?;
        Some(LiveReporter {
            tracker,
            stop,
            ticker: Some(ticker),
        })
    }

    pub fn tracker(&self) -> Arc<Mutex<LiveTracker>> {
        self.tracker.clone()
    }

    /// Sends the last heartbeat and stops.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

/// Runs `f` on the tracker, when there is one.
pub fn track(tracker: &Option<Arc<Mutex<LiveTracker>>>, f: impl FnOnce(&mut LiveTracker)) {
    if let Some(t) = tracker {
        f(&mut t.lock().unwrap_or_else(|p| p.into_inner()));
    }
}
