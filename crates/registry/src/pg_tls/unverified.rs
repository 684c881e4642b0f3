//! The certificate verifier of `sslmode=prefer` and `sslmode=require`: it accepts any
//! server certificate, like libpq in those modes.
//!
//! Why it exists: `require` means "encrypted, server not authenticated" (libpq's meaning,
//! and what operators who write `sslmode=require` in a URL expect): a passive listener on
//! the network sees nothing, an active man in the middle is not stopped. Authenticating the
//! server is `sslmode=verify-full` with `sslrootcert=FILE` (the webpki verifier, not this).
//!
//! What it still checks: the handshake signatures (TLS 1.2 ServerKeyExchange, TLS 1.3
//! CertificateVerify) against the public key of the certificate presented, so the peer
//! holds that certificate's private key and the session keys are not silently wrong.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

#[derive(Debug)]
pub(super) struct AnyServerCertificate(pub(super) Arc<CryptoProvider>);

impl ServerCertVerifier for AnyServerCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
