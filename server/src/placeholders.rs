//! Flyway's placeholder replacement, as its `PlaceholderReplacingReader` does it: the text is
//! read ahead by at most the prefix's length; when those characters are not the prefix they
//! are passed on as they are, none of them re-examined as the start of a placeholder (so with
//! the default prefix `${`, `$${x}` stays `$${x}`). After a prefix, everything up to the first
//! suffix is the placeholder's name. A name with no value fails the script: "No value provided
//! for placeholder: ${nope}.  Check your configuration!", or "Failed to populate value for
//! default placeholder: ${flyway:…}" for a name containing `flyway:`.
//!
//! Values: the configured `placeholders` (their names compared without case, as Flyway
//! documents), then the built-ins of `ParsingContext` over them, named `flyway`, the
//! `placeholderSeparator` and one of `defaultSchema`, `schemas`, `user`, `database`,
//! `timestamp`, `workingDirectory`, `table`, `environment`, `filename`.

use std::collections::BTreeMap;
use std::fmt;

use crate::config::FlywaySettings;

/// Values of Flyway's built-in `${flyway:…}` placeholders. `None`: not known (offline, or the
/// database did not say), so a script using it cannot be replaced.
#[derive(Debug, Clone, Default)]
pub struct BuiltIns {
    pub default_schema: Option<String>,
    pub schemas: Vec<String>,
    pub user: Option<String>,
    pub database: Option<String>,
    pub table: String,
    pub environment: String,
    /// `yyyy-MM-dd HH:mm:ss`, local time, when the scripts are read.
    pub timestamp: String,
    pub working_directory: String,
}

impl BuiltIns {
    /// The built-ins known without a database: `defaultSchema` (configured, else the first of
    /// `schemas`), `schemas`, `table`, `environment`, `timestamp`, `workingDirectory`; `user`
    /// and `database` are the server's and stay unknown.
    pub fn offline(settings: &FlywaySettings, table: &str, environment: &str) -> BuiltIns {
        BuiltIns {
            default_schema: settings
                .default_schema
                .clone()
                .or_else(|| settings.schemas.first().cloned()),
            schemas: settings.schemas.clone(),
            user: None,
            database: None,
            table: table.to_string(),
            environment: environment.to_string(),
            timestamp: timestamp_now(),
            working_directory: working_directory(settings),
        }
    }
}

/// The `workingDirectory` setting, else the process's current directory (Java's `user.dir`).
pub fn working_directory(settings: &FlywaySettings) -> String {
    settings.working_directory.clone().unwrap_or_else(|| {
        std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default()
    })
}

/// A placeholder without a value: the script cannot be read as Flyway reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceholderError {
    /// The placeholder as written (prefix, name, suffix).
    NoValue(String),
    /// A built-in (`flyway:` in its name) with no value.
    BuiltInMissing(String),
}

impl fmt::Display for PlaceholderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaceholderError::NoValue(p) => write!(
                f,
                "No value provided for placeholder: {p}.  Check your configuration!"
            ),
            PlaceholderError::BuiltInMissing(p) => {
                write!(f, "Failed to populate value for default placeholder: {p}")
            }
        }
    }
}

/// Replaces the placeholders of `text` as Flyway does for the script `file_name`.
pub fn replace_placeholders(
    text: &str,
    settings: &FlywaySettings,
    builtins: &BuiltIns,
    file_name: &str,
) -> Result<String, PlaceholderError> {
    let prefix: Vec<char> = settings.placeholder_prefix.chars().collect();
    let suffix: Vec<char> = settings.placeholder_suffix.chars().collect();
    let chars: Vec<char> = text.chars().collect();
    let builtin = builtin_values(settings, builtins, file_name);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // Read ahead while what was read is a beginning of the prefix.
        let mut len = 0;
        loop {
            if i + len == chars.len() {
                break;
            }
            len += 1;
            if !(len < prefix.len() && chars[i..i + len] == prefix[..len]) {
                break;
            }
        }
        if chars[i..i + len] != prefix[..] {
            out.extend(&chars[i..i + len]);
            i += len;
            continue;
        }
        i += len;
        let start = i;
        let mut closed = false;
        while i < chars.len() {
            i += 1;
            if chars[start..i].ends_with(&suffix) {
                closed = true;
                break;
            }
        }
        let end = if closed {
            i - suffix.len()
        } else {
            start.max(i.saturating_sub(suffix.len()))
        };
        let name: String = chars[start..end].iter().collect();
        let value = builtin.get(&name).cloned().or_else(|| {
            settings.placeholders.get(&name).cloned().or_else(|| {
                settings
                    .placeholders
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&name))
                    .map(|(_, v)| v.clone())
            })
        });
        match value {
            Some(v) => out.push_str(&v),
            None => {
                let written = format!(
                    "{}{name}{}",
                    settings.placeholder_prefix, settings.placeholder_suffix
                );
                return Err(if name.contains("flyway:") {
                    PlaceholderError::BuiltInMissing(written)
                } else {
                    PlaceholderError::NoValue(written)
                });
            }
        }
    }
    Ok(out)
}

fn builtin_values(
    settings: &FlywaySettings,
    b: &BuiltIns,
    file_name: &str,
) -> BTreeMap<String, String> {
    let name = |n: &str| format!("flyway{}{n}", settings.placeholder_separator);
    let mut values = BTreeMap::new();
    if let Some(s) = &b.default_schema {
        values.insert(name("defaultSchema"), s.clone());
    }
    values.insert(name("schemas"), b.schemas.join(","));
    if let Some(d) = &b.database {
        values.insert(name("database"), d.clone());
    }
    if let Some(u) = &b.user {
        values.insert(name("user"), u.clone());
    }
    values.insert(name("timestamp"), b.timestamp.clone());
    values.insert(name("workingDirectory"), b.working_directory.clone());
    values.insert(name("table"), b.table.clone());
    values.insert(name("environment"), b.environment.clone());
    values.insert(name("filename"), file_name.to_string());
    values
}

/// Now as `yyyy-MM-dd HH:mm:ss` in local time (Flyway's `${flyway:timestamp}`).
pub fn timestamp_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    format_local(secs)
}

#[cfg(unix)]
fn format_local(secs: i64) -> String {
    let t = secs as libc::time_t;
    // SAFETY: localtime_r writes only into the zeroed `tm` it is given.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return format_utc(secs);
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

#[cfg(not(unix))]
fn format_local(secs: i64) -> String {
    format_utc(secs)
}

/// UTC civil time from Unix seconds.
fn format_utc(secs: i64) -> String {
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_date(secs.div_euclid(86_400));
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's civil-from-days).
pub(crate) fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(values: &[(&str, &str)]) -> FlywaySettings {
        FlywaySettings {
            placeholders: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..FlywaySettings::default()
        }
    }

    fn builtins() -> BuiltIns {
        BuiltIns {
            default_schema: Some("public".into()),
            schemas: vec!["public".into(), "audit".into()],
            user: Some("app".into()),
            database: Some("shop".into()),
            table: "flyway_schema_history".into(),
            environment: "default".into(),
            timestamp: "2026-01-02 03:04:05".into(),
            working_directory: "/srv/app".into(),
        }
    }

    #[test]
    fn placeholders_are_replaced_as_placeholder_replacing_reader_does() {
        let s = settings(&[("owner", "app_owner"), ("empty", "")]);
        let b = builtins();
        let r = |t: &str| replace_placeholders(t, &s, &b, "R__g.sql");
        assert_eq!(r("GRANT x TO ${owner};").unwrap(), "GRANT x TO app_owner;");
        // Names compare without case (Flyway's documentation).
        assert_eq!(r("${OWNER}").unwrap(), "app_owner");
        assert_eq!(r("a${empty}b").unwrap(), "ab");
        // PlaceholderReplacingReader: the second `$` was read ahead and is passed on, so the
        // `{` after it is never a prefix: `$${x}` is not replaced (and needs no value).
        assert_eq!(r("$${owner} $${nope}").unwrap(), "$${owner} $${nope}");
        // Three dollars: the first two pass, the third starts a placeholder.
        assert_eq!(r("$$${owner}").unwrap(), "$$app_owner");
        assert_eq!(r("$1 $ {x} $$ body $$").unwrap(), "$1 $ {x} $$ body $$");
    }

    #[test]
    fn parsing_context_builtins_exist() {
        let s = settings(&[]);
        let b = builtins();
        let text = "${flyway:defaultSchema}|${flyway:schemas}|${flyway:user}|${flyway:database}|${flyway:timestamp}|${flyway:workingDirectory}|${flyway:table}|${flyway:environment}|${flyway:filename}";
        assert_eq!(
            replace_placeholders(text, &s, &b, "V1__x.sql").unwrap(),
            "public|public,audit|app|shop|2026-01-02 03:04:05|/srv/app|flyway_schema_history|default|V1__x.sql"
        );
    }

    #[test]
    fn unknown_names_fail_with_flyways_messages() {
        let s = settings(&[]);
        let b = BuiltIns::default();
        let err = replace_placeholders("select ${nope};", &s, &b, "f").unwrap_err();
        assert_eq!(
            err.to_string(),
            "No value provided for placeholder: ${nope}.  Check your configuration!"
        );
        // A built-in the database did not give.
        let err = replace_placeholders("${flyway:user}", &s, &b, "f").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Failed to populate value for default placeholder: ${flyway:user}"
        );
        // Unterminated: the rest of the script is the name.
        let err = replace_placeholders("x ${abc", &s, &b, "f").unwrap_err();
        assert_eq!(err, PlaceholderError::NoValue("${ab}".into()));
    }

    #[test]
    fn custom_prefix_suffix_and_separator() {
        let mut s = settings(&[("owner", "app_owner")]);
        s.placeholder_prefix = "#[".into();
        s.placeholder_suffix = "]]".into();
        s.placeholder_separator = "_".into();
        let b = builtins();
        assert_eq!(
            replace_placeholders(
                "GRANT x TO #[owner]] ${owner} #[flyway_table]];",
                &s,
                &b,
                "f"
            )
            .unwrap(),
            "GRANT x TO app_owner ${owner} flyway_schema_history;"
        );
        let err = replace_placeholders("#[flyway:table]]", &s, &b, "f").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Failed to populate value for default placeholder: #[flyway:table]]"
        );
    }

    #[test]
    fn timestamps_are_flyways_format() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(1_709_210_096), "2024-02-29 12:34:56");
        let now = timestamp_now();
        assert_eq!(now.len(), 19, "{now}");
        assert_eq!(&now[4..5], "-");
        assert_eq!(&now[10..11], " ");
    }
}
