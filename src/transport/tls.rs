//! TLS settings for `wss://` and `rss://`, through rustls with the *ring* provider.
//!
//! A [`TlsClientConfig`] trusts either the Mozilla roots compiled in from `webpki-roots` or the CA
//! certificates a PEM file or buffer names (a private CA, or the self-signed CA a test makes). A
//! [`TlsServerConfig`] serves one certificate chain with its private key, both from PEM.
//!
//! Both are built once and shared (`Arc`) by every connection that uses them. The provider is
//! named explicitly instead of relying on a process-wide default, so linking another crate that
//! installs a different default changes nothing here.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::RootCertStore;

/// Why a TLS configuration could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// A PEM file could not be read.
    ReadFile {
        /// The file.
        path: String,
        /// What the system said.
        detail: String,
    },
    /// PEM text that does not parse.
    BadPem {
        /// What was being read: "CA certificates", "certificate chain" or "private key".
        what: &'static str,
        /// What the parser said.
        detail: String,
    },
    /// PEM input with no certificate in it.
    NoCertificates {
        /// What was being read.
        what: &'static str,
    },
    /// A CA certificate that rustls does not accept as a trust anchor.
    BadCaCertificate(String),
    /// rustls refused the configuration (for example a key that does not match the certificate).
    Rustls(String),
}

impl fmt::Display for TlsConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsConfigError::ReadFile { path, detail } => {
                write!(f, "cannot read TLS file '{path}': {detail}")
            }
            TlsConfigError::BadPem { what, detail } => write!(f, "bad PEM in {what}: {detail}"),
            TlsConfigError::NoCertificates { what } => {
                write!(f, "no 'BEGIN CERTIFICATE' section found in {what}")
            }
            TlsConfigError::BadCaCertificate(detail) => {
                write!(f, "CA certificate not usable as a trust anchor: {detail}")
            }
            TlsConfigError::Rustls(detail) => write!(f, "TLS configuration refused: {detail}"),
        }
    }
}

impl std::error::Error for TlsConfigError {}

/// How a client checks the server's certificate.
#[derive(Clone)]
pub struct TlsClientConfig {
    config: Arc<rustls::ClientConfig>,
}

impl TlsClientConfig {
    /// Trusts the Mozilla root CAs (compiled in from `webpki-roots`; the system store is not read).
    pub fn webpki_roots() -> Result<TlsClientConfig, TlsConfigError> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        TlsClientConfig::with_roots(roots)
    }

    /// Trusts only the CA certificates in `pem` (one or more `BEGIN CERTIFICATE` sections).
    pub fn from_ca_pem(pem: &[u8]) -> Result<TlsClientConfig, TlsConfigError> {
        let what = "CA certificates";
        let mut roots = RootCertStore::empty();
        for cert in certificates(pem, what)? {
            roots
                .add(cert)
                .map_err(|err| TlsConfigError::BadCaCertificate(err.to_string()))?;
        }
        TlsClientConfig::with_roots(roots)
    }

    /// Trusts only the CA certificates in the PEM file at `path`.
    pub fn from_ca_file(path: impl AsRef<Path>) -> Result<TlsClientConfig, TlsConfigError> {
        TlsClientConfig::from_ca_pem(&read_file(path.as_ref())?)
    }

    /// Uses a rustls configuration built elsewhere (client certificates, custom verifiers, ALPN).
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> TlsClientConfig {
        TlsClientConfig { config }
    }

    fn with_roots(roots: RootCertStore) -> Result<TlsClientConfig, TlsConfigError> {
        let config =
            rustls::ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|err| TlsConfigError::Rustls(err.to_string()))?
                .with_root_certificates(roots)
                .with_no_client_auth();
        Ok(TlsClientConfig {
            config: Arc::new(config),
        })
    }

    /// The rustls configuration.
    pub fn rustls(&self) -> &Arc<rustls::ClientConfig> {
        &self.config
    }
}

impl fmt::Debug for TlsClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClientConfig").finish_non_exhaustive()
    }
}

/// The certificate and key a server presents.
#[derive(Clone)]
pub struct TlsServerConfig {
    config: Arc<rustls::ServerConfig>,
}

impl TlsServerConfig {
    /// Serves the chain in `cert_chain_pem` (leaf first) with the private key in `key_pem`
    /// (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(
        cert_chain_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<TlsServerConfig, TlsConfigError> {
        let chain = certificates(cert_chain_pem, "certificate chain")?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|err| TlsConfigError::BadPem {
            what: "private key",
            detail: err.to_string(),
        })?;
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|err| TlsConfigError::Rustls(err.to_string()))?
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .map_err(|err| TlsConfigError::Rustls(err.to_string()))?;
        Ok(TlsServerConfig {
            config: Arc::new(config),
        })
    }

    /// Like [`from_pem`](Self::from_pem), reading both from files.
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<TlsServerConfig, TlsConfigError> {
        TlsServerConfig::from_pem(&read_file(cert_chain.as_ref())?, &read_file(key.as_ref())?)
    }

    /// Uses a rustls configuration built elsewhere.
    pub fn from_rustls(config: Arc<rustls::ServerConfig>) -> TlsServerConfig {
        TlsServerConfig { config }
    }

    /// The rustls configuration.
    pub fn rustls(&self) -> &Arc<rustls::ServerConfig> {
        &self.config
    }
}

impl fmt::Debug for TlsServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServerConfig").finish_non_exhaustive()
    }
}

fn certificates(
    pem: &[u8],
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| TlsConfigError::BadPem {
            what,
            detail: err.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsConfigError::NoCertificates { what });
    }
    Ok(certs)
}

fn read_file(path: &Path) -> Result<Vec<u8>, TlsConfigError> {
    std::fs::read(path).map_err(|err| TlsConfigError::ReadFile {
        path: path.display().to_string(),
        detail: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_empty_pem_get_clear_errors() {
        assert_eq!(
            TlsClientConfig::from_ca_pem(b"").unwrap_err(),
            TlsConfigError::NoCertificates {
                what: "CA certificates"
            }
        );
        let err = TlsServerConfig::from_pem(b"nothing here", b"nor here").unwrap_err();
        assert_eq!(
            err,
            TlsConfigError::NoCertificates {
                what: "certificate chain"
            }
        );
        let missing = TlsClientConfig::from_ca_file("/nonexistent/ca.pem").unwrap_err();
        assert!(
            missing.to_string().contains("/nonexistent/ca.pem"),
            "{missing}"
        );
    }

    #[test]
    fn webpki_roots_build() {
        assert!(TlsClientConfig::webpki_roots().is_ok());
    }
}
