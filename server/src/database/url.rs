//! Connection settings read the way Flyway reads them: JDBC URLs (`jdbc:postgresql://…`,
//! `jdbc:mysql://…`, `jdbc:mariadb://…`) and plain `postgres://` / `mysql://` URLs, with `user`
//! and `password` from the configuration winning over credentials in the URL. Passwords never
//! appear in [`Connection::redacted`] or in errors.

use std::collections::BTreeMap;
use std::fmt;

use crate::sql::server::Flavor;

/// Whether and how TLS is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    Disable,
    Prefer,
    Require,
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
    /// Query parameters other than credentials and TLS, as given.
    pub params: BTreeMap<String, String>,
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
        let (host, port) = if let Some(stripped) = hostport.strip_prefix('[') {
            // [::1]:5432
            let (h, after) = stripped.split_once(']').ok_or_else(|| {
                UrlError("bad IPv6 host in the URL: expected [address] or [address]:port".into())
            })?;
            let port = after.strip_prefix(':').map(str::to_string);
            (h.to_string(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p.to_string())),
                None => (hostport.to_string(), None),
            }
        };
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| {
                    UrlError(format!(
                        "bad port in the URL {}: expected host:port with a port from 0 to 65535 (host and port not shown: a password without `@host` would be among them)",
                        scheme_only(trimmed)
                    ))
                })?,
            None => default_port,
        };
        let mut params = BTreeMap::new();
        let mut query_user = None;
        let mut query_password = None;
        let mut tls = match flavor {
            Flavor::Postgres => Tls::Prefer,
            _ => Tls::Disable,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k), percent_decode(v));
            match k.to_ascii_lowercase().as_str() {
                "user" => query_user = Some(v),
                "password" => query_password = Some(v),
                "sslmode" => {
                    tls = match v.to_ascii_lowercase().as_str() {
                        "disable" | "disabled" => Tls::Disable,
                        "allow" | "prefer" | "preferred" => Tls::Prefer,
                        _ => Tls::Require, // require, verify-ca, verify-full
                    }
                }
                "ssl" | "usessl" | "usesslrequired" | "requiressl"
                    if v.eq_ignore_ascii_case("true") =>
                {
                    tls = Tls::Require
                }
                _ => {
                    params.insert(k, v);
                }
            }
        }
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
        })
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
        format!(
            "{scheme}://{user}{}:{}/{}",
            self.host, self.port, self.database
        )
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
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']' | '%')
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
