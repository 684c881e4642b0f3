//! TLS to PostgreSQL (`sslmode`, `sslrootcert`) against a real server started by the test:
//! one with `ssl=on` and a certificate from a throwaway CA, one with `ssl=off`. Skipped when
//! PostgreSQL is not installed, unless ARDOISE_REQUIRE_POSTGRES=1 (make test-registry).

mod common;

use ardoise_registry::db::{Conn, DbUrl, Value};
use common::*;

/// Whether the session of `url` is encrypted, as the server sees it.
fn session_is_encrypted(url: &str) -> bool {
    let mut conn = Conn::open(&DbUrl::Postgres(url.to_string())).expect("connects");
    let row = conn
        .query_one(
            "SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .expect("a pg_stat_ssl row");
    row[0] == Value::Int(1)
}

fn open_err(url: &str) -> String {
    Conn::open(&DbUrl::Postgres(url.to_string()))
        .err()
        .unwrap_or_else(|| panic!("{url} must not connect"))
        .to_string()
}

fn base(pg: &PgServer, host: &str) -> String {
    format!("postgres://postgres@{host}:{}/postgres", pg.port)
}

/// `sslmode=require` and `prefer` encrypt against a server with TLS (certificate not checked);
/// `disable` does not.
#[test]
fn pg_tls_require_is_encrypted() {
    let Some(pg) = PgServer::start_tls() else {
        return;
    };
    let u = base(&pg, "127.0.0.1");
    assert!(session_is_encrypted(&format!("{u}?sslmode=require")));
    assert!(session_is_encrypted(&format!("{u}?sslmode=prefer")));
    assert!(session_is_encrypted(&u), "prefer is the default");
    assert!(!session_is_encrypted(&format!("{u}?sslmode=disable")));
    // A Unix socket never uses TLS, and prefer (the default) still connects over it.
    let sock = pg.socket_dir.display().to_string().replace('/', "%2F");
    assert!(!session_is_encrypted(&format!(
        "postgres://postgres@{sock}:{}/postgres",
        pg.port
    )));
}

/// `sslmode=verify-full&sslrootcert=CA`: the right CA connects (by IP address and by DNS
/// name); another CA, or a certificate for another name, is refused with the reason; the
/// CA file must exist.
#[test]
fn pg_tls_verify_full_checks_the_ca() {
    let Some(pg) = PgServer::start_tls() else {
        return;
    };
    let tls = pg.tls_dir.clone().unwrap();
    let ca = tls.join("ca.pem");
    let other = tls.join("other-ca.pem");
    for host in ["127.0.0.1", "localhost"] {
        let url = format!(
            "{}?sslmode=verify-full&sslrootcert={}",
            base(&pg, host),
            ca.display()
        );
        assert!(session_is_encrypted(&url), "{url}");
    }
    let e = open_err(&format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        base(&pg, "127.0.0.1"),
        other.display()
    ));
    assert!(
        e.contains("TLS") && e.contains("invalid peer certificate") && e.contains("UnknownIssuer"),
        "{e}"
    );
    // The right CA, the wrong name: connected to 127.0.0.1, expecting "wrong.example".
    let e = open_err(&format!(
        "{}?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}",
        base(&pg, "wrong.example"),
        ca.display()
    ));
    assert!(e.contains("not valid for name \"wrong.example\""), "{e}");
    let e = open_err(&format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        base(&pg, "127.0.0.1"),
        tls.join("missing.pem").display()
    ));
    assert!(
        e.contains("sslrootcert") && e.contains("missing.pem"),
        "{e}"
    );
    let e = open_err(&format!("{}?sslmode=verify-full", base(&pg, "127.0.0.1")));
    assert!(e.contains("needs sslrootcert"), "{e}");

    // The registry itself runs over a verified connection.
    let mut db = pg.test_db();
    let DbUrl::Postgres(u) = &db.url else {
        unreachable!()
    };
    db.url = DbUrl::Postgres(format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        u.replace("127.0.0.1", "localhost"),
        ca.display()
    ));
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(7, "poste-tls");
    http.register(&st);
    let r = http.submit(&st.next().bytes);
    assert_eq!(r.status, 201, "{}", r.text());
    let r = http.get("/api/v1/certificates");
    assert_eq!(r.status, 200, "{}", r.text());
}

/// Against a server without TLS: `require` and `verify-full` fail clearly, `prefer`
/// connects in plain text.
#[test]
fn pg_tls_require_refuses_a_server_without_tls() {
    let Some(pg) = PgServer::start() else { return };
    let u = base(&pg, "127.0.0.1");
    let e = open_err(&format!("{u}?sslmode=require"));
    assert!(e.contains("server does not support TLS"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    make_test_pki(dir.path());
    let ca = dir.path().join("ca.pem");
    let e = open_err(&format!(
        "{u}?sslmode=verify-full&sslrootcert={}",
        ca.display()
    ));
    assert!(e.contains("server does not support TLS"), "{e}");
    assert!(!session_is_encrypted(&format!("{u}?sslmode=prefer")));
}
