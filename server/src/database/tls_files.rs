//! The files a TLS connection names, read as the JDBC drivers read them: root certificates
//! (`sslrootcert`, `trustCertificateKeyStoreUrl`, `serverSslCert`) as PEM, DER or a PKCS#12
//! store; the client's identity as a PKCS#12 store (`clientCertificateKeyStoreUrl`, MariaDB's
//! `keyStore`) or a certificate and a key (`sslcert`, `sslkey`), the key plain (PKCS#8, PKCS#1,
//! SEC1; PEM or DER) or encrypted PKCS#8 with PBES2 and `sslpassword` (pgJDBC's `.pk8`).
//!
//! What is not read gets one line saying how to convert it: a Java key store (JKS), a key
//! encrypted with PBES1 (pgJDBC's older default, `-v1 PBE-MD5-DES`) or the legacy OpenSSL
//! `Proc-Type: 4,ENCRYPTED` format. Passwords are never shown.

use pkcs8::der::Decode;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer};

use super::url::TlsFiles;

/// The client's certificate chain and private key.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

fn read(path: &str, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the {what} {path}: {e}"))
}

fn is_jks(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) || bytes.starts_with(&[0xCE, 0xCE, 0xCE, 0xCE])
}

fn jks_error(path: &str) -> String {
    format!(
        "{path} is a Java key store (JKS), which flyway-lsp cannot read: convert it to PKCS#12 with `keytool -importkeystore -srckeystore {path} -srcstoretype JKS -destkeystore store.p12 -deststoretype PKCS12` and name store.p12 instead"
    )
}

fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// DER `SEQUENCE { INTEGER 3, … }`: a PKCS#12 store (an X.509 certificate is
/// `SEQUENCE { SEQUENCE … }`).
fn is_pkcs12(bytes: &[u8]) -> bool {
    let header = match bytes.get(1) {
        Some(&n) if n < 0x80 => 2,
        Some(&n) => 2 + usize::from(n & 0x7F),
        None => return false,
    };
    bytes.first() == Some(&0x30) && bytes.get(header..header + 3) == Some(&[0x02, 0x01, 0x03][..])
}

fn open_store(
    path: &str,
    bytes: &[u8],
    password: Option<&str>,
) -> Result<p12_keystore::KeyStore, String> {
    p12_keystore::KeyStore::from_pkcs12(bytes, password.unwrap_or_default()).map_err(|e| match e {
        p12_keystore::error::Error::MacError(_) => format!(
            "cannot open the PKCS#12 store {path}: the store's password is wrong or missing"
        ),
        other => format!("cannot open the PKCS#12 store {path}: {other}"),
    })
}

/// The root certificates of a PEM or DER file or of a PKCS#12 store's trusted entries
/// (`password`: `trustCertificateKeyStorePassword`).
pub fn read_roots(
    path: &str,
    password: Option<&str>,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read(path, "certificate file")?;
    if is_jks(&bytes) {
        return Err(jks_error(path));
    }
    if is_pem(&bytes) {
        return pem_certs(path, &bytes);
    }
    if is_pkcs12(&bytes) {
        let store = open_store(path, &bytes, password)?;
        let certs: Vec<_> = store
            .entries()
            .filter_map(|(_, entry)| match entry {
                p12_keystore::KeyStoreEntry::Certificate(cert) => {
                    Some(CertificateDer::from(cert.as_der().to_vec()))
                }
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(format!(
                "the PKCS#12 store {path} holds no trusted certificate entry (`openssl pkcs12 -export` marks none): make it with `keytool -importcert -storetype PKCS12 -keystore {path} -file ca.pem`, or name the PEM file of the CA instead"
            ));
        }
        return Ok(certs);
    }
    if bytes.first() == Some(&0x30) {
        return Ok(vec![CertificateDer::from(bytes)]);
    }
    Err(format!(
        "{path} is neither a PEM nor a DER certificate nor a PKCS#12 store"
    ))
}

fn pem_certs(path: &str, bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot read the certificates in {path}: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "{path} holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)"
        ));
    }
    Ok(certs)
}

/// The client's identity the settings name, if any: a PKCS#12 store, or a certificate file
/// and a key file.
pub fn read_identity(files: &TlsFiles) -> Result<Option<Identity>, String> {
    if let Some(path) = &files.client_store {
        let bytes = read(path, "key store")?;
        if is_jks(&bytes) {
            return Err(jks_error(path));
        }
        if !is_pkcs12(&bytes) {
            return Err(format!(
                "{path} is not a PKCS#12 key store: name a PKCS#12 store (`openssl pkcs12 -export -inkey client.key -in client.crt -out client.p12`), or the PEM files as sslcert and sslkey"
            ));
        }
        let store = open_store(path, &bytes, files.client_store_password.as_deref())?;
        let Some((_, chain)) = store.private_key_chain() else {
            return Err(format!(
                "the PKCS#12 store {path} holds no private key with its certificate"
            ));
        };
        let key = PrivatePkcs8KeyDer::from(chain.key().to_vec()).into();
        let chain = chain
            .chain()
            .iter()
            .map(|c| CertificateDer::from(c.as_der().to_vec()))
            .collect();
        return Ok(Some(Identity { chain, key }));
    }
    match (&files.client_cert, &files.client_key) {
        // pgJDBC reads an `sslkey` ending in .p12 / .pfx as a PKCS#12 store, with sslpassword.
        (None, Some(key)) if std::fs::read(key).is_ok_and(|b| is_pkcs12(&b)) => {
            read_identity(&TlsFiles {
                client_store: Some(key.clone()),
                client_store_password: files.key_password.clone(),
                ..TlsFiles::default()
            })
        }
        (Some(cert), Some(key)) => {
            let bytes = read(cert, "certificate file")?;
            let chain = if is_pem(&bytes) {
                pem_certs(cert, &bytes)?
            } else {
                vec![CertificateDer::from(bytes)]
            };
            let key = read_key(key, files.key_password.as_deref())?;
            Ok(Some(Identity { chain, key }))
        }
        (Some(_), None) => {
            Err("sslcert is set without sslkey: name the client's private key too".into())
        }
        (None, Some(_)) => {
            Err("sslkey is set without sslcert: name the client's certificate too".into())
        }
        (None, None) => Ok(None),
    }
}

/// How to re-encrypt a key with PBES2.
fn reencrypt(path: &str) -> String {
    format!(
        "re-encrypt it with PBES2 using `openssl pkcs8 -topk8 -v2 aes-256-cbc -in {path} -out client.pk8` (add `-inform DER` for a DER .pk8 file) and name client.pk8, keeping sslpassword"
    )
}

/// The PBES1 line (pgJDBC's older default, `-v1 PBE-MD5-DES`).
fn pbes1_error(path: &str) -> String {
    format!(
        "the private key {path} is encrypted with PBES1 (an old scheme flyway-lsp does not read): {}",
        reencrypt(path)
    )
}

/// The client's private key: plain PEM or DER, or encrypted PKCS#8 (PBES2) with `password`.
pub fn read_key(path: &str, password: Option<&str>) -> Result<PrivateKeyDer<'static>, String> {
    let bytes = read(path, "private key file")?;
    if bytes.windows(14).any(|w| w == b"Proc-Type: 4,E") {
        return Err(format!(
            "the private key {path} is in OpenSSL's legacy encrypted format: convert it to encrypted PKCS#8 with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in {path} -out client.pk8` and name client.pk8, keeping sslpassword"
        ));
    }
    let der = if is_pem(&bytes) {
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let (_, doc) = pkcs8::SecretDocument::from_pem(&text)
                .map_err(|e| format!("cannot read the private key in {path}: {e}"))?;
            return decrypt(path, doc.as_bytes(), password);
        }
        return PrivateKeyDer::from_pem_slice(&bytes)
            .map_err(|e| format!("cannot read the private key in {path}: {e}"));
    } else {
        bytes
    };
    if pkcs8::PrivateKeyInfo::from_der(&der).is_ok() {
        return Ok(PrivatePkcs8KeyDer::from(der).into());
    }
    if pkcs8::EncryptedPrivateKeyInfo::from_der(&der).is_ok() || looks_encrypted(&der) {
        return decrypt(path, &der, password);
    }
    PrivateKeyDer::try_from(der).map_err(|e| format!("cannot read the private key in {path}: {e}"))
}

/// `SEQUENCE { SEQUENCE { OID 1.2.840.113549.1.{5,12}… } … }`: an encrypted key whose scheme
/// the pkcs8 crate does not parse (PKCS#12's PBE, PBES1).
fn looks_encrypted(der: &[u8]) -> bool {
    const PKCS5: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05];
    const PKCS12: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C];
    let head = &der[..der.len().min(24)];
    head.windows(8).any(|w| w == PKCS5 || w == PKCS12)
}

fn decrypt(
    path: &str,
    der: &[u8],
    password: Option<&str>,
) -> Result<PrivateKeyDer<'static>, String> {
    let info = match pkcs8::EncryptedPrivateKeyInfo::from_der(der) {
        Ok(info) => info,
        Err(_) if looks_encrypted(der) => return Err(pbes1_error(path)),
        Err(e) => {
            return Err(format!(
                "cannot read the encrypted private key in {path}: {e}"
            ))
        }
    };
    if info.encryption_algorithm.pbes2().is_none() {
        return Err(pbes1_error(path));
    }
    let Some(password) = password else {
        return Err(format!(
            "the private key {path} is encrypted: set sslpassword to its passphrase"
        ));
    };
    let doc = info.decrypt(password).map_err(|e| match e {
        pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::UnsupportedAlgorithm { oid }) => {
            format!(
                "the private key {path} is encrypted with an algorithm flyway-lsp does not read ({oid}): {}",
                reencrypt(path)
            )
        }
        _ => format!("cannot decrypt the private key {path}: the sslpassword is wrong"),
    })?;
    Ok(PrivatePkcs8KeyDer::from(doc.as_bytes().to_vec()).into())
}

/// DER as a PEM block with `label` (`CERTIFICATE`, `PRIVATE KEY`).
pub fn pem(label: &str, der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in der.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                text.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The PEM of a key in the form libpq and OpenSSL read (its own label).
pub fn key_pem(key: &PrivateKeyDer<'_>) -> String {
    match key {
        PrivateKeyDer::Pkcs1(k) => pem("RSA PRIVATE KEY", k.secret_pkcs1_der()),
        PrivateKeyDer::Sec1(k) => pem("EC PRIVATE KEY", k.secret_sec1_der()),
        PrivateKeyDer::Pkcs8(k) => pem("PRIVATE KEY", k.secret_pkcs8_der()),
        _ => String::new(),
    }
}

/// The RSA key as PKCS#1, the only client key form mysql_async's rustls reads; `None` for an
/// EC or Ed25519 key.
pub fn rsa_pkcs1(key: &PrivateKeyDer<'_>) -> Option<PrivatePkcs1KeyDer<'static>> {
    const RSA: pkcs8::ObjectIdentifier =
        pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    match key {
        PrivateKeyDer::Pkcs1(k) => Some(k.clone_key()),
        PrivateKeyDer::Pkcs8(k) => {
            let info = pkcs8::PrivateKeyInfo::from_der(k.secret_pkcs8_der()).ok()?;
            (info.algorithm.oid == RSA).then(|| PrivatePkcs1KeyDer::from(info.private_key.to_vec()))
        }
        _ => None,
    }
}

/// Key material made with the `openssl` program for the tests: a CA, a client certificate it
/// signed, the client's RSA key plain and encrypted every way the drivers store it.
#[cfg(test)]
pub(crate) mod test_material {
    use std::process::Command;

    use rustls::pki_types::pem::PemObject;

    pub struct Material {
        _dir: tempfile::TempDir,
        pub password: String,
        pub ca: String,
        pub cert: String,
        /// Plain PKCS#8 PEM.
        pub key: String,
        pub pbes2_der: String,
        pub pbes2_pem: String,
        /// pgJDBC's older default: `-v1 PBE-MD5-DES`.
        pub pbes1_der: String,
        /// PKCS#12's PBE (`-v1 PBE-SHA1-3DES`).
        pub pkcs12_pbe_der: String,
        /// A PKCS#12 store with the key, the certificate and the CA.
        pub client_p12: String,
        /// A PKCS#12 store with the CA as a trusted entry (as keytool writes it).
        pub trust_p12: String,
        pub ec_key: String,
        pub ec_cert: String,
    }

    fn openssl(dir: &std::path::Path, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl program (apt-get install openssl)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    impl Material {
        pub fn new() -> Material {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            let password = "Key#Pass-7".to_string();
            let pass = format!("pass:{password}");
            for step in [
                "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj /CN=test-CA -days 2",
                "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client.key",
                "req -new -key client.key -subj /CN=app -out client.csr",
                "x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.crt -days 2",
                "pkcs8 -topk8 -v2 aes-256-cbc -in client.key -outform DER -out client.pk8 -passout",
                "pkcs8 -topk8 -v2 aes-256-cbc -in client.key -out client-enc.pem -passout",
                "pkcs8 -topk8 -v1 PBE-MD5-DES -provider legacy -provider default -in client.key -outform DER -out client-v1.pk8 -passout",
                "pkcs8 -topk8 -v1 PBE-SHA1-3DES -in client.key -outform DER -out client-p12pbe.pk8 -passout",
                "pkcs12 -export -inkey client.key -in client.crt -certfile ca.pem -out client.p12 -passout",
                "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.crt -subj /CN=ec -days 2",
            ] {
                let mut args: Vec<&str> = step.split(' ').collect();
                if step.ends_with("-passout") {
                    args.push(&pass);
                }
                openssl(d, &args);
            }
            let ca = std::fs::read(d.join("ca.pem")).unwrap();
            let ca = rustls::pki_types::CertificateDer::pem_slice_iter(&ca)
                .next()
                .unwrap()
                .unwrap();
            let mut store = p12_keystore::KeyStore::new();
            store.add_entry(
                "ca",
                p12_keystore::KeyStoreEntry::Certificate(
                    p12_keystore::Certificate::from_der(&ca).unwrap(),
                ),
            );
            std::fs::write(
                d.join("trust.p12"),
                store.writer(&password).write().unwrap(),
            )
            .unwrap();
            let path = |name: &str| d.join(name).to_string_lossy().into_owned();
            Material {
                password,
                ca: path("ca.pem"),
                cert: path("client.crt"),
                key: path("client.key"),
                pbes2_der: path("client.pk8"),
                pbes2_pem: path("client-enc.pem"),
                pbes1_der: path("client-v1.pk8"),
                pkcs12_pbe_der: path("client-p12pbe.pk8"),
                client_p12: path("client.p12"),
                trust_p12: path("trust.p12"),
                ec_key: path("ec.key"),
                ec_cert: path("ec.crt"),
                _dir: dir,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_material::Material;
    use super::*;

    fn files(cert: Option<&str>, key: Option<&str>, password: Option<&str>) -> TlsFiles {
        TlsFiles {
            client_cert: cert.map(String::from),
            client_key: key.map(String::from),
            key_password: password.map(String::from),
            ..TlsFiles::default()
        }
    }

    #[test]
    fn encrypted_pkcs8_keys_decrypt_to_the_plain_key() {
        let m = Material::new();
        let plain = read_key(&m.key, None).unwrap();
        for path in [&m.pbes2_der, &m.pbes2_pem] {
            let key = read_key(path, Some(&m.password)).unwrap();
            assert_eq!(key.secret_der(), plain.secret_der(), "{path}");
            let err = read_key(path, Some("wrong")).unwrap_err();
            assert!(err.contains("the sslpassword is wrong"), "{err}");
            let err = read_key(path, None).unwrap_err();
            assert!(err.contains("set sslpassword"), "{err}");
        }
        let identity = read_identity(&files(Some(&m.cert), Some(&m.pbes2_der), Some(&m.password)))
            .unwrap()
            .unwrap();
        assert_eq!(identity.chain.len(), 1);
        assert!(rsa_pkcs1(&identity.key).is_some());
    }

    #[test]
    fn pbes1_keys_get_the_openssl_command_that_converts_them() {
        let m = Material::new();
        for path in [&m.pbes1_der, &m.pkcs12_pbe_der] {
            let err = read_key(path, Some(&m.password)).unwrap_err();
            assert!(
                err.contains("PBES1") && err.contains("openssl pkcs8 -topk8 -v2 aes-256-cbc"),
                "{err}"
            );
            assert!(!err.contains(&m.password) && !err.contains('\n'), "{err}");
        }
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join("legacy.key");
        std::fs::write(
            &legacy,
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        )
        .unwrap();
        let err = read_key(legacy.to_str().unwrap(), Some("x")).unwrap_err();
        assert!(
            err.contains("legacy") && err.contains("openssl pkcs8"),
            "{err}"
        );
    }

    #[test]
    fn pkcs12_stores_give_the_identity_and_the_trusted_roots() {
        let m = Material::new();
        let store = TlsFiles {
            client_store: Some(m.client_p12.clone()),
            client_store_password: Some(m.password.clone()),
            ..TlsFiles::default()
        };
        let identity = read_identity(&store).unwrap().unwrap();
        let plain = read_key(&m.key, None).unwrap();
        assert_eq!(identity.key.secret_der(), plain.secret_der());
        assert_eq!(identity.chain.len(), 2, "the certificate and its CA");
        let wrong = TlsFiles {
            client_store_password: Some("wrong".into()),
            ..store
        };
        let err = read_identity(&wrong).err().unwrap();
        assert!(err.contains("password is wrong"), "{err}");
        // pgJDBC's sslkey=….p12 with sslpassword.
        let as_key = read_identity(&files(None, Some(&m.client_p12), Some(&m.password)))
            .unwrap()
            .unwrap();
        assert_eq!(as_key.key.secret_der(), plain.secret_der());
        let roots = read_roots(&m.trust_p12, Some(&m.password)).unwrap();
        assert_eq!(roots, read_roots(&m.ca, None).unwrap());
        // A store of keys only (openssl marks no certificate trusted): how to make one.
        let err = read_roots(&m.client_p12, Some(&m.password)).unwrap_err();
        assert!(
            err.contains("no trusted certificate") && err.contains("keytool"),
            "{err}"
        );
    }

    #[test]
    fn java_key_stores_and_other_files_get_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let jks = dir.path().join("store.jks");
        std::fs::write(&jks, [0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2]).unwrap();
        let jks = jks.to_str().unwrap();
        for err in [
            read_roots(jks, None).unwrap_err(),
            read_identity(&TlsFiles {
                client_store: Some(jks.into()),
                ..TlsFiles::default()
            })
            .err()
            .unwrap(),
        ] {
            assert!(
                err.contains("JKS")
                    && err.contains("keytool -importkeystore")
                    && !err.contains('\n'),
                "{err}"
            );
        }
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "hello").unwrap();
        assert!(read_roots(junk.to_str().unwrap(), None)
            .unwrap_err()
            .contains("neither"));
        let missing = read_roots("/nonexistent/ca.pem", None).unwrap_err();
        assert!(
            missing.contains("cannot read the certificate file /nonexistent/ca.pem"),
            "{missing}"
        );
        assert!(read_identity(&files(Some("/x.crt"), None, None))
            .err()
            .unwrap()
            .contains("without sslkey"));
    }

    #[test]
    fn only_rsa_keys_become_pkcs1_for_mysql() {
        let m = Material::new();
        let ec = read_identity(&files(Some(&m.ec_cert), Some(&m.ec_key), None))
            .unwrap()
            .unwrap();
        assert!(rsa_pkcs1(&ec.key).is_none());
        let rsa = read_key(&m.key, None).unwrap();
        let pkcs1 = rsa_pkcs1(&rsa).unwrap();
        // What `openssl rsa -traditional` writes for the same key.
        let out = std::process::Command::new("openssl")
            .args(["rsa", "-traditional", "-outform", "DER", "-in", &m.key])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(pkcs1.secret_pkcs1_der(), &out.stdout[..]);
        assert!(
            key_pem(&PrivateKeyDer::Pkcs1(pkcs1)).starts_with("-----BEGIN RSA PRIVATE KEY-----\n")
        );
    }

    #[test]
    fn pem_blocks_are_base64_in_lines_of_64() {
        assert_eq!(
            pem("CERTIFICATE", b"Man"),
            "-----BEGIN CERTIFICATE-----\nTWFu\n-----END CERTIFICATE-----\n"
        );
        assert_eq!(pem("X", b"Ma").lines().nth(1), Some("TWE="));
        assert_eq!(pem("X", b"M").lines().nth(1), Some("TQ=="));
        let long = pem("X", &[0u8; 60]);
        assert_eq!(long.lines().nth(1).map(str::len), Some(64));
        assert_eq!(long.lines().nth(2), Some("AAAAAAAAAAAAAAAA"));
    }
}
