//! Reading `flyway.toml` and the legacy `flyway.conf` into [`Layers`].

use std::path::{Path, PathBuf};

use super::layers::{Interpolation, Layers, Source};
use super::ConfigError;

/// A parsed configuration file, before it is applied to the layers.
#[derive(Debug, Clone)]
pub enum ConfigFile {
    Toml {
        path: PathBuf,
        table: toml::Table,
    },
    Conf {
        path: PathBuf,
        entries: Vec<(String, String)>,
    },
}

impl ConfigFile {
    pub fn path(&self) -> &Path {
        match self {
            ConfigFile::Toml { path, .. } | ConfigFile::Conf { path, .. } => path,
        }
    }

    /// Reads and parses a file; the format follows its extension (`.toml`, else properties).
    pub fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = read_regular_file(path)?;
        if path.extension().is_some_and(|ext| ext == "toml") {
            let table: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| toml_error(path, &text, &e))?;
            Ok(ConfigFile::Toml {
                path: path.to_path_buf(),
                table,
            })
        } else {
            Ok(ConfigFile::Conf {
                path: path.to_path_buf(),
                entries: parse_properties(&text),
            })
        }
    }

    /// The `environment` this file selects, if any (`[flyway] environment = "…"`).
    pub fn selected_environment(&self) -> Option<String> {
        match self {
            ConfigFile::Toml { table, .. } => table
                .get("flyway")
                .and_then(|f| f.get("environment"))
                .and_then(|v| v.as_str())
                .map(str::to_string),
            ConfigFile::Conf { entries, .. } => entries
                .iter()
                .rev()
                .find(|(k, _)| k == "flyway.environment")
                .map(|(_, v)| v.clone()),
        }
    }

    /// The tool's own table: `[flyway-lsp]` in `flyway.toml`, or the whole of `flyway-lsp.toml`.
    pub fn tool_table(&self) -> Option<&toml::Table> {
        match self {
            ConfigFile::Toml { path, table } => {
                if path
                    .file_name()
                    .is_some_and(|n| n == super::TOOL_CONFIG_FILE)
                {
                    Some(table)
                } else {
                    table.get("flyway-lsp").and_then(|v| v.as_table())
                }
            }
            ConfigFile::Conf { .. } => None,
        }
    }

    /// Applies the Flyway settings of this file (global ones, then those of `environment`).
    pub fn apply(&self, layers: &mut Layers, environment: &str) -> Result<(), ConfigError> {
        let source = Source::File(self.path().to_path_buf());
        match self {
            ConfigFile::Toml { path, table } => {
                if path
                    .file_name()
                    .is_some_and(|n| n == super::TOOL_CONFIG_FILE)
                {
                    return Ok(());
                }
                if let Some(flyway) = table.get("flyway") {
                    let flyway = flyway.as_table().ok_or_else(|| {
                        ConfigError::new(format!("{}: `flyway` must be a table", path.display()))
                    })?;
                    apply_toml_table(layers, flyway, &source, path, "flyway")?;
                }
                let env_table = table
                    .get("environments")
                    .and_then(|e| e.get(environment))
                    .and_then(|e| e.as_table());
                if let Some(env_table) = env_table {
                    for (key, value) in env_table {
                        if key == "flyway" {
                            if let Some(overrides) = value.as_table() {
                                apply_toml_table(
                                    layers,
                                    overrides,
                                    &source,
                                    path,
                                    &format!("environments.{environment}.flyway"),
                                )?;
                            }
                            continue;
                        }
                        if let Some(raw) = toml_scalar(value) {
                            layers.set(key, raw, source.clone(), Interpolation::Toml);
                        }
                    }
                }
            }
            ConfigFile::Conf { entries, .. } => {
                for (key, value) in entries {
                    if let Some(key) = key.strip_prefix("flyway.") {
                        layers.set(key, value.clone(), source.clone(), Interpolation::Conf);
                    }
                }
            }
        }
        Ok(())
    }
}

/// A config file's text. Anything but a regular file (a folder, a FIFO, a socket, a device) is
/// an error, found before the file is opened so a FIFO never blocks; the open itself does not
/// wait either (`O_NONBLOCK`), should the file be swapped in between.
fn read_regular_file(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        ConfigError::new(format!("cannot read config file {}: {e}", path.display()))
    };
    let metadata = std::fs::metadata(path).map_err(cannot)?;
    not_a_regular_file(path, &metadata.file_type()).map_or(Ok(()), Err)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let mut file = options.open(path).map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    not_a_regular_file(path, &metadata.file_type()).map_or(Ok(()), Err)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(cannot)?;
    Ok(text)
}

/// The error for a config path that is not a regular file.
pub fn not_a_regular_file(path: &Path, file_type: &std::fs::FileType) -> Option<ConfigError> {
    if file_type.is_file() {
        return None;
    }
    let kind = if file_type.is_dir() {
        "a folder"
    } else {
        unix_kind(file_type).unwrap_or("not a file")
    };
    Some(ConfigError::new(format!(
        "config file {} is {kind}, not a regular file",
        path.display()
    )))
}

#[cfg(unix)]
fn unix_kind(file_type: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if file_type.is_socket() {
        Some("a socket")
    } else if file_type.is_block_device() || file_type.is_char_device() {
        Some("a device")
    } else {
        None
    }
}

#[cfg(not(unix))]
fn unix_kind(_: &std::fs::FileType) -> Option<&'static str> {
    None
}

/// A TOML syntax error as `file:line:column`, without the text of the line: it may be the
/// password's. The parser's own description is kept unless it quotes the line's value.
fn toml_error(path: &Path, text: &str, error: &toml::de::Error) -> ConfigError {
    let Some(span) = error.span() else {
        return ConfigError::new(format!("{}: invalid TOML", path.display()));
    };
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_number = text[..start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count() + 1;
    let line = &text[line_start..line_end];
    let value = line.split_once('=').map_or(line, |(_, v)| v);
    let value: Vec<char> = value.trim().trim_matches(['"', '\'']).chars().collect();
    let message = error.message().lines().next().unwrap_or_default().trim();
    // Any four characters of the value in the description: leave the description out.
    let quotes_value = value
        .windows(4)
        .any(|w| message.contains(&w.iter().collect::<String>()));
    let description = if message.is_empty() || quotes_value {
        String::new()
    } else {
        format!(": {message}")
    };
    ConfigError::new(format!(
        "{}:{line_number}:{column}: invalid TOML{description} (the line is not shown: it may hold a password)",
        path.display()
    ))
}

fn apply_toml_table(
    layers: &mut Layers,
    table: &toml::Table,
    source: &Source,
    path: &Path,
    section: &str,
) -> Result<(), ConfigError> {
    for (key, value) in table {
        if key == "placeholders" {
            let placeholders = value.as_table().ok_or_else(|| {
                ConfigError::new(format!(
                    "{}: `{section}.placeholders` must be a table of name = \"value\"",
                    path.display()
                ))
            })?;
            for (name, value) in placeholders {
                let raw = toml_scalar(value).ok_or_else(|| {
                    ConfigError::new(format!(
                        "{}: placeholder `{name}` must be a string",
                        path.display()
                    ))
                })?;
                layers.set(
                    &format!("placeholders.{name}"),
                    raw,
                    source.clone(),
                    Interpolation::Toml,
                );
            }
            continue;
        }
        // Database-specific sub-tables (`[flyway.postgresql]`, …) hold keys this tool does not use.
        if let Some(raw) = toml_scalar(value) {
            layers.set(key, raw, source.clone(), Interpolation::Toml);
        }
    }
    Ok(())
}

/// A TOML value in Flyway's string form (arrays comma-separated); `None` for tables.
fn toml_scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(toml_scalar)
                .collect::<Vec<_>>()
                .join(","),
        ),
        toml::Value::Table(_) => None,
    }
}

/// Parses Java properties text (`key=value`, `key: value`, `#`/`!` comments, `\` continuations).
pub fn parse_properties(text: &str) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    let mut logical = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if logical.is_empty() && (trimmed.is_empty() || trimmed.starts_with(['#', '!'])) {
            continue;
        }
        // An odd number of trailing backslashes continues the line.
        let trailing = trimmed.len() - trimmed.trim_end_matches('\\').len();
        if trailing % 2 == 1 {
            logical.push_str(&trimmed[..trimmed.len() - 1]);
            if lines.clone().next().is_some() {
                continue;
            }
        } else {
            logical.push_str(trimmed);
        }
        let entry = std::mem::take(&mut logical);
        if let Some((key, value)) = split_property(&entry) {
            entries.push((key, value));
        }
    }
    entries
}

fn split_property(line: &str) -> Option<(String, String)> {
    let mut key = String::new();
    let mut chars = line.char_indices().peekable();
    let mut value_start = line.len();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    key.push(next);
                }
            }
            '=' | ':' => {
                value_start = i + 1;
                break;
            }
            c if c.is_whitespace() => {
                // `key value` and `key = value` are both allowed.
                let rest = line[i..].trim_start();
                let offset = line.len() - rest.len();
                value_start = if rest.starts_with(['=', ':']) {
                    offset + 1
                } else {
                    offset
                };
                break;
            }
            c => key.push(c),
        }
    }
    if key.is_empty() {
        return None;
    }
    Some((key, unescape(line[value_start..].trim_start())))
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push_str("\\u");
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_name_the_line_never_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flyway.toml");
        for text in [
            "[flyway]\nurl = \"jdbc:postgresql://h/d\"\npassword = \"Hunter2x\nuser = \"u\"\n",
            "[flyway]\npassword = Hunter2x\n",
            "[flyway]\npassword = \"Hunter2x\" trailing\n",
            "[flyway]\npassword = \"a\"\npassword = \"Hunter2x\"\n",
            "[flyway]\npassword = \"Hunter2x\\q\"\n",
            "[flyway]\npassword = [\"Hunter2x\"\n",
        ] {
            std::fs::write(&path, text).unwrap();
            let err = ConfigFile::read(&path).unwrap_err().to_string();
            assert!(!err.contains("Hunter2x"), "{text:?} -> {err}");
            assert!(!err.contains('\n'), "{err}");
            assert!(err.contains("flyway.toml:"), "{err}");
            assert!(err.contains("invalid TOML"), "{err}");
        }
        std::fs::write(&path, "[flyway]\nurl = \"x\"\npassword = Hunter2x\n").unwrap();
        let err = ConfigFile::read(&path).unwrap_err().to_string();
        assert!(err.contains("flyway.toml:3:"), "{err}");
    }

    #[test]
    fn folders_and_fifos_are_errors_and_never_block() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("flyway.toml");
        std::fs::create_dir(&folder).unwrap();
        let err = ConfigFile::read(&folder).unwrap_err().to_string();
        assert!(err.contains("is a folder, not a regular file"), "{err}");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("flyway.conf");
            let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
            // With no writer, a blocking open would wait for ever: this returns at once.
            let err = ConfigFile::read(&fifo).unwrap_err().to_string();
            assert!(err.contains("is a FIFO (named pipe)"), "{err}");
        }
    }

    #[test]
    fn properties() {
        let text = "# comment\n! also\nflyway.locations=filesystem:sql,\\\n  filesystem:more\nflyway.table : history\nflyway.user   admin\nflyway.placeholders.a\\=b = x\\u0041\n\n";
        let entries = parse_properties(text);
        assert_eq!(
            entries,
            vec![
                (
                    "flyway.locations".into(),
                    "filesystem:sql,filesystem:more".into()
                ),
                ("flyway.table".into(), "history".into()),
                ("flyway.user".into(), "admin".into()),
                ("flyway.placeholders.a=b".into(), "xA".into()),
            ]
        );
    }
}
