//! TLS for database connections, with rustls (no OpenSSL): the root certificates (the
//! operating system's store and the file the URL names), the certificate check each mode asks
//! for, the client's own certificate, and one clear line for each way a handshake fails.
//!
//! Modes ([`Tls`]): `prefer` and `require` encrypt without checking the certificate (what pgJDBC
//! and Connector/J do), `verify-ca` checks the chain and not the host name, `verify-full` both.
//! The files themselves are read by [`super::tls_files`]; passwords are never shown.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};

use super::url::{Connection, Tls};
use crate::sql::server::Flavor;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The operating system's root certificates, read once (none when the store cannot be read:
/// a root file in the URL still works).
pub fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The setting that names a root file, as the flavor's driver spells it.
fn root_setting(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Postgres => "sslrootcert",
        Flavor::MySql => "trustCertificateKeyStoreUrl",
        Flavor::MariaDb => "serverSslCert",
    }
}

/// The roots a verifying mode trusts: the operating system's and the URL's file.
pub fn roots(connection: &Connection) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(native_roots().iter().cloned());
    let files = &connection.options.tls_files;
    if let Some(path) = &files.root_cert {
        for cert in super::tls_files::read_roots(path, files.root_password.as_deref())? {
            store.add(cert).map_err(|e| {
                format!("a certificate in {path} cannot be a root certificate: {e}")
            })?;
        }
    }
    Ok(store)
}

/// The client configuration of a connection that asks for TLS (not `disable`).
pub fn client_config(connection: &Connection) -> Result<ClientConfig, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match connection.tls {
        Tls::Disable | Tls::Prefer | Tls::Require => Arc::new(Unverified(provider)),
        Tls::VerifyCa | Tls::VerifyFull => {
            let store = roots(connection)?;
            if store.is_empty() {
                return Err(format!(
                    "sslmode={} verifies the server's certificate, but there are no root certificates: the operating system's store is empty and no {} is set",
                    connection.tls.name(),
                    root_setting(connection.flavor)
                ));
            }
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
                .build()
                .map_err(|e| format!("TLS setup: {e}"))?;
            if connection.tls == Tls::VerifyCa {
                Arc::new(ChainOnly(webpki))
            } else {
                webpki
            }
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match super::tls_files::read_identity(&connection.options.tls_files)? {
        Some(identity) => builder
            .with_client_auth_cert(identity.chain, identity.key)
            .map_err(|e| format!("the client certificate and its key do not go together: {e}")),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// The certificate checks of MySQL's and MariaDB's driver for a mode:
/// (accept any certificate, skip the host name).
pub fn mysql_checks(tls: Tls) -> (bool, bool) {
    match tls {
        Tls::Disable | Tls::Prefer | Tls::Require => (true, true),
        Tls::VerifyCa => (false, true),
        Tls::VerifyFull => (false, false),
    }
}

/// The DNS names a certificate holds, from rustls's name error (`certificate not valid for name
/// "127.0.0.1"; certificate is only valid for DnsName("localhost") or DnsName("db")`); a
/// wildcard's first label is filled in. Used only to ask for a name that a full check then
/// verifies, so a misreading can fail a connection, never accept one.
pub fn presented_dns_names(text: &str) -> Vec<String> {
    let Some(at) = text.find("is only valid for ") else {
        return Vec::new();
    };
    text[at..]
        .split("DnsName(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(name, _)| name))
        .map(|name| match name.strip_prefix("*.") {
            Some(base) => format!("flyway-lsp.{base}"),
            None => name.to_string(),
        })
        .collect()
}

/// `prefer` / `require`: encrypted, any certificate (the handshake's signatures are still
/// checked, so the peer holds the key of the certificate it shows).
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
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

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain is verified; a host name the certificate does not hold is accepted
/// (rustls checks the chain before the name, so only a name failure is forgiven here).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
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

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// The one line for a TLS failure in a driver's error text, with what to set; `None` when
/// the text is not a TLS failure.
pub fn explain(connection: &Connection, text: &str) -> Option<String> {
    let mode = connection.tls.name();
    let root = root_setting(connection.flavor);
    let lower = text.to_ascii_lowercase();
    if lower.contains("not valid for name") || lower.contains("notvalidforname") {
        return Some(format!(
            "the server's certificate is not valid for the host name `{}` (sslmode={mode} checks it): connect with a name the certificate holds, or use verify-ca to check only the chain",
            connection.host
        ));
    }
    if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
        return Some(format!(
            "the server's certificate does not verify against the trusted roots (the operating system's{}; sslmode={mode}): set {root} to the file of the CA that signed it",
            match &connection.options.tls_files.root_cert {
                Some(path) => format!(" and {path}"),
                None => String::new(),
            }
        ));
    }
    if lower.contains("certificate expired")
        || lower.contains("expired") && lower.contains("certificate")
    {
        return Some(format!(
            "the server's certificate has expired (sslmode={mode})"
        ));
    }
    if lower.contains("invalid peer certificate") || lower.contains("badsignature") {
        let detail = text
            .split("invalid peer certificate: ")
            .nth(1)
            .unwrap_or(text)
            .lines()
            .next()
            .unwrap_or_default();
        return Some(format!(
            "the server's certificate was refused (sslmode={mode}): {detail}"
        ));
    }
    if lower.contains("server does not support tls")
        || lower.contains("server does not support ssl")
        || lower.contains("server does not have this capability")
    {
        return Some(format!(
            "the server does not offer TLS, and sslmode={mode} requires it: turn TLS on at the server, or set sslmode=prefer (or disable) to connect in plain text"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_the_name_error() {
        assert_eq!(
            presented_dns_names("TLS error: invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate is only valid for DnsName(\"localhost\") or DnsName(\"*.example.com\")"),
            vec!["localhost", "flyway-lsp.example.com"]
        );
        assert!(presented_dns_names("UnknownIssuer").is_empty());
    }

    #[test]
    fn failures_are_explained_in_one_line() {
        let c = Connection::parse(
            "jdbc:postgresql://db.example/app?sslmode=verify-full",
            None,
            None,
        )
        .unwrap();
        let name = explain(
            &c,
            "error performing TLS handshake: invalid peer certificate: certificate not valid for name \"db.example\"; certificate is only valid for DnsName(\"localhost\")",
        )
        .unwrap();
        assert!(
            name.contains("`db.example`") && name.contains("verify-ca"),
            "{name}"
        );
        let issuer = explain(&c, "invalid peer certificate: UnknownIssuer").unwrap();
        assert!(issuer.contains("set sslrootcert"), "{issuer}");
        let none = explain(
            &c,
            "error performing TLS handshake: server does not support TLS",
        )
        .unwrap();
        assert!(none.contains("does not offer TLS"), "{none}");
        assert_eq!(
            explain(&c, "password authentication failed for user \"x\""),
            None
        );
        let m = Connection::parse("jdbc:mariadb://h/d?sslMode=verify-full", None, None).unwrap();
        assert!(explain(&m, "UnknownIssuer")
            .unwrap()
            .contains("serverSslCert"));
    }

    #[test]
    fn verifying_modes_need_roots_and_files_that_exist() {
        let c = Connection::parse(
            "jdbc:postgresql://h/d?sslmode=verify-full&sslrootcert=/nonexistent/root.crt",
            None,
            None,
        )
        .unwrap();
        let err = client_config(&c).unwrap_err();
        assert!(err.contains("/nonexistent/root.crt"), "{err}");
        let c = Connection::parse(
            "jdbc:postgresql://h/d?sslmode=require&sslcert=/x.crt",
            None,
            None,
        )
        .unwrap();
        assert!(client_config(&c).unwrap_err().contains("without sslkey"));
        let c = Connection::parse("jdbc:postgresql://h/d?sslmode=require", None, None).unwrap();
        assert!(client_config(&c).is_ok());
    }
}
