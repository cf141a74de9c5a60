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
    pub fn parse(
        url: &str,
        user: Option<&str>,
        password: Option<&str>,
    ) -> Result<Connection, UrlError> {
        let trimmed = url.trim();
        let without_jdbc = trimmed.strip_prefix("jdbc:").unwrap_or(trimmed);
        let (scheme, rest) = without_jdbc
            .split_once("://")
            .ok_or_else(|| UrlError(format!("not a database URL: {}", redact_text(trimmed))))?;
        let flavor = match scheme.to_ascii_lowercase().as_str() {
            "postgresql" | "postgres" | "pgsql" => Flavor::Postgres,
            "mysql" => Flavor::MySql,
            "mariadb" => Flavor::MariaDb,
            other => {
                return Err(UrlError(format!(
                    "unsupported database `{other}` in {} (PostgreSQL, MySQL and MariaDB are supported)",
                    redact_text(trimmed)
                )))
            }
        };
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, database) = location.split_once('/').unwrap_or((location, ""));
        let (credentials, hostport) = match authority.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, authority),
        };
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
            let (h, after) = stripped
                .split_once(']')
                .ok_or_else(|| UrlError(format!("bad IPv6 host in {}", redact_text(trimmed))))?;
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
                .map_err(|_| UrlError(format!("bad port `{p}` in {}", redact_text(trimmed))))?,
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

/// Removes passwords from URL-like text (`user:secret@`, `password=secret`).
pub fn redact_text(text: &str) -> String {
    let mut out = text.to_string();
    if let Some(scheme_end) = out.find("://") {
        let after = scheme_end + 3;
        let authority_end = out[after..]
            .find(['/', '?'])
            .map_or(out.len(), |i| after + i);
        if let Some(at) = out[after..authority_end].rfind('@') {
            let credentials = &out[after..after + at];
            if let Some(colon) = credentials.find(':') {
                out.replace_range(after + colon + 1..after + at, "***");
            }
        }
    }
    let lower = out.to_ascii_lowercase();
    if let Some(i) = lower.find("password=") {
        let start = i + "password=".len();
        let end = out[start..].find('&').map_or(out.len(), |j| start + j);
        out.replace_range(start..end, "***");
    }
    out
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
        assert_eq!(
            redact_text("x?user=a&password=hunter2&ssl=true"),
            "x?user=a&password=***&ssl=true"
        );
        assert_eq!(redact_text("postgres://a:b@h/d"), "postgres://a:***@h/d");
    }
}
