//! Network and registry reachability, checked off the interface thread.
//!
//! The live image's DHCP script writes `<ARDOISE_NET_DIR>/<iface>.lease` (`IP=`, `ROUTER=`,
//! `DNS=`…) when an interface gets an address; the registry is reachable when
//! `GET <registry>/api/v1/health` answers 2xx within a few seconds.

use std::path::Path;
use std::time::Duration;

use crate::screen_data::{NetState, RegistryState};

/// Reads the lease files of `dir` (`None`: not on the live system).
pub fn read_leases(dir: Option<&Path>) -> NetState {
    let Some(dir) = dir else {
        return NetState::Unknown;
    };
    let Ok(rd) = std::fs::read_dir(dir) else {
        return NetState::Down;
    };
    let mut leases: Vec<_> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("lease"))
        .collect();
    leases.sort();
    for p in leases {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let ip = text.lines().find_map(|l| {
            l.trim()
                .strip_prefix("IP=")
                .map(|v| v.trim().trim_matches('"').to_string())
        });
        if let Some(ip) = ip.filter(|v| !v.is_empty()) {
            let iface = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            return NetState::Up { iface, ip };
        }
    }
    NetState::Down
}

/// The health endpoint of a registry base URL.
pub fn health_url(registry: &str) -> String {
    format!("{}/api/v1/health", registry.trim_end_matches('/'))
}

/// One health check (blocks for at most `timeout`; call it from a worker thread).
pub fn check_registry(registry: &str, timeout: Duration) -> RegistryState {
    let client = match reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
    {
        Ok(c) => c,
        Err(e) => return RegistryState::Unreachable(e.to_string()),
    };
    match client.get(health_url(registry)).send() {
        Ok(r) if r.status().is_success() => RegistryState::Reachable,
        Ok(r) => RegistryState::Unreachable(format!("HTTP {}", r.status().as_u16())),
        Err(e) if e.is_timeout() => RegistryState::Unreachable("timeout".into()),
        Err(e) if e.is_connect() => RegistryState::Unreachable("connection refused".into()),
        Err(e) => RegistryState::Unreachable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn leases() {
        assert_eq!(read_leases(None), NetState::Unknown);
        let d = tempfile::tempdir().unwrap();
        assert_eq!(read_leases(Some(d.path())), NetState::Down);
        std::fs::write(d.path().join("eth0.lease"), "IP=\nROUTER=\n").unwrap();
        assert_eq!(read_leases(Some(d.path())), NetState::Down);
        std::fs::write(
            d.path().join("eth1.lease"),
            "IP=10.0.2.15\nROUTER=10.0.2.2\n",
        )
        .unwrap();
        assert_eq!(
            read_leases(Some(d.path())),
            NetState::Up {
                iface: "eth1".into(),
                ip: "10.0.2.15".into()
            }
        );
    }

    /// A one-shot HTTP server on loopback answering `status` to the first request.
    fn serve_once(status: &'static str) -> (String, std::thread::JoinHandle<String>) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).unwrap();
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            )
            .unwrap();
            req
        });
        (url, h)
    }

    #[test]
    fn registry_health() {
        let (url, h) = serve_once("200 OK");
        assert_eq!(
            check_registry(&format!("{url}/"), Duration::from_secs(3)),
            RegistryState::Reachable
        );
        assert!(h.join().unwrap().starts_with("GET /api/v1/health "));
        let (url, h) = serve_once("503 Service Unavailable");
        assert_eq!(
            check_registry(&url, Duration::from_secs(3)),
            RegistryState::Unreachable("HTTP 503".into())
        );
        h.join().unwrap();
        // Nothing listens on a port we just released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert!(matches!(
            check_registry(&format!("http://127.0.0.1:{port}"), Duration::from_secs(3)),
            RegistryState::Unreachable(_)
        ));
    }
}
