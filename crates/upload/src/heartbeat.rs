//! Sends the station's signed progress heartbeats to `{registry}/api/v1/heartbeats` on a
//! thread of its own, so that a slow or absent registry never delays an erase. Only the newest
//! heartbeat matters: those queued behind a slow request are dropped. Failures are kept for
//! display and logged once per kind, never retried (the next heartbeat follows in seconds).

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{unbounded, Sender};

use crate::UploadError;

/// Path of the heartbeat endpoint under a registry base URL.
pub const HEARTBEAT_PATH: &str = "/api/v1/heartbeats";

/// What became of the last heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeartbeatState {
    /// None was sent yet.
    NotSent,
    /// The registry accepted it.
    Accepted,
    /// The registry refused it (unknown key, clock skew…): `error: message`.
    Refused(String),
    /// Not delivered (no network, timeout, 5xx).
    Failed(String),
}

/// The sending thread; stops when dropped (after the request in flight, if any).
pub struct HeartbeatSender {
    tx: Option<Sender<Vec<u8>>>,
    state: Arc<Mutex<HeartbeatState>>,
    handle: Option<JoinHandle<()>>,
}

impl HeartbeatSender {
    /// Queues a signed heartbeat envelope.
    pub fn send(&self, envelope: Vec<u8>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(envelope);
        }
    }

    /// What became of the last heartbeat sent.
    pub fn state(&self) -> HeartbeatState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sends what is queued, then stops.
    pub fn finish(mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for HeartbeatSender {
    fn drop(&mut self) {
        // Without waiting: a request in flight ends by its own timeout.
        self.tx = None;
    }
}

/// Starts the sender for the registry at `registry_url`.
pub fn spawn_heartbeat_sender(
    registry_url: &str,
    timeout: Duration,
) -> Result<HeartbeatSender, UploadError> {
    if !(registry_url.starts_with("http://") || registry_url.starts_with("https://")) {
        return Err(UploadError::BadUrl(registry_url.into()));
    }
    let url = format!("{}{HEARTBEAT_PATH}", registry_url.trim_end_matches('/'));
    let client = crate::options::build_client(&crate::UploadOptions {
        timeout,
        connect_timeout: timeout,
        ..Default::default()
    })?;
    let (tx, rx) = unbounded::<Vec<u8>>();
    let state = Arc::new(Mutex::new(HeartbeatState::NotSent));
    let shared = state.clone();
    let handle = std::thread::Builder::new()
        .name("heartbeats".into())
        .spawn(move || {
            while let Ok(mut envelope) = rx.recv() {
                // Only the newest counts.
                while let Ok(newer) = rx.try_recv() {
                    envelope = newer;
                }
                let next = post(&client, &url, envelope);
                let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                if next != *s && next != HeartbeatState::Accepted {
                    tracing::warn!(state = ?next, "heartbeat to the registry");
                }
                *s = next;
            }
        })
        .map_err(|e| UploadError::Client(format!("cannot start the heartbeat thread: {e}")))?;
    Ok(HeartbeatSender {
        tx: Some(tx),
        state,
        handle: Some(handle),
    })
}

fn post(client: &reqwest::blocking::Client, url: &str, envelope: Vec<u8>) -> HeartbeatState {
    let resp = match client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(envelope)
        .send()
    {
        Ok(r) => r,
        Err(e) => return HeartbeatState::Failed(e.to_string()),
    };
    let status = resp.status().as_u16();
    let body = crate::body::read_bounded(resp, crate::body::MAX_SMALL_ANSWER)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    match status {
        200..=299 => HeartbeatState::Accepted,
        400..=499 if status != 408 && status != 429 => {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            HeartbeatState::Refused(format!(
                "{}: {}",
                v["error"].as_str().unwrap_or("refused"),
                v["message"].as_str().unwrap_or("")
            ))
        }
        _ => HeartbeatState::Failed(format!("HTTP {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A one-route server on loopback answering `status` with `body`, keeping the bodies.
    fn server(status: &'static str, body: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut c) = conn else { return };
                let mut buf = vec![0u8; 65536];
                let n = c.read(&mut buf).unwrap_or(0);
                s2.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                let _ = write!(
                    c,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, seen)
    }

    #[test]
    fn posts_to_the_heartbeat_endpoint_and_reports_refusals() {
        let (url, seen) = server("200 OK", "{\"kept\":true}");
        let s = spawn_heartbeat_sender(&url, Duration::from_secs(5)).unwrap();
        s.send(b"{\"payloadType\":\"x\"}".to_vec());
        let state = s.state.clone();
        s.finish();
        assert_eq!(*state.lock().unwrap(), HeartbeatState::Accepted);
        let req = seen.lock().unwrap()[0].clone();
        assert!(req.starts_with("POST /api/v1/heartbeats HTTP/1.1"), "{req}");
        assert!(req.contains("application/json"), "{req}");

        let (url, _) = server(
            "401 Unauthorized",
            "{\"error\":\"unknown_key\",\"message\":\"key abc is not registered\"}",
        );
        let s = spawn_heartbeat_sender(&url, Duration::from_secs(5)).unwrap();
        s.send(b"{}".to_vec());
        let state = s.state.clone();
        s.finish();
        assert_eq!(
            *state.lock().unwrap(),
            HeartbeatState::Refused("unknown_key: key abc is not registered".into())
        );
        assert!(spawn_heartbeat_sender("ftp://x", Duration::from_secs(1)).is_err());
    }
}
