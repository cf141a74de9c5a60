//! TLS for database connections, with rustls (no OpenSSL): the root certificates (the
//! operating system's store and the file the URL names), the certificate check each mode asks
//! for, the client's own certificate, and one clear line for each way a handshake fails.
//!
//! Modes ([`Tls`]): `prefer` and `require` encrypt without checking the certificate (what pgJDBC
//! and Connector/J do), `verify-ca` checks the chain and not the host name, `verify-full` both.
//! Key passphrases are never shown; an encrypted private key is refused with how to decrypt it.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
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

/// The certificates of a PEM or DER file; a Java or PKCS#12 key store gets how to convert it.
pub fn read_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read the certificate file {path}: {e}"))?;
    if bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) || bytes.starts_with(&[0xCE, 0xCE, 0xCE, 0xCE])
    {
        return Err(format!(
            "{path} is a Java key store (JKS), which flyway-lsp cannot read: convert it to PEM with `keytool -exportcert -rfc -keystore {path} -alias <alias> -file ca.pem` and name ca.pem instead"
        ));
    }
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let certs = CertificateDer::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("cannot read the certificates in {path}: {e}"))?;
        if certs.is_empty() {
            return Err(format!(
                "{path} holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)"
            ));
        }
        return Ok(certs);
    }
    // DER: an X.509 certificate is SEQUENCE { SEQUENCE … }; a PKCS#12 store is
    // SEQUENCE { INTEGER 3, … }.
    let header = match bytes.get(1) {
        Some(&n) if n < 0x80 => 2,
        Some(&n) => 2 + usize::from(n & 0x7F),
        None => 0,
    };
    if bytes.first() == Some(&0x30) && bytes.get(header) == Some(&0x02) {
        return Err(format!(
            "{path} is a PKCS#12 key store, which flyway-lsp cannot read: convert it to PEM with `openssl pkcs12 -in {path} -nokeys -out ca.pem` and name ca.pem instead"
        ));
    }
    if bytes.first() == Some(&0x30) {
        return Ok(vec![CertificateDer::from(bytes)]);
    }
    Err(format!("{path} is neither a PEM nor a DER certificate"))
}

/// The client's private key (PEM or DER). An encrypted key is refused: rustls reads only
/// plain keys.
fn read_key(path: &str, flavor: Flavor) -> Result<PrivateKeyDer<'static>, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read the private key file {path}: {e}"))?;
    if bytes.windows(21).any(|w| w == b"ENCRYPTED PRIVATE KEY")
        || bytes.windows(14).any(|w| w == b"Proc-Type: 4,E")
    {
        return Err(format!(
            "the private key {path} is encrypted, which flyway-lsp cannot read{}: decrypt a copy with `openssl pkey -in {path} -out client.key` (keep it private) and name that",
            if flavor == Flavor::Postgres { " (sslpassword is not used)" } else { "" }
        ));
    }
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return PrivateKeyDer::from_pem_slice(&bytes)
            .map_err(|e| format!("cannot read the private key in {path}: {e}"));
    }
    PrivateKeyDer::try_from(bytes).map_err(|e| {
        format!("cannot read the private key in {path}: {e} (an encrypted PKCS#8 .pk8 key must be decrypted first: `openssl pkcs8 -topk8 -nocrypt -inform DER -in {path} -out client.key`)")
    })
}

/// The roots a verifying mode trusts: the operating system's and the URL's file.
pub fn roots(connection: &Connection) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(native_roots().iter().cloned());
    if let Some(path) = &connection.options.tls_files.root_cert {
        for cert in read_certs(path)? {
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
    let files = &connection.options.tls_files;
    match (&files.client_cert, &files.client_key) {
        (Some(cert), Some(key)) => {
            let chain = read_certs(cert)?;
            let key = read_key(key, connection.flavor)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                format!("the client certificate {cert} and its key do not go together: {e}")
            })
        }
        (Some(_), None) => {
            Err("sslcert is set without sslkey: name the client's private key too".into())
        }
        (None, Some(_)) => {
            Err("sslkey is set without sslcert: name the client's certificate too".into())
        }
        (None, None) => Ok(builder.with_no_client_auth()),
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

    fn temp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn key_stores_get_how_to_convert_them() {
        let dir = tempfile::tempdir().unwrap();
        let jks = temp(&dir, "store.jks", &[0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2]);
        let err = read_certs(&jks).unwrap_err();
        assert!(err.contains("JKS") && err.contains("keytool"), "{err}");
        // SEQUENCE (long form) { INTEGER 3 … }: a PKCS#12 store.
        let p12 = temp(
            &dir,
            "store.p12",
            &[0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03, 0x30],
        );
        let err = read_certs(&p12).unwrap_err();
        assert!(
            err.contains("PKCS#12") && err.contains("openssl pkcs12"),
            "{err}"
        );
        let junk = temp(&dir, "junk.pem", b"hello");
        assert!(read_certs(&junk).unwrap_err().contains("neither"));
        let empty = temp(
            &dir,
            "empty.pem",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        );
        assert!(read_certs(&empty)
            .unwrap_err()
            .contains("no PEM certificate"));
        let missing = read_certs("/nonexistent/ca.pem").unwrap_err();
        assert!(
            missing.contains("cannot read the certificate file /nonexistent/ca.pem"),
            "{missing}"
        );
    }

    #[test]
    fn names_are_read_from_the_name_error() {
        assert_eq!(
            presented_dns_names("TLS error: invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate is only valid for DnsName(\"localhost\") or DnsName(\"*.example.com\")"),
            vec!["localhost", "flyway-lsp.example.com"]
        );
        assert!(presented_dns_names("UnknownIssuer").is_empty());
    }

    #[test]
    fn encrypted_keys_are_refused_without_showing_the_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let key = temp(
            &dir,
            "enc.key",
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        );
        let err = read_key(&key, Flavor::Postgres).unwrap_err();
        assert!(
            err.contains("encrypted") && err.contains("openssl pkey"),
            "{err}"
        );
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
