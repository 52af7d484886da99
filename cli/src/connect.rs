//! Connecting: the driver's own parsing of the connection string, and TLS
//! through rustls as `sslmode` asks.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::config::SslMode as DriverSslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::config::{Connection, SslMode};
use sqlstrata::redact;

/// Why a connection could not be made. Never holds a password.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The connection string does not parse.
    #[error("invalid connection string {config}: {reason}")]
    Config {
        /// The string, redacted.
        config: String,
        /// What the driver said.
        reason: String,
    },
    /// The TLS settings cannot be used.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The server could not be reached, refused us, or TLS failed.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// Where, redacted.
        target: String,
        /// What went wrong, redacted.
        reason: String,
        /// The server's SQLSTATE, when it answered (a refused password is
        /// `28P01`, a missing database `3D000`, a server starting up `57P03`).
        sql_state: Option<String>,
    },
}

impl ConnectError {
    /// Whether trying again later may succeed: the server did not answer, is
    /// starting or stopping, or has no connection slot free. A refused
    /// password or a missing database is not.
    pub fn is_transient(&self) -> bool {
        match self {
            ConnectError::Connect { sql_state, .. } => match sql_state.as_deref() {
                None => true,
                Some(code) => code == "57P03" || code == "53300" || code.starts_with("08"),
            },
            _ => false,
        }
    }
}

/// Connects a blocking client.
pub fn connect(connection: &Connection) -> Result<postgres::Client, ConnectError> {
    connect_with(connection, None)
}

/// Connects a blocking client to another database of the same server.
pub fn connect_to(connection: &Connection, dbname: &str) -> Result<postgres::Client, ConnectError> {
    connect_with(connection, Some(dbname))
}

fn connect_with(
    connection: &Connection,
    dbname: Option<&str>,
) -> Result<postgres::Client, ConnectError> {
    let mut config =
        connection
            .driver_config()
            .map_err(|e: postgres::Error| ConnectError::Config {
                config: redact(&connection.config),
                reason: redact(&e.to_string()),
            })?;
    if let Some(name) = dbname {
        config.dbname(name);
    }
    let failed = |e: postgres::Error| ConnectError::Connect {
        target: connection.to_string(),
        reason: redact(&describe(&e)),
        sql_state: e.code().map(|c| c.code().to_string()),
    };
    if connection.ssl == SslMode::Disable {
        config.ssl_mode(DriverSslMode::Disable);
        return config.connect(postgres::NoTls).map_err(failed);
    }
    config.ssl_mode(if connection.ssl == SslMode::Prefer {
        DriverSslMode::Prefer
    } else {
        DriverSslMode::Require
    });
    let tls = tls_config(connection)?;
    config.connect(MakeRustlsConnect::new(tls)).map_err(failed)
}

/// The error and its causes, which hold the useful part (a refused
/// certificate, a refused password).
fn describe(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(connection: &Connection) -> Result<RootCertStore, ConnectError> {
    let mut roots = RootCertStore::empty();
    match &connection.root_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
                ConnectError::Tls(format!("cannot read sslrootcert {}: {e}", path.display()))
            })?;
            for cert in certs {
                let cert = cert.map_err(|e| {
                    ConnectError::Tls(format!("bad certificate in {}: {e}", path.display()))
                })?;
                roots.add(cert).map_err(|e| {
                    ConnectError::Tls(format!("unusable certificate in {}: {e}", path.display()))
                })?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(roots)
}

fn tls_config(connection: &Connection) -> Result<ClientConfig, ConnectError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Tls(e.to_string()))?;
    let tls = match connection.ssl {
        SslMode::VerifyFull => builder
            .with_root_certificates(roots(connection)?)
            .with_no_client_auth(),
        // As libpq: a root certificate given with `require` or `prefer`
        // makes them check the chain, like `verify-ca`.
        SslMode::VerifyCa | SslMode::Require | SslMode::Prefer
            if connection.ssl == SslMode::VerifyCa || connection.root_cert.is_some() =>
        {
            let inner =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots(connection)?), provider)
                    .build()
                    .map_err(|e| ConnectError::Tls(e.to_string()))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly(inner)))
                .with_no_client_auth()
        }
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth(),
    };
    Ok(tls)
}

/// `sslmode=require`/`prefer` without `sslrootcert`: encrypted, the
/// certificate not checked (as libpq does without a root certificate).
#[derive(Debug)]
struct Unverified(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
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
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must reach a trusted root; the host name
/// is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
