//! TLS for the PostgreSQL connections (rustls, over the `postgres` crate's `MakeTlsConnect`).
//!
//! The database URL says what is wanted, with libpq's parameter names:
//!
//! - `sslmode=disable`: no TLS;
//! - `sslmode=prefer` (the default): TLS when the server offers it, plain text otherwise;
//!   the server's certificate is not checked;
//! - `sslmode=require`: TLS or no connection; the server's certificate is not checked
//!   (encrypted against a passive listener, not authenticated: libpq's meaning);
//! - `sslmode=verify-full&sslrootcert=FILE`: TLS or no connection, and the server's
//!   certificate must chain to a CA certificate of FILE (PEM) and name the URL's host
//!   (DNS name or IP address).
//!
//! The `postgres` crate parses only `disable`, `prefer` and `require` and refuses unknown
//! parameters, so [`prepare`] takes `verify-full` and `sslrootcert` out of the URL (handing
//! it `sslmode=require`) and keeps them for the TLS connector. `verify-ca` (CA without the
//! host name) is refused rather than silently made stricter or weaker, and so are
//! `sslrootcert` without `verify-full` and `verify-full` without `sslrootcert` (libpq
//! would read `~/.postgresql/root.crt`; here the CA is always named).

mod unverified;

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Why a PostgreSQL connection could not be opened. The database layer shows it as its own
/// error ([`crate::db::DbError`]); this module takes nothing from it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL's TLS parameters or the CA file: a message for the operator.
    #[error("{0}")]
    Setup(String),
    /// The connection or its TLS handshake failed.
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
}

/// How the server is authenticated, once the URL is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAuth {
    /// `disable`, `prefer`, `require`: any certificate (handshake signatures still checked).
    None,
    /// `verify-full`: the certificate chains to a CA of this PEM file and names the host.
    VerifyFull(PathBuf),
}

/// Splits a `postgres://` URL into the URL the `postgres` crate accepts and the server
/// authentication wanted.
pub fn split_url(url: &str) -> Result<(String, ServerAuth), ConnectError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), ServerAuth::None));
    };
    let mut kept: Vec<String> = Vec::new();
    let mut mode: Option<String> = None;
    let mut root: Option<String> = None;
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        match percent_decode(k)?.as_str() {
            "sslmode" => {
                let v = percent_decode(v)?;
                if v == "verify-full" {
                    kept.push("sslmode=require".into());
                } else {
                    kept.push(piece.to_string());
                }
                mode = Some(v);
            }
            "sslrootcert" => root = Some(percent_decode(v)?),
            _ => kept.push(piece.to_string()),
        }
    }
    let auth = match (mode.as_deref(), root) {
        (Some("verify-full"), Some(file)) if !file.is_empty() => {
            ServerAuth::VerifyFull(PathBuf::from(file))
        }
        (Some("verify-full"), _) => {
            return Err(ConnectError::Setup(
                "sslmode=verify-full needs sslrootcert=FILE (the CA certificates, PEM)".into(),
            ))
        }
        (Some("verify-ca"), _) => {
            return Err(ConnectError::Setup(
                "sslmode=verify-ca is not supported: use sslmode=verify-full&sslrootcert=FILE \
                 (checks the CA and the host name)"
                    .into(),
            ))
        }
        (_, Some(_)) => {
            return Err(ConnectError::Setup(
                "sslrootcert is used only with sslmode=verify-full (with sslmode=require or \
                 prefer the server certificate is not checked)"
                    .into(),
            ))
        }
        (_, None) => ServerAuth::None,
    };
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, auth))
}

fn percent_decode(s: &str) -> Result<String, ConnectError> {
    let bad = || ConnectError::Setup(format!("database URL: bad percent-encoding in {s:?}"));
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).ok_or_else(bad)?;
            let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// Opens a PostgreSQL connection honouring the URL's `sslmode` (and `sslrootcert`), with
/// [`with_default_timeouts`].
pub fn connect(url: &str) -> Result<postgres::Client, ConnectError> {
    let (url, auth) = split_url(url)?;
    let tls = MakeRustls::new(&auth)?;
    let mut config: postgres::Config = url.parse()?;
    with_default_timeouts(&mut config, &url);
    Ok(config.connect(tls)?)
}

/// The timeouts a URL does not set itself (libpq's parameter names, in seconds, override
/// each): connect within 10 s; TCP keepalives after 30 s idle, every 10 s, 3 probes; sent
/// data unacknowledged for 60 s ends the connection (`tcp_user_timeout`). Without them a
/// connection cut on the way (a firewall dropping the flow) is noticed only after the
/// system's defaults, two hours for keepalives and about fifteen minutes of retransmissions:
/// the writer would wait that long before it reconnects.
pub fn with_default_timeouts(config: &mut postgres::Config, url: &str) {
    use std::time::Duration;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    // keepalives_idle always has a value (two hours by default): look for it in the URL.
    let query = url.split_once('?').map_or("", |(_, q)| q);
    if !query
        .split('&')
        .any(|p| p.split('=').next() == Some("keepalives_idle"))
    {
        config.keepalives_idle(Duration::from_secs(30));
    }
    if config.get_keepalives_interval().is_none() {
        config.keepalives_interval(Duration::from_secs(10));
    }
    if config.get_keepalives_retries().is_none() {
        config.keepalives_retries(3);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(Duration::from_secs(60));
    }
}

/// The rustls client configuration for `auth` (ring, TLS 1.2 and 1.3, ALPN `postgresql`
/// as PostgreSQL 17's direct negotiation requires).
pub fn client_config(auth: &ServerAuth) -> Result<ClientConfig, ConnectError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Setup(format!("TLS: {e}")))?;
    let mut config = match auth {
        ServerAuth::None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(unverified::AnyServerCertificate(provider)))
            .with_no_client_auth(),
        ServerAuth::VerifyFull(file) => {
            let what = |e: &dyn std::fmt::Display| {
                ConnectError::Setup(format!("sslrootcert {}: {e}", file.display()))
            };
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(file).map_err(|e| what(&e))? {
                roots
                    .add(cert.map_err(|e| what(&e))?)
                    .map_err(|e| what(&e))?;
            }
            if roots.is_empty() {
                return Err(what(
                    &"no CA certificate (PEM CERTIFICATE block) in the file",
                ));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(config)
}

/// The `postgres` crate's TLS hook, over tokio-rustls.
#[derive(Clone)]
pub struct MakeRustls(Arc<ClientConfig>);

impl MakeRustls {
    /// A TLS connector for the server authentication the URL asks for.
    pub fn new(auth: &ServerAuth) -> Result<MakeRustls, ConnectError> {
        Ok(MakeRustls(Arc::new(client_config(auth)?)))
    }
}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, host: &str) -> Result<RustlsConnect, io::Error> {
        // A Unix socket has no host name ("" here); the postgres crate never starts TLS on
        // it, so a missing name is an error only if a handshake is attempted.
        Ok(RustlsConnect {
            config: self.0.clone(),
            name: ServerName::try_from(host.to_string()).ok(),
            host: host.to_string(),
        })
    }
}

/// One connection's TLS setup, made by `MakeRustls` for the server's host name.
pub struct RustlsConnect {
    config: Arc<ClientConfig>,
    name: Option<ServerName<'static>>,
    host: String,
}

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<RustlsStream<S>, io::Error>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let name = self.name.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{:?} is not a host name or IP address for TLS", self.host),
                )
            })?;
            let s = tokio_rustls::TlsConnector::from(self.config)
                .connect(name, stream)
                .await?;
            Ok(RustlsStream(s))
        })
    }
}

/// A TLS session to the server.
pub struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S> TlsStream for RustlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn channel_binding(&self) -> ChannelBinding {
        // No tls-server-end-point binding offered: SCRAM still works (SCRAM-SHA-256 without
        // -PLUS); a URL with channel_binding=require is refused by the postgres crate.
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_timeouts_unless_the_url_sets_them() {
        use std::time::Duration;
        let apply = |url: &str| {
            let mut c: postgres::Config = url.parse().unwrap();
            with_default_timeouts(&mut c, url);
            c
        };
        let c = apply("postgres://u@db.example/reg");
        assert_eq!(c.get_connect_timeout(), Some(&Duration::from_secs(10)));
        assert_eq!(c.get_keepalives_idle(), Duration::from_secs(30));
        assert_eq!(c.get_keepalives_interval(), Some(Duration::from_secs(10)));
        assert_eq!(c.get_keepalives_retries(), Some(3));
        assert_eq!(c.get_tcp_user_timeout(), Some(&Duration::from_secs(60)));
        assert!(c.get_keepalives());
        let c = apply("postgres://u@db.example/reg?connect_timeout=3&keepalives_idle=7&keepalives_interval=2&keepalives_retries=9&tcp_user_timeout=5");
        assert_eq!(c.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(c.get_keepalives_idle(), Duration::from_secs(7));
        assert_eq!(c.get_keepalives_interval(), Some(Duration::from_secs(2)));
        assert_eq!(c.get_keepalives_retries(), Some(9));
        assert_eq!(c.get_tcp_user_timeout(), Some(&Duration::from_secs(5)));
    }

    #[test]
    fn url_parameters() {
        let u = "postgres://u:p@db.example:5432/reg";
        assert_eq!(split_url(u).unwrap(), (u.to_string(), ServerAuth::None));
        let (url, auth) = split_url(&format!("{u}?sslmode=require&application_name=x")).unwrap();
        assert_eq!(url, format!("{u}?sslmode=require&application_name=x"));
        assert_eq!(auth, ServerAuth::None);
        let (url, auth) = split_url(&format!(
            "{u}?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem"
        ))
        .unwrap();
        assert_eq!(url, format!("{u}?sslmode=require"));
        assert_eq!(auth, ServerAuth::VerifyFull("/etc/ca.pem".into()));
        for bad in [
            "?sslmode=verify-full",
            "?sslmode=verify-ca&sslrootcert=/ca.pem",
            "?sslmode=require&sslrootcert=/ca.pem",
            "?sslrootcert=/ca.pem",
            "?sslmode=verify-full&sslrootcert=%zz",
        ] {
            assert!(split_url(&format!("{u}{bad}")).is_err(), "{bad}");
        }
        // What remains is parsed by the postgres crate.
        let (url, _) = split_url(&format!("{u}?sslmode=verify-full&sslrootcert=/x")).unwrap();
        url.parse::<postgres::Config>().unwrap();
    }

    #[test]
    fn missing_or_empty_ca_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.pem");
        let e = MakeRustls::new(&ServerAuth::VerifyFull(missing))
            .err()
            .unwrap();
        assert!(e.to_string().contains("sslrootcert"), "{e}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let e = MakeRustls::new(&ServerAuth::VerifyFull(empty))
            .err()
            .unwrap();
        assert!(e.to_string().contains("no CA certificate"), "{e}");
    }
}
