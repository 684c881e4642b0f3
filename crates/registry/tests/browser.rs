//! Headless Chromium (Debian's `chromium`) driven over the DevTools protocol: the public
//! certificate page (what the QR code opens) verifies and shows no donor name; then an auditor
//! logs in with a token, searches for an uploaded certificate's serial, follows the result to
//! the certificate page and reads that its signature and log proof are valid. Screenshots are
//! kept in `target/test-artifacts/registry/`.
//!
//! Skipped with a note when Chromium is not installed, unless ARDOISE_REQUIRE_BROWSER=1
//! (`make test-registry` sets it and installs Chromium).

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("ARDOISE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts/registry")
        });
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    ws: WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    fn launch(bin: &PathBuf) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,1024",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…".
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(i) = line.find("ws://") {
                    let _ = tx.send(line[i..].trim().to_string());
                }
            }
        });
        let browser_ws = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("chromium announces its DevTools endpoint");
        let port: u16 = browser_ws
            .trim_start_matches("ws://127.0.0.1:")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // The page target's socket.
        let list: Value = reqwest::blocking::get(format!("http://127.0.0.1:{port}/json/list"))
            .unwrap()
            .json()
            .unwrap();
        let page_ws = list
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_string();
        let (ws, _) = tungstenite::connect(page_ws.as_str()).expect("DevTools websocket");
        let mut b = Browser {
            child,
            _profile: profile,
            ws,
            next_id: 0,
        };
        b.call("Page.enable", json!({}));
        b.call("Runtime.enable", json!({}));
        b
    }

    fn recv(&mut self, deadline: Instant) -> Value {
        loop {
            assert!(Instant::now() < deadline, "DevTools timeout");
            match self.ws.read().expect("DevTools message") {
                Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
                _ => continue,
            }
        }
    }

    /// Sends a command and returns its result (events in between are dropped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.ws
            .send(Message::text(
                json!({"id": id, "method": method, "params": params}).to_string(),
            ))
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let m = self.recv(deadline);
            if m["id"] == json!(id) {
                assert!(m.get("error").is_none(), "{method}: {m}");
                return m["result"].clone();
            }
        }
    }

    /// Runs `action` (a command) and waits for the next page load.
    fn and_wait_load(&mut self, method: &str, params: Value) {
        self.next_id += 1;
        let id = self.next_id;
        self.ws
            .send(Message::text(
                json!({"id": id, "method": method, "params": params}).to_string(),
            ))
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let (mut answered, mut loaded) = (false, false);
        while !(answered && loaded) {
            let m = self.recv(deadline);
            if m["id"] == json!(id) {
                assert!(m.get("error").is_none(), "{method}: {m}");
                if let Some(e) = m["result"].get("exceptionDetails") {
                    panic!("{method}: {e}");
                }
                answered = true;
            }
            if m["method"] == json!("Page.loadEventFired") {
                loaded = true;
            }
        }
    }

    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }
}

fn screenshot(b: &mut Browser, name: &str) {
    let shot = b.call(
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true}),
    );
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let path = artifacts_dir().join(name);
    std::fs::write(&path, &png).unwrap();
    eprintln!("screenshot: {}", path.display());
}

#[test]
fn search_then_certificate_page_in_chromium() {
    let Some(bin) = chromium() else {
        if std::env::var("ARDOISE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("Chromium is required (ARDOISE_REQUIRE_BROWSER=1) but not installed");
        }
        eprintln!(
            "NOTE: chromium not installed: browser test not run (make test-registry runs it)"
        );
        return;
    };
    let db = TestDb::sqlite();
    let srv = TestServer::start(db.config());
    let http = Http::new(&srv.url);
    let mut st = Station::new(121, "st-01");
    http.register(&st);
    for _ in 0..3 {
        assert_eq!(http.submit(&st.next().bytes).status, 201);
    }
    let target = st.next_with(|c| c.provenance.donor.name = "Jeanne Martin-Dupuis".into());
    assert_eq!(http.submit(&target.bytes).status, 201);
    assert_eq!(http.submit(&st.next().bytes).status, 201);
    let serial = target.certificate.media.serial.clone();

    let mut b = Browser::launch(&bin);
    // Anonymous, as the QR code's reader: the page verifies, and shows no personal data.
    b.and_wait_load(
        "Page.navigate",
        json!({"url": format!("{}/c/{}?lang=en", srv.url, target.cert_id)}),
    );
    let public = b.eval("document.body.innerText");
    let public = public.as_str().unwrap();
    assert!(
        public.contains("Signature: valid") && public.contains("Log proof: valid"),
        "{public}"
    );
    assert!(
        !public.contains("Jeanne") && !public.contains("Martin-Dupuis"),
        "{public}"
    );
    assert!(
        !public.contains(&serial),
        "the full disk serial is masked: {public}"
    );
    screenshot(&mut b, "certificate-page-public.png");
    // Search needs a token: the anonymous landing has no search box, the log-in page takes
    // the token and the search comes back.
    b.and_wait_load(
        "Page.navigate",
        json!({"url": format!("{}/?lang=en", srv.url)}),
    );
    assert_eq!(b.eval("document.getElementById('q') === null"), json!(true));
    b.and_wait_load(
        "Page.navigate",
        json!({"url": format!("{}/login?lang=en", srv.url)}),
    );
    b.and_wait_load(
        "Runtime.evaluate",
        json!({"expression": format!(
            "(() => {{ const t = document.getElementById('token'); t.value = {}; t.form.requestSubmit(); return true; }})()",
            serde_json::to_string(ADMIN_TOKEN).unwrap()
        )}),
    );
    assert_eq!(
        b.eval("document.querySelector('h1').innerText"),
        json!("Find a certificate")
    );
    assert_eq!(b.eval("document.getElementById('q') !== null"), json!(true));
    // Type the serial into the search box and submit the form, as a person would.
    b.and_wait_load(
        "Runtime.evaluate",
        json!({"expression": format!(
            "(() => {{ const q = document.getElementById('q'); q.focus(); q.value = {}; q.form.requestSubmit(); return true; }})()",
            serde_json::to_string(&serial).unwrap()
        )}),
    );
    let links = b.eval(
        "Array.from(document.querySelectorAll('a.cert-link')).map(a => a.getAttribute('href'))",
    );
    let links = links.as_array().expect("result links");
    assert_eq!(
        links.len(),
        1,
        "the search finds exactly the uploaded certificate: {links:?}"
    );
    assert!(links[0]
        .as_str()
        .unwrap()
        .starts_with(&format!("/c/{}", target.cert_id)));
    // Follow the result.
    b.and_wait_load(
        "Runtime.evaluate",
        json!({"expression": "document.querySelector('a.cert-link').click(); true"}),
    );
    assert_eq!(
        b.eval("location.pathname"),
        json!(format!("/c/{}", target.cert_id))
    );
    let text = b.eval("document.body.innerText");
    let text = text.as_str().unwrap();
    assert!(text.contains("Valid certificate"), "{text}");
    assert!(text.contains("Signature: valid"), "{text}");
    assert!(text.contains("Log proof: valid"), "{text}");
    assert!(text.contains(&serial));
    assert!(
        text.contains("Jeanne Martin-Dupuis"),
        "an auditor sees the donor"
    );
    let statuses = b.eval(
        "Object.fromEntries(Array.from(document.querySelectorAll('[data-check]')).map(e => [e.dataset.check, e.dataset.status]))",
    );
    assert_eq!(statuses["signature"], json!("pass"));
    assert_eq!(statuses["log"], json!("pass"));
    assert_eq!(statuses["journal"], json!("pass"));

    screenshot(&mut b, "certificate-page.png");

    // The French page says the same.
    b.and_wait_load(
        "Page.navigate",
        json!({"url": format!("{}/c/{}?lang=fr", srv.url, target.cert_id)}),
    );
    let fr = b.eval("document.body.innerText");
    assert!(
        fr.as_str().unwrap().contains("Preuve de journal: valide"),
        "{fr}"
    );
}
