//! Connection settings read the way Flyway reads them: JDBC URLs (`jdbc:postgresql://…`,
//! `jdbc:mysql://…`, `jdbc:mariadb://…`) and plain `postgres://` / `mysql://` URLs, with `user`
//! and `password` from the configuration winning over credentials in the URL. Passwords never
//! appear in [`Connection::redacted`] or in errors.

use std::collections::BTreeMap;
use std::fmt;

use crate::sql::server::Flavor;

/// Whether and how TLS is asked for, in the terms of pgJDBC's `sslmode` (MySQL Connector/J's
/// and MariaDB Connector/J's `sslMode` values map onto the same five).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Plain connection (`disable`, `DISABLED`).
    Disable,
    /// TLS when the server offers it, plain when it does not; the certificate is not verified
    /// (`allow`, `prefer`, `PREFERRED`) — what pgJDBC and Connector/J do.
    Prefer,
    /// TLS or fail; the certificate is not verified (`require`, `REQUIRED`, MariaDB's `trust`).
    Require,
    /// TLS, the certificate chain verified against the roots; the host name not checked.
    VerifyCa,
    /// TLS, chain and host name verified (`verify-full`, `VERIFY_IDENTITY`).
    VerifyFull,
}

impl Tls {
    /// The mode as pgJDBC spells it, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Tls::Disable => "disable",
            Tls::Prefer => "prefer",
            Tls::Require => "require",
            Tls::VerifyCa => "verify-ca",
            Tls::VerifyFull => "verify-full",
        }
    }
}

/// Which of several hosts a connection must end on (pgJDBC's `targetServerType`, libpq's
/// `target_session_attrs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetServer {
    #[default]
    Any,
    /// A server that accepts writes (`primary`, `master`, `read-write`).
    Primary,
    /// A read-only server (`secondary`, `standby`, `read-only`).
    Secondary,
    /// A primary if one answers, else any.
    PreferPrimary,
    /// A standby if one answers, else any.
    PreferSecondary,
}

/// Files (and the key's passphrase) for TLS. The passphrase is never shown.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct TlsFiles {
    /// Root certificates trusted besides the operating system's (`sslrootcert`,
    /// `trustCertificateKeyStoreUrl`, `serverSslCert`): a PEM or DER file, or PKCS#12.
    pub root_cert: Option<String>,
    /// The client's certificate chain (`sslcert`), PEM or DER.
    pub client_cert: Option<String>,
    /// The client's private key (`sslkey`), PEM or DER (PKCS#8, PKCS#1, SEC1).
    pub client_key: Option<String>,
    /// `sslpassword`: the passphrase of an encrypted `sslkey`.
    pub key_password: Option<String>,
    /// `trustCertificateKeyStorePassword` / `trustStorePassword`: a PKCS#12 root store's.
    pub root_password: Option<String>,
    /// The client's PKCS#12 key store (`clientCertificateKeyStoreUrl`, MariaDB's `keyStore`).
    pub client_store: Option<String>,
    /// `clientCertificateKeyStorePassword` / `keyStorePassword`.
    pub client_store_password: Option<String>,
}

impl TlsFiles {
    /// The passwords these settings hold, to remove from any text shown.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        [
            &self.key_password,
            &self.root_password,
            &self.client_store_password,
        ]
        .into_iter()
        .filter_map(|s| s.as_deref())
        .filter(|s| !s.is_empty())
    }
}

impl fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsFiles")
            .field("root_cert", &self.root_cert)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("key_password", &self.key_password.as_ref().map(|_| "***"))
            .field("root_password", &self.root_password.as_ref().map(|_| "***"))
            .field("client_store", &self.client_store)
            .field(
                "client_store_password",
                &self.client_store_password.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// How to connect beyond host, port and credentials. `Default` is a plain single-host
/// connection with no session settings (the temporary servers').
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectOptions {
    pub tls_files: TlsFiles,
    /// Hosts after the first, tried in order (`jdbc:postgresql://h1:5432,h2:5432/db`).
    pub more_hosts: Vec<(String, u16)>,
    pub target_server: TargetServer,
    /// The URL's connect timeout (pgJDBC `connectTimeout` in seconds, Connector/J's in
    /// milliseconds, libpq's `connect_timeout`); the caller's default otherwise.
    pub connect_timeout: Option<std::time::Duration>,
    /// Flyway's `initSql`, run after connecting.
    pub init_sql: Option<String>,
    /// Flyway's `connectRetries` (default 0) and `connectRetriesInterval` (the cap of the
    /// doubling wait, default 120 s).
    pub retries: u32,
    pub retries_interval: std::time::Duration,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    pub flavor: Flavor,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub tls: Tls,
    /// Query parameters other than credentials and the connection settings read here.
    pub params: BTreeMap<String, String>,
    pub options: ConnectOptions,
}

/// Never prints the password.
impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Connection({})", self.redacted())
    }
}

/// A URL that cannot be used, with a message that never contains the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError(pub String);

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Connection {
    /// Parses a URL; `user` / `password` (Flyway's settings) override the URL's credentials.
    ///
    /// A `/`, `?` or `@` in the password is found when the URL can only be read one way
    /// (`postgres://u:p@ss/w?rd@host/db`); otherwise the URL is refused, and no error shows the
    /// credentials.
    pub fn parse(
        url: &str,
        user: Option<&str>,
        password: Option<&str>,
    ) -> Result<Connection, UrlError> {
        let trimmed = url.trim();
        let without_jdbc = trimmed.strip_prefix("jdbc:").unwrap_or(trimmed);
        let Some((scheme, rest)) = without_jdbc.split_once("://") else {
            return Err(UrlError(
                "not a database URL: expected jdbc:postgresql://host:5432/database, jdbc:mysql://host:3306/database or jdbc:mariadb://… (the value is not shown: it may hold a password)".into(),
            ));
        };
        let flavor = match scheme.to_ascii_lowercase().as_str() {
            "postgresql" | "postgres" | "pgsql" => Flavor::Postgres,
            "mysql" => Flavor::MySql,
            "mariadb" => Flavor::MariaDb,
            other => {
                let shown = if other.len() <= 32
                    && other
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
                {
                    format!("`{other}`")
                } else {
                    "in the URL".to_string()
                };
                return Err(UrlError(format!(
                    "unsupported database {shown} (PostgreSQL, MySQL and MariaDB are supported)"
                )));
            }
        };
        let (credentials, after_credentials) = split_credentials(rest);
        let (location, query) = after_credentials
            .split_once('?')
            .unwrap_or((after_credentials, ""));
        let (hostport, database) = location.split_once('/').unwrap_or((location, ""));
        if hostport.contains('@') || database.contains('@') {
            return Err(UrlError(format!(
                "cannot read the user and password of {}: percent-encode `@`, `/`, `?` and `:` in them (%40, %2F, %3F, %3A)",
                redact_url(trimmed)
            )));
        }
        let (url_user, url_password) = match credentials {
            Some(c) => match c.split_once(':') {
                Some((u, p)) => (Some(percent_decode(u)), Some(percent_decode(p))),
                None => (Some(percent_decode(c)), None),
            },
            None => (None, None),
        };
        let default_port = match flavor {
            Flavor::Postgres => 5432,
            _ => 3306,
        };
        let mut hosts = Vec::new();
        for one in hostport.split(',') {
            hosts.push(host_and_port(one, default_port, trimmed)?);
        }
        let (host, port) = hosts.remove(0);
        let mut params = BTreeMap::new();
        let mut query_user = None;
        let mut query_password = None;
        let mut settings = UrlSettings::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k), percent_decode(v));
            match k.to_ascii_lowercase().as_str() {
                "user" => query_user = Some(v),
                "password" => query_password = Some(v),
                _ => {
                    if !settings.read(flavor, &k, &v)? {
                        params.insert(k, v);
                    }
                }
            }
        }
        let tls = settings.tls(flavor);
        Ok(Connection {
            flavor,
            host: if host.is_empty() {
                "localhost".into()
            } else {
                host
            },
            port,
            database: percent_decode(database),
            user: user.map(str::to_string).or(query_user).or(url_user),
            password: password
                .map(str::to_string)
                .or(query_password)
                .or(url_password),
            tls,
            params,
            options: ConnectOptions {
                tls_files: settings.files,
                more_hosts: hosts,
                target_server: settings.target_server,
                connect_timeout: settings.connect_timeout,
                ..ConnectOptions::default()
            },
        })
    }

    /// Every host, the first included, in the order they are tried.
    pub fn hosts(&self) -> Vec<(String, u16)> {
        let mut all = vec![(self.host.clone(), self.port)];
        all.extend(self.options.more_hosts.iter().cloned());
        all
    }

    /// A description safe to print: no password.
    pub fn redacted(&self) -> String {
        let scheme = match self.flavor {
            Flavor::Postgres => "postgresql",
            Flavor::MySql => "mysql",
            Flavor::MariaDb => "mariadb",
        };
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        let hosts = self
            .hosts()
            .iter()
            .map(|(h, p)| {
                if h.contains(':') {
                    format!("[{h}]:{p}")
                } else {
                    format!("{h}:{p}")
                }
            })
            .collect::<Vec<_>>()
            .join(",");
        format!("{scheme}://{user}{hosts}/{}", self.database)
    }
}

/// `host`, `host:port`, `[::1]:port`, `:port`.
fn host_and_port(hostport: &str, default_port: u16, url: &str) -> Result<(String, u16), UrlError> {
    let (host, port) = if let Some(stripped) = hostport.strip_prefix('[') {
        // [::1]:5432
        let (h, after) = stripped.split_once(']').ok_or_else(|| {
            UrlError("bad IPv6 host in the URL: expected [address] or [address]:port".into())
        })?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    let port = match port {
        Some(p) => p.parse::<u16>().map_err(|_| {
            UrlError(format!(
                "bad port in the URL {}: expected host:port with a port from 0 to 65535 (host and port not shown: a password without `@host` would be among them)",
                scheme_only(url)
            ))
        })?,
        None => default_port,
    };
    Ok((
        if host.is_empty() {
            "localhost".into()
        } else {
            host
        },
        port,
    ))
}

/// The connection settings of a URL's query, read as the flavor's JDBC driver reads them.
#[derive(Default)]
struct UrlSettings {
    /// pgJDBC `sslmode`; Connector/J and MariaDB `sslMode`.
    ssl_mode: Option<Tls>,
    /// pgJDBC `ssl` (`true` or empty: verify-full unless `sslmode` says otherwise).
    ssl: Option<bool>,
    /// Connector/J's legacy `useSSL`, `requireSSL`, `verifyServerCertificate`; MariaDB's
    /// `useSsl`, `trustServerCertificate`, `disableSslHostnameVerification`.
    use_ssl: Option<bool>,
    require_ssl: bool,
    verify_server_certificate: Option<bool>,
    trust_server_certificate: bool,
    no_host_verification: bool,
    files: TlsFiles,
    target_server: TargetServer,
    connect_timeout: Option<std::time::Duration>,
}

fn bool_value(key: &str, value: &str) -> Result<bool, UrlError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(UrlError(format!(
            "`{key}` in the URL must be true or false, not `{}`",
            shown_value(value)
        ))),
    }
}

/// A value short and plain enough to echo (never a secret's: callers only pass settings).
fn shown_value(value: &str) -> String {
    if value.len() <= 40
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        value.to_string()
    } else {
        "…".to_string()
    }
}

/// A file named in a URL: `file:` URLs (Connector/J's key stores) as paths.
fn file_value(value: &str) -> String {
    let value = value.strip_prefix("file://").unwrap_or(value);
    value.strip_prefix("file:").unwrap_or(value).to_string()
}

impl UrlSettings {
    /// Reads one query parameter; `false` when it is not a connection setting.
    fn read(&mut self, flavor: Flavor, key: &str, value: &str) -> Result<bool, UrlError> {
        let lower = key.to_ascii_lowercase();
        let postgres = flavor == Flavor::Postgres;
        match lower.as_str() {
            "sslmode" | "ssl-mode" => {
                let mode = match value.to_ascii_lowercase().replace('_', "-").as_str() {
                    "disable" | "disabled" => Tls::Disable,
                    // libpq's and pgJDBC's `allow` tries plain first; TLS first is what the
                    // server that offers it gets here (documented).
                    "allow" | "prefer" | "preferred" => Tls::Prefer,
                    "require" | "required" | "trust" => Tls::Require,
                    "verify-ca" => Tls::VerifyCa,
                    "verify-full" | "verify-identity" => Tls::VerifyFull,
                    _ => {
                        return Err(UrlError(format!(
                            "`{key}={}` in the URL is not a TLS mode: use {}",
                            shown_value(value),
                            if postgres {
                                "disable, allow, prefer, require, verify-ca or verify-full"
                            } else if flavor == Flavor::MariaDb {
                                "disable, trust, verify-ca or verify-full"
                            } else {
                                "DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY"
                            }
                        )))
                    }
                };
                self.ssl_mode = Some(mode);
            }
            "ssl" if postgres => self.ssl = Some(bool_value(key, value)?),
            "usessl" | "ssl" => self.use_ssl = Some(bool_value(key, value)?),
            "requiressl" => self.require_ssl = bool_value(key, value)?,
            "verifyservercertificate" => {
                self.verify_server_certificate = Some(bool_value(key, value)?)
            }
            "trustservercertificate" => self.trust_server_certificate = bool_value(key, value)?,
            "disablesslhostnameverification" => {
                self.no_host_verification = bool_value(key, value)?
            }
            "sslrootcert" | "trustcertificatekeystoreurl" | "serversslcert" | "sslca" | "truststore" => {
                // libpq's `sslrootcert=system`: the operating system's roots, which are always
                // trusted here.
                if !value.eq_ignore_ascii_case("system") && !value.is_empty() {
                    self.files.root_cert = Some(file_value(value));
                }
            }
            "sslcert" => self.files.client_cert = Some(file_value(value)),
            "sslkey" => self.files.client_key = Some(file_value(value)),
            "sslpassword" => self.files.key_password = Some(value.to_string()),
            "trustcertificatekeystorepassword" | "truststorepassword" => {
                self.files.root_password = Some(value.to_string())
            }
            "clientcertificatekeystoreurl" | "keystore" => {
                self.files.client_store = Some(file_value(value))
            }
            "clientcertificatekeystorepassword" | "keystorepassword" => {
                self.files.client_store_password = Some(value.to_string())
            }
            "targetservertype" | "target_session_attrs" => {
                self.target_server = match value.to_ascii_lowercase().as_str() {
                    "any" => TargetServer::Any,
                    "primary" | "master" | "read-write" => TargetServer::Primary,
                    "secondary" | "slave" | "standby" | "read-only" => TargetServer::Secondary,
                    "preferprimary" | "prefer-primary" => TargetServer::PreferPrimary,
                    "prefersecondary" | "preferslave" | "prefer-standby" | "preferstandby" => {
                        TargetServer::PreferSecondary
                    }
                    _ => {
                        return Err(UrlError(format!(
                            "`{key}={}` in the URL is not a server type: use any, primary, secondary, preferPrimary or preferSecondary",
                            shown_value(value)
                        )))
                    }
                }
            }
            "connecttimeout" | "connect_timeout" | "logintimeout" => {
                let number: u64 = value.trim().parse().map_err(|_| {
                    UrlError(format!(
                        "`{key}` in the URL must be a whole number, not `{}`",
                        shown_value(value)
                    ))
                })?;
                // pgJDBC and libpq count seconds, the MySQL and MariaDB drivers milliseconds;
                // 0 means "no limit" to all of them: the caller's default stays.
                let timeout = if postgres {
                    std::time::Duration::from_secs(number)
                } else {
                    std::time::Duration::from_millis(number)
                };
                self.connect_timeout = (number > 0).then_some(timeout);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The TLS mode the driver would use: an explicit mode wins over legacy flags.
    fn tls(&self, flavor: Flavor) -> Tls {
        if let Some(mode) = self.ssl_mode {
            return mode;
        }
        match flavor {
            // pgJDBC: `ssl=true` (or `ssl` alone) without `sslmode` is verify-full.
            Flavor::Postgres => match self.ssl {
                Some(true) => Tls::VerifyFull,
                _ => Tls::Prefer,
            },
            // Connector/J 8: useSSL=false → DISABLED; requireSSL → REQUIRED;
            // verifyServerCertificate → VERIFY_CA; otherwise PREFERRED (its default).
            Flavor::MySql => match self.use_ssl {
                Some(false) => Tls::Disable,
                _ if self.verify_server_certificate == Some(true) => Tls::VerifyCa,
                _ if self.require_ssl => Tls::Require,
                _ => Tls::Prefer,
            },
            // MariaDB Connector/J: disable unless useSsl; then trustServerCertificate →
            // trust, disableSslHostnameVerification → verify-ca, else verify-full.
            _ => match self.use_ssl {
                Some(true) if self.trust_server_certificate => Tls::Require,
                Some(true) if self.no_host_verification => Tls::VerifyCa,
                Some(true) => Tls::VerifyFull,
                _ => Tls::Disable,
            },
        }
    }
}

/// Whether a query or property key names a secret (`password`, `password1`, `sslpassword`,
/// `pwd`, `secret`, `token`, …).
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "pwd", "secret", "token"]
        .iter()
        .any(|word| key.contains(word))
}

/// The `user[:password]@` part of what follows `scheme://`, and the rest. The separator is the
/// last `@` that is followed by a plain host (and port) and preceded by a plain user name, so a
/// password may hold `@`, `/`, `?` and `:` as long as the URL reads only one way.
fn split_credentials(rest: &str) -> (Option<&str>, &str) {
    for (at, _) in rest.rmatch_indices('@') {
        let after = &rest[at + 1..];
        let host_end = after.find(['/', '?']).unwrap_or(after.len());
        let host_like = after[..host_end].chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']' | '%' | ',')
        });
        let before = &rest[..at];
        let user = before.split(':').next().unwrap_or_default();
        let user_like = !user.contains(['/', '?', '&', '=', '#', ';', '@']);
        if host_like && user_like {
            return (Some(before), after);
        }
    }
    (None, rest)
}

/// `jdbc:postgresql://…`: the scheme alone, when it is a plain one.
fn scheme_only(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, _))
            if scheme.len() <= 40
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.')) =>
        {
            format!("{scheme}://…")
        }
        _ => "…".to_string(),
    }
}

/// A URL made safe to show, erring on the side of hiding: everything before the last `@`
/// (except a plain user name) and everything from the first secret-named parameter on.
pub fn redact_url(url: &str) -> String {
    let (prefix, body) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let mut body = match body.rfind('@') {
        Some(at) => {
            let before = &body[..at];
            let user = before.split(':').next().unwrap_or_default();
            let plain_user = !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            let rest = &body[at + 1..];
            match (plain_user, before.contains(':')) {
                (true, true) => format!("{user}:***@{rest}"),
                (true, false) => format!("{user}@{rest}"),
                _ => format!("***@{rest}"),
            }
        }
        None => body.to_string(),
    };
    let mut key_start = 0;
    let mut cut = None;
    for (i, c) in body.char_indices() {
        match c {
            '?' | '&' | ';' | '/' | ' ' | ',' => key_start = i + 1,
            '=' | ':' if is_secret_key(&body[key_start..i]) => {
                cut = Some(i + 1);
                break;
            }
            '=' => key_start = i + 1,
            _ => {}
        }
    }
    if let Some(cut) = cut {
        body.truncate(cut);
        body.push_str("***");
    }
    format!("{prefix}{body}")
}

/// Removes passwords from free text that may hold URLs (a driver's or a tool's message): every
/// space-separated word that looks like a URL or holds `password=` is passed through
/// [`redact_url`].
pub fn redact_text(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let secretish = is_secret_key(word) && (word.contains('=') || word.contains(':'));
            if word.contains("://") || word.contains('@') || secretish {
                redact_url(word)
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdbc_and_plain_urls() {
        let c = Connection::parse(
            "jdbc:postgresql://db.example:6543/app?sslmode=require&currentSchema=s",
            Some("flyway"),
            Some("s3cret"),
        )
        .unwrap();
        assert_eq!(
            (c.flavor, c.host.as_str(), c.port, c.database.as_str()),
            (Flavor::Postgres, "db.example", 6543, "app")
        );
        assert_eq!(c.tls, Tls::Require);
        assert_eq!(c.params["currentSchema"], "s");
        assert_eq!(c.user.as_deref(), Some("flyway"));
        assert!(!c.redacted().contains("s3cret") && !format!("{c:?}").contains("s3cret"));

        let c = Connection::parse("mysql://root:p%40ss@127.0.0.1/test", None, None).unwrap();
        assert_eq!((c.flavor, c.port), (Flavor::MySql, 3306));
        assert_eq!(c.password.as_deref(), Some("p@ss"));
        assert_eq!(c.redacted(), "mysql://root@127.0.0.1:3306/test");
        let c = Connection::parse("jdbc:mysql://h/d?sslMode=DISABLED", None, None).unwrap();
        assert_eq!(c.tls, Tls::Disable);
        let c = Connection::parse("jdbc:mysql://h/d?sslMode=REQUIRED&x=%E2%9C%93%", None, None)
            .unwrap();
        assert_eq!((c.tls, c.params["x"].as_str()), (Tls::Require, "✓%"));

        let c = Connection::parse("jdbc:mariadb://[::1]:3307/x?user=u&password=pw", None, None)
            .unwrap();
        assert_eq!(
            (c.flavor, c.host.as_str(), c.port),
            (Flavor::MariaDb, "::1", 3307)
        );
        assert_eq!(
            (c.user.as_deref(), c.password.as_deref()),
            (Some("u"), Some("pw"))
        );
        // Flyway's settings win over the URL's.
        let c = Connection::parse("postgres://a:b@h/d", Some("flyway_user"), None).unwrap();
        assert_eq!(
            (c.user.as_deref(), c.password.as_deref()),
            (Some("flyway_user"), Some("b"))
        );
    }

    #[test]
    fn tls_modes_are_read_as_each_driver_reads_them() {
        let mode = |url: &str| Connection::parse(url, None, None).unwrap().tls;
        // pgJDBC: prefer by default; `ssl=true` alone is verify-full; sslmode wins.
        assert_eq!(mode("jdbc:postgresql://h/d"), Tls::Prefer);
        assert_eq!(mode("jdbc:postgresql://h/d?ssl=true"), Tls::VerifyFull);
        assert_eq!(mode("jdbc:postgresql://h/d?ssl"), Tls::VerifyFull);
        assert_eq!(mode("jdbc:postgresql://h/d?ssl=false"), Tls::Prefer);
        assert_eq!(
            mode("jdbc:postgresql://h/d?sslmode=require&ssl=true"),
            Tls::Require
        );
        assert_eq!(
            mode("jdbc:postgresql://h/d?ssl=true&sslmode=verify-ca"),
            Tls::VerifyCa
        );
        assert_eq!(mode("postgres://h/d?sslmode=allow"), Tls::Prefer);
        assert_eq!(mode("postgres://h/d?sslmode=disable"), Tls::Disable);
        // Connector/J: PREFERRED by default, legacy flags, sslMode wins.
        assert_eq!(mode("jdbc:mysql://h/d"), Tls::Prefer);
        assert_eq!(mode("jdbc:mysql://h/d?useSSL=false"), Tls::Disable);
        assert_eq!(
            mode("jdbc:mysql://h/d?useSSL=true&requireSSL=true"),
            Tls::Require
        );
        assert_eq!(
            mode("jdbc:mysql://h/d?useSSL=true&verifyServerCertificate=true"),
            Tls::VerifyCa
        );
        assert_eq!(
            mode("jdbc:mysql://h/d?sslMode=VERIFY_IDENTITY"),
            Tls::VerifyFull
        );
        assert_eq!(
            mode("jdbc:mysql://h/d?sslMode=VERIFY_CA&useSSL=false"),
            Tls::VerifyCa
        );
        // MariaDB Connector/J: disable by default; useSsl alone verifies everything.
        assert_eq!(mode("jdbc:mariadb://h/d"), Tls::Disable);
        assert_eq!(mode("jdbc:mariadb://h/d?sslMode=trust"), Tls::Require);
        assert_eq!(mode("jdbc:mariadb://h/d?useSsl=true"), Tls::VerifyFull);
        assert_eq!(
            mode("jdbc:mariadb://h/d?useSsl=true&trustServerCertificate=true"),
            Tls::Require
        );
        assert_eq!(
            mode("jdbc:mariadb://h/d?useSsl&disableSslHostnameVerification=true"),
            Tls::VerifyCa
        );
        let err =
            Connection::parse("jdbc:postgresql://h/d?sslmode=sometimes", None, None).unwrap_err();
        assert!(err.0.contains("verify-full"), "{}", err.0);
        let err = Connection::parse("jdbc:mysql://h/d?sslMode=maybe", None, None).unwrap_err();
        assert!(err.0.contains("VERIFY_IDENTITY"), "{}", err.0);
    }

    #[test]
    fn files_hosts_and_timeouts() {
        let c = Connection::parse(
            "jdbc:postgresql://u:pw@h1:5433,h2,[::1]:6000/app?targetServerType=primary&sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.crt&sslkey=/c.key&sslpassword=KeyPass9&connectTimeout=3",
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            c.hosts(),
            vec![
                ("h1".to_string(), 5433),
                ("h2".to_string(), 5432),
                ("::1".to_string(), 6000)
            ]
        );
        assert_eq!(c.options.target_server, TargetServer::Primary);
        assert_eq!(c.options.tls_files.root_cert.as_deref(), Some("/ca.pem"));
        assert_eq!(
            c.options.tls_files.key_password.as_deref(),
            Some("KeyPass9")
        );
        assert_eq!(
            c.options.connect_timeout,
            Some(std::time::Duration::from_secs(3))
        );
        assert!(c.params.is_empty(), "{:?}", c.params);
        assert_eq!(
            c.redacted(),
            "postgresql://u@h1:5433,h2:5432,[::1]:6000/app"
        );
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("KeyPass9") && !shown.contains("pw@"),
            "{shown}"
        );
        assert_eq!(
            redact_url("jdbc:postgresql://h/d?sslmode=require&sslpassword=KeyPass9"),
            "jdbc:postgresql://h/d?sslmode=require&sslpassword=***"
        );
        // Connector/J's key store URL and milliseconds; libpq's system roots.
        let c = Connection::parse(
            "jdbc:mysql://h/d?trustCertificateKeyStoreUrl=file:/etc/ca.pem&connectTimeout=2500",
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            c.options.tls_files.root_cert.as_deref(),
            Some("/etc/ca.pem")
        );
        assert_eq!(
            c.options.connect_timeout,
            Some(std::time::Duration::from_millis(2500))
        );
        let c = Connection::parse(
            "postgres://h/d?sslrootcert=system&sslmode=verify-full",
            None,
            None,
        )
        .unwrap();
        assert_eq!(c.options.tls_files.root_cert, None);
        assert!(
            Connection::parse("jdbc:postgresql://h/d?targetServerType=best", None, None).is_err()
        );
        assert!(
            Connection::parse("jdbc:postgresql://h/d?connectTimeout=soon", None, None).is_err()
        );
    }

    #[test]
    fn key_store_settings_are_read_and_their_passwords_hidden() {
        let url = "jdbc:mysql://h/d?trustCertificateKeyStoreUrl=file:/t.p12&trustCertificateKeyStorePassword=Trust9&clientCertificateKeyStoreUrl=file:///c.p12&clientCertificateKeyStorePassword=Client9";
        let files = Connection::parse(url, None, None)
            .unwrap()
            .options
            .tls_files;
        assert_eq!(files.root_cert.as_deref(), Some("/t.p12"));
        assert_eq!(files.client_store.as_deref(), Some("/c.p12"));
        assert_eq!(files.secrets().collect::<Vec<_>>(), ["Trust9", "Client9"]);
        let shown = format!("{files:?} {}", redact_url(url));
        assert!(
            !shown.contains("Trust9") && !shown.contains("Client9"),
            "{shown}"
        );
        let maria = "jdbc:mariadb://h/d?keyStore=/k.p12&keyStorePassword=Key9&trustStore=/r.p12&trustStorePassword=Root9";
        let files = Connection::parse(maria, None, None)
            .unwrap()
            .options
            .tls_files;
        assert_eq!(files.client_store.as_deref(), Some("/k.p12"));
        assert_eq!(files.root_cert.as_deref(), Some("/r.p12"));
        assert_eq!(files.secrets().collect::<Vec<_>>(), ["Root9", "Key9"]);
    }

    #[test]
    fn errors_never_show_passwords() {
        let err = Connection::parse("jdbc:oracle://u:topsecret@h/d", None, None).unwrap_err();
        assert!(
            err.0.contains("oracle") && !err.0.contains("topsecret"),
            "{}",
            err.0
        );
        let err = Connection::parse("postgres://u:topsecret@h:notaport/d", None, None).unwrap_err();
        assert!(!err.0.contains("topsecret"), "{}", err.0);
        // Everything from the first secret on is hidden: a value with `&` in it, repeated
        // passwords and MySQL's password1..3 included.
        assert_eq!(
            redact_text("x?user=a&password=hunter2&ssl=true"),
            "x?user=a&password=***"
        );
        assert_eq!(redact_text("postgres://a:b@h/d"), "postgres://a:***@h/d");
        assert_eq!(
            redact_text("cannot connect to postgresql://app@h:5432/d (host h)"),
            "cannot connect to postgresql://app@h:5432/d (host h)"
        );
    }

    /// Every way a password can sit in a URL that cannot be read: none reaches the message.
    #[test]
    fn unparsable_urls_never_show_the_password() {
        let secret = "Hunter2x";
        for url in [
            format!("jdbc:postgresql://u:{secret}/x@host/db"),
            format!("jdbc:postgresql://u:{secret}?x@host/db"),
            format!("jdbc:postgresql://u/{secret}@host/db"),
            format!("u/{secret}@host:1521/orcl"),
            format!("jdbc:oracle:thin:u/{secret}@host:1521:orcl"),
            format!("jdbc:oracle://u:{secret}@h/d"),
            secret.to_string(),
            format!("host/db?password={secret}"),
            format!("postgres://u:{secret}@h:notaport/d"),
            format!("postgres://u:{secret}/d"),
            format!("postgres://u:{secret}@[::1/d"),
            format!("postgres://u:{secret}@h:99999/d"),
            format!("mysql://h/d?password=a&password={secret}"),
            format!("jdbc:{secret}://h/d"),
            format!("jdbc:mysql//u:{secret}@h/d"),
        ] {
            match Connection::parse(&url, None, None) {
                Err(e) => {
                    assert!(!e.0.contains(secret), "{url} -> {}", e.0);
                    assert!(!e.0.contains('\n'), "{}", e.0);
                }
                Ok(c) => {
                    let shown = format!("{} {c:?} {} {}", c.redacted(), c.host, c.database);
                    assert!(!shown.contains(secret), "{url} -> {shown}");
                }
            }
            // Free text can hide only what is marked as a secret (`@`, `password=`).
            if url.contains('@') || url.contains("password=") {
                assert!(!redact_text(&url).contains(secret), "{url}");
                assert!(!redact_url(&url).contains(secret), "{url}");
            }
        }
        assert_eq!(
            redact_url("mysql://h/d?password=a&password=b&password1=c"),
            "mysql://h/d?password=***"
        );
        assert_eq!(
            redact_url("mysql://h/d?user=x&password1=c"),
            "mysql://h/d?user=x&password1=***"
        );
    }

    #[test]
    fn passwords_with_reserved_characters_are_read_when_unambiguous() {
        for (url, password) in [
            ("postgres://u:p@ss@h/d", "p@ss"),
            ("postgres://u:pa/ss@h:5433/d", "pa/ss"),
            ("postgres://u:pa?ss@h/d?currentSchema=s", "pa?ss"),
            ("postgres://u:a:b@h/d", "a:b"),
            ("postgres://u:a%2Fb@h/d", "a/b"),
        ] {
            let c = Connection::parse(url, None, None).unwrap();
            assert_eq!(c.password.as_deref(), Some(password), "{url}");
            assert_eq!(
                (c.user.as_deref(), c.host.as_str()),
                (Some("u"), "h"),
                "{url}"
            );
            assert_eq!(c.database, "d", "{url}");
        }
        // An `@` in a query value is not a credentials separator.
        let c = Connection::parse("postgres://h/d?user=me@example.com", None, None).unwrap();
        assert_eq!(
            (c.host.as_str(), c.user.as_deref()),
            ("h", Some("me@example.com"))
        );
    }
}
