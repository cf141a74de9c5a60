//! Configuration: Flyway's own settings, found and merged the way Flyway does, and the tool's settings.
//!
//! Sources, strongest first: command-line overrides, `FLYWAY_*` environment variables, config files
//! (`flyway.toml` then `flyway.user.toml`, or, only when neither exists, legacy `flyway.conf`; in the
//! project folder or `conf/` below it, or the files named by `--config` / `FLYWAY_CONFIG_FILES`),
//! then Flyway's defaults. The tool's own settings live in a
//! `[flyway-lsp]` table of `flyway.toml` or in `flyway-lsp.toml` (which wins).
//!
//! Architecture invariant: this module knows nothing about diagnostics, rules or LSP; it turns files
//! and variables into typed values or a [`ConfigError`] that names the file and key at fault.

mod files;
mod ignore;
mod layers;
mod tool;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use files::{parse_properties, ConfigFile};
pub use ignore::IgnorePattern;
pub use layers::{env_var_for_key, key_for_env_var, Interpolation, Layers, Source};
pub use tool::{Conventions, DescriptionCase, DialectSetting, Edition, Level, ToolSettings};

/// The tool's own settings file.
pub const TOOL_CONFIG_FILE: &str = "flyway-lsp.toml";

/// How editor settings are named in messages.
pub const EDITOR_SETTINGS: &str = "<editor settings>";

/// Converts editor settings (JSON) into the `flyway.toml` shape; `null`s are dropped.
pub fn editor_settings_from_json(value: &serde_json::Value) -> Result<toml::Table, ConfigError> {
    fn strip_nulls(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), strip_nulls(v)))
                    .collect(),
            ),
            serde_json::Value::Array(items) => serde_json::Value::Array(
                items
                    .iter()
                    .filter(|v| !v.is_null())
                    .map(strip_nulls)
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    // Lua clients (Neovim) send an empty table as `[]`: no settings, or an empty section.
    let empty_table = |v: serde_json::Value| match v {
        serde_json::Value::Array(items) if items.is_empty() => {
            serde_json::Value::Object(serde_json::Map::new())
        }
        other => other,
    };
    let value = match empty_table(strip_nulls(value)) {
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.into_iter().map(|(k, v)| (k, empty_table(v))).collect())
        }
        other => other,
    };
    serde_json::from_value::<toml::Table>(value)
        .map_err(|e| ConfigError::new(format!("{EDITOR_SETTINGS}: {e}")))
}

/// Config files looked for in a project folder, weakest first. Flyway's command line
/// (`ConfigurationManagerImpl`) reads the TOML files only when one exists, else the legacy
/// `.conf` files: see [`TOML_CONFIG_FILES`] and [`LEGACY_CONFIG_FILES`].
pub const CONFIG_FILE_CANDIDATES: &[&str] = &[
    "conf/flyway.conf",
    "conf/flyway.toml",
    "conf/flyway.user.toml",
    "flyway.conf",
    "flyway.toml",
    "flyway.user.toml",
    TOOL_CONFIG_FILE,
];

/// The TOML files Flyway reads, weakest first: each `flyway.user.toml` right after its
/// `flyway.toml` (`ConfigUtils.getDefaultTomlConfigFileLocations`).
pub const TOML_CONFIG_FILES: &[&str] = &[
    "conf/flyway.toml",
    "conf/flyway.user.toml",
    "flyway.toml",
    "flyway.user.toml",
];

/// The legacy files Flyway reads when no TOML file exists, weakest first.
pub const LEGACY_CONFIG_FILES: &[&str] = &["conf/flyway.conf", "flyway.conf"];

/// A configuration problem: unreadable or malformed file, wrong type, unknown setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    pub fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Text encodings Flyway users set with `encoding`; decoding is strict, as Flyway's is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    Latin1,
    Ascii,
}

impl Encoding {
    pub fn parse(text: &str) -> Option<Encoding> {
        match text.trim().to_ascii_uppercase().replace('_', "-").as_str() {
            "UTF-8" | "UTF8" => Some(Encoding::Utf8),
            "ISO-8859-1" | "ISO8859-1" | "LATIN1" | "LATIN-1" => Some(Encoding::Latin1),
            "US-ASCII" | "ASCII" => Some(Encoding::Ascii),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Latin1 => "ISO-8859-1",
            Encoding::Ascii => "US-ASCII",
        }
    }
}

/// The Flyway settings this tool honours, typed, with Flyway's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlywaySettings {
    /// `locations` as configured (e.g. `filesystem:sql`); `None` when nothing configures them.
    pub locations: Option<Vec<String>>,
    pub sql_migration_prefix: String,
    pub sql_migration_separator: String,
    pub sql_migration_suffixes: Vec<String>,
    pub repeatable_sql_migration_prefix: String,
    pub undo_sql_migration_prefix: String,
    pub baseline_migration_prefix: String,
    pub out_of_order: bool,
    pub validate_migration_naming: bool,
    pub placeholders: BTreeMap<String, String>,
    /// `placeholderReplacement` (default true).
    pub placeholder_replacement: bool,
    /// `placeholderPrefix` / `placeholderSuffix` / `placeholderSeparator` (`${`, `}`, `:`).
    pub placeholder_prefix: String,
    pub placeholder_suffix: String,
    pub placeholder_separator: String,
    /// `defaultSchema` and `schemas`, for the `${flyway:defaultSchema}` / `${flyway:schemas}`
    /// placeholders known without a database.
    pub default_schema: Option<String>,
    pub schemas: Vec<String>,
    /// `workingDirectory` (`${flyway:workingDirectory}`; default: the current directory).
    pub working_directory: Option<String>,
    pub encoding: Encoding,
}

impl Default for FlywaySettings {
    fn default() -> Self {
        FlywaySettings {
            locations: None,
            sql_migration_prefix: "V".into(),
            sql_migration_separator: "__".into(),
            sql_migration_suffixes: vec![".sql".into()],
            repeatable_sql_migration_prefix: "R".into(),
            undo_sql_migration_prefix: "U".into(),
            baseline_migration_prefix: "B".into(),
            out_of_order: false,
            validate_migration_naming: false,
            placeholders: BTreeMap::new(),
            placeholder_replacement: true,
            placeholder_prefix: "${".into(),
            placeholder_suffix: "}".into(),
            placeholder_separator: ":".into(),
            default_schema: None,
            schemas: Vec::new(),
            working_directory: None,
            encoding: Encoding::Utf8,
        }
    }
}

impl FlywaySettings {
    /// Reads the typed settings out of merged layers.
    pub fn from_layers(layers: &Layers) -> Result<FlywaySettings, ConfigError> {
        let mut settings = FlywaySettings::default();
        if let Some((value, _)) = layers.get("locations")? {
            settings.locations = Some(split_list(&value));
        }
        let text_keys: [(&str, &mut String); 8] = [
            ("placeholderPrefix", &mut settings.placeholder_prefix),
            ("placeholderSuffix", &mut settings.placeholder_suffix),
            ("placeholderSeparator", &mut settings.placeholder_separator),
            ("sqlMigrationPrefix", &mut settings.sql_migration_prefix),
            (
                "sqlMigrationSeparator",
                &mut settings.sql_migration_separator,
            ),
            (
                "repeatableSqlMigrationPrefix",
                &mut settings.repeatable_sql_migration_prefix,
            ),
            (
                "undoSqlMigrationPrefix",
                &mut settings.undo_sql_migration_prefix,
            ),
            (
                "baselineMigrationPrefix",
                &mut settings.baseline_migration_prefix,
            ),
        ];
        for (key, slot) in text_keys {
            if let Some((value, source)) = layers.get(key)? {
                if value.is_empty() {
                    return Err(ConfigError::new(format!(
                        "{source}: `{key}` must not be empty"
                    )));
                }
                *slot = value;
            }
        }
        if let Some((value, source)) = layers.get("sqlMigrationSuffixes")? {
            let suffixes = split_list(&value);
            if suffixes.is_empty() {
                return Err(ConfigError::new(format!(
                    "{source}: `sqlMigrationSuffixes` must name at least one suffix, e.g. \".sql\""
                )));
            }
            settings.sql_migration_suffixes = suffixes;
        }
        settings.out_of_order = read_bool(layers, "outOfOrder")?.unwrap_or(false);
        settings.validate_migration_naming =
            read_bool(layers, "validateMigrationNaming")?.unwrap_or(false);
        if let Some((value, source)) = layers.get("encoding")? {
            settings.encoding = Encoding::parse(&value).ok_or_else(|| {
                ConfigError::new(format!(
                    "{source}: unsupported `encoding` \"{value}\" (supported: UTF-8, ISO-8859-1, US-ASCII)"
                ))
            })?;
        }
        settings.placeholders = layers.placeholders()?;
        settings.placeholder_replacement =
            read_bool(layers, "placeholderReplacement")?.unwrap_or(true);
        if let Some((value, _)) = layers.get("schemas")? {
            settings.schemas = split_list(&value);
        }
        settings.default_schema = layers
            .get("defaultSchema")?
            .map(|(v, _)| v.trim().to_string())
            .filter(|s| !s.is_empty());
        settings.working_directory = layers
            .get("workingDirectory")?
            .map(|(v, _)| v)
            .filter(|s| !s.trim().is_empty());
        Ok(settings)
    }
}

fn read_bool(layers: &Layers, key: &str) -> Result<Option<bool>, ConfigError> {
    match layers.get(key)? {
        None => Ok(None),
        Some((value, source)) => match value.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(ConfigError::new(format!(
                "{source}: `{key}` must be true or false, not \"{value}\""
            ))),
        },
    }
}

/// Splits Flyway's comma-separated list form, trimming blanks.
fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// What the caller (CLI flags or editor settings) adds on top of files and environment.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Config files to read instead of the ones found in the project folder.
    pub config_files: Vec<PathBuf>,
    /// `flyway.toml` environment to use (else `[flyway] environment`, else "default").
    pub environment: Option<String>,
    /// Flyway keys set on the command line (`--set key=value`, `--locations`).
    pub overrides: Vec<(String, String)>,
    /// The process environment (passed in so tests can control it).
    pub env: BTreeMap<String, String>,
    /// Overrides `[flyway-lsp] applied-ref` (the CLI's `--applied-ref`).
    pub applied_ref: Option<String>,
    /// Settings from an editor, shaped like `flyway.toml` (`{"flyway": {…}, "flyway-lsp": {…}}`):
    /// stronger than config files, weaker than environment variables and the command line.
    pub editor_settings: Option<toml::Table>,
}

/// Everything configuration yields for one project folder.
#[derive(Debug, Clone)]
pub struct Config {
    /// The folder config files and relative locations are resolved against.
    pub base_dir: PathBuf,
    /// Config files that were read, weakest first.
    pub files: Vec<PathBuf>,
    pub environment: String,
    pub layers: Layers,
    pub flyway: FlywaySettings,
    pub tool: ToolSettings,
}

impl Config {
    /// Loads the configuration of the project in `base_dir`.
    pub fn load(base_dir: &Path, options: &LoadOptions) -> Result<Config, ConfigError> {
        let files = config_files_for(base_dir, options)?;
        let mut parsed: Vec<ConfigFile> = files
            .iter()
            .map(|p| ConfigFile::read(p))
            .collect::<Result<_, _>>()?;
        if let Some(table) = &options.editor_settings {
            parsed.push(ConfigFile::Toml {
                path: PathBuf::from(EDITOR_SETTINGS),
                table: table.clone(),
            });
        }

        let environment = options
            .environment
            .clone()
            .or_else(|| options.env.get("FLYWAY_ENVIRONMENT").cloned())
            .or_else(|| parsed.iter().rev().find_map(|f| f.selected_environment()))
            .unwrap_or_else(|| "default".to_string());

        let mut layers = Layers::new(options.env.clone());
        for file in &parsed {
            file.apply(&mut layers, &environment)?;
        }
        for (var, value) in &options.env {
            if var == "FLYWAY_CONFIG_FILES" || var == "FLYWAY_ENVIRONMENT" {
                continue;
            }
            if let Some(key) = key_for_env_var(var) {
                layers.set(
                    &key,
                    value.clone(),
                    Source::Env(var.clone()),
                    Interpolation::None,
                );
            }
        }
        for (key, value) in &options.overrides {
            layers.set(key, value.clone(), Source::Cli, Interpolation::None);
        }
        let flyway = FlywaySettings::from_layers(&layers)?;
        let mut tool = ToolSettings::from_files(&parsed)?;
        if options.applied_ref.is_some() {
            tool.applied_ref = options.applied_ref.clone();
        }
        Ok(Config {
            base_dir: base_dir.to_path_buf(),
            files,
            environment,
            layers,
            flyway,
            tool,
        })
    }

    /// True when some file in the project folder (or `--config`) configures Flyway or the tool.
    pub fn has_files(&self) -> bool {
        !self.files.is_empty()
    }
}

fn config_files_for(base_dir: &Path, options: &LoadOptions) -> Result<Vec<PathBuf>, ConfigError> {
    let mut explicit: Vec<PathBuf> = options.config_files.clone();
    if explicit.is_empty() {
        if let Some(list) = options.env.get("FLYWAY_CONFIG_FILES") {
            explicit = split_list(list).into_iter().map(PathBuf::from).collect();
        }
    }
    if !explicit.is_empty() {
        let mut files = Vec::new();
        for file in explicit {
            let path = if file.is_absolute() {
                file
            } else {
                base_dir.join(file)
            };
            if !is_present(&path) {
                return Err(ConfigError::new(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            files.push(path);
        }
        // The tool's own file still applies beside explicit Flyway files.
        let tool = base_dir.join(TOOL_CONFIG_FILE);
        if is_present(&tool) && !files.contains(&tool) {
            files.push(tool);
        }
        return Ok(files);
    }
    let present = |names: &[&str]| -> Vec<PathBuf> {
        names
            .iter()
            .map(|name| base_dir.join(name))
            .filter(|p| is_present(p))
            .collect()
    };
    let mut files = present(TOML_CONFIG_FILES);
    if files.is_empty() {
        files = present(LEGACY_CONFIG_FILES);
    }
    files.extend(present(&[TOOL_CONFIG_FILE]));
    Ok(files)
}

/// Whether something (of any kind: reading it says if it is not a regular file) is at `path`.
/// A folder or FIFO named like a config file is an error when read, never silently skipped.
fn is_present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// The nearest folder at or above `start` that holds a config file, stopping at a `.git` boundary.
pub fn find_config_dir(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if CONFIG_FILE_CANDIDATES
            .iter()
            .any(|c| is_present(&d.join(c)))
        {
            return Some(d.to_path_buf());
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn load(dir: &Path, env: &[(&str, &str)], overrides: &[(&str, &str)]) -> Config {
        try_load(dir, env, overrides).unwrap()
    }

    fn try_load(
        dir: &Path,
        env: &[(&str, &str)],
        overrides: &[(&str, &str)],
    ) -> Result<Config, ConfigError> {
        let options = LoadOptions {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            overrides: overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..LoadOptions::default()
        };
        Config::load(dir, &options)
    }

    #[test]
    fn defaults_without_files() {
        let dir = tempfile::tempdir().unwrap();
        let config = load(dir.path(), &[], &[]);
        assert_eq!(config.flyway, FlywaySettings::default());
        assert!(!config.has_files());
        assert_eq!(config.environment, "default");
    }

    #[test]
    fn toml_with_environment_and_precedence() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("flyway.toml"),
            r#"
[environments.dev]
url = "jdbc:postgresql://localhost/app"
schemas = ["public", "audit"]
[environments.dev.flyway]
locations = ["filesystem:dev-sql"]

[flyway]
environment = "dev"
locations = ["filesystem:${env.SQL_DIR}", "filesystem:extra"]
sqlMigrationPrefix = "M"
outOfOrder = true
[flyway.placeholders]
owner = "app"
"#,
        )
        .unwrap();
        let config = load(
            dir.path(),
            &[
                ("SQL_DIR", "sql"),
                ("FLYWAY_SQL_MIGRATION_PREFIX", "X"),
                ("FLYWAY_PLACEHOLDERS_OWNER", "env-owner"),
            ],
            &[],
        );
        assert_eq!(config.environment, "dev");
        // The environment's own flyway table overrides the global one.
        assert_eq!(
            config.flyway.locations,
            Some(vec!["filesystem:dev-sql".to_string()])
        );
        // Environment variables beat files.
        assert_eq!(config.flyway.sql_migration_prefix, "X");
        assert!(config.flyway.out_of_order);
        assert_eq!(config.flyway.placeholders["owner"], "env-owner");
        assert_eq!(
            config.layers.get("schemas").unwrap().unwrap().0,
            "public,audit"
        );
        // The command line beats the environment.
        let config = load(
            dir.path(),
            &[("SQL_DIR", "sql"), ("FLYWAY_SQL_MIGRATION_PREFIX", "X")],
            &[("sqlMigrationPrefix", "C")],
        );
        assert_eq!(config.flyway.sql_migration_prefix, "C");
    }

    #[test]
    fn toml_without_environment_uses_global_table() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("flyway.toml"),
            "[flyway]\nlocations = [\"filesystem:${env.SQL_DIR}\"]\n",
        )
        .unwrap();
        let config = load(dir.path(), &[("SQL_DIR", "db")], &[]);
        assert_eq!(
            config.flyway.locations,
            Some(vec!["filesystem:db".to_string()])
        );
        let err = try_load(dir.path(), &[], &[]).unwrap_err().to_string();
        assert!(
            err.contains("SQL_DIR") && err.contains("flyway.toml"),
            "{err}"
        );
    }

    #[test]
    fn editor_settings_override_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("flyway.toml"),
            "[flyway]\nsqlMigrationPrefix = \"M\"\n[flyway-lsp]\ndialect = \"postgres\"\n",
        )
        .unwrap();
        let settings = editor_settings_from_json(&serde_json::json!({
            "flyway": {"sqlMigrationPrefix": "X", "locations": null},
            "flyway-lsp": {"dialect": "mysql", "rules": {"version-gap": "off"}}
        }))
        .unwrap();
        let options = LoadOptions {
            editor_settings: Some(settings),
            ..LoadOptions::default()
        };
        let config = Config::load(dir.path(), &options).unwrap();
        assert_eq!(config.flyway.sql_migration_prefix, "X");
        assert_eq!(config.tool.dialect, Some(DialectSetting::MySql));
        assert_eq!(config.tool.rules["version-gap"], Level::Off);
        let bad = editor_settings_from_json(&serde_json::json!(["not", "a", "table"]));
        assert!(bad.is_err());
        // Neovim sends an empty Lua table as `[]`: no settings, or an empty section.
        let empty = editor_settings_from_json(&serde_json::json!([])).unwrap();
        assert!(empty.is_empty());
        let sections = editor_settings_from_json(&serde_json::json!({"flyway-lsp": []})).unwrap();
        assert!(sections["flyway-lsp"]
            .as_table()
            .is_some_and(|t| t.is_empty()));
    }

    #[test]
    fn legacy_conf() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("flyway.conf"),
            "flyway.locations=filesystem:${BASE}/sql\nflyway.sqlMigrationSuffixes=.sql,.pgsql\nflyway.validateMigrationNaming=true\nflyway.encoding=ISO-8859-1\n",
        )
        .unwrap();
        let config = load(dir.path(), &[("BASE", "db")], &[]);
        assert_eq!(
            config.flyway.locations,
            Some(vec!["filesystem:db/sql".to_string()])
        );
        assert_eq!(config.flyway.sql_migration_suffixes, vec![".sql", ".pgsql"]);
        assert!(config.flyway.validate_migration_naming);
        assert_eq!(config.flyway.encoding, Encoding::Latin1);
    }

    /// `ConfigurationManagerImpl`: with a TOML file present the command line reads the TOML
    /// files only; `ConfigUtils.getDefaultTomlConfigFileLocations`: `flyway.user.toml` after
    /// `flyway.toml`.
    #[test]
    fn toml_files_win_over_conf_and_user_toml_comes_last() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("flyway.conf"),
            "flyway.locations=filesystem:from_conf\nflyway.outOfOrder=true\n",
        )
        .unwrap();
        let config = load(dir.path(), &[], &[]);
        assert_eq!(
            config.flyway.locations,
            Some(vec!["filesystem:from_conf".to_string()])
        );
        fs::write(
            dir.path().join("flyway.toml"),
            "[flyway]\nlocations = [\"filesystem:from_toml\"]\nsqlMigrationPrefix = \"M\"\n",
        )
        .unwrap();
        let config = load(dir.path(), &[], &[]);
        assert_eq!(
            config.flyway.locations,
            Some(vec!["filesystem:from_toml".to_string()])
        );
        assert!(!config.flyway.out_of_order, "flyway.conf was read too");
        assert_eq!(config.files, vec![dir.path().join("flyway.toml")]);
        fs::write(
            dir.path().join("flyway.user.toml"),
            "[flyway]\nlocations = [\"filesystem:from_user\"]\n",
        )
        .unwrap();
        let config = load(dir.path(), &[], &[]);
        assert_eq!(
            config.flyway.locations,
            Some(vec!["filesystem:from_user".to_string()])
        );
        assert_eq!(config.flyway.sql_migration_prefix, "M");
        // A user file alone is a TOML configuration too.
        fs::remove_file(dir.path().join("flyway.toml")).unwrap();
        let config = load(dir.path(), &[], &[]);
        assert_eq!(
            config.flyway.locations,
            Some(vec!["filesystem:from_user".to_string()])
        );
        assert!(!config.flyway.out_of_order);
        assert_eq!(find_config_dir(dir.path()), Some(dir.path().to_path_buf()));
    }

    #[test]
    fn wrong_types_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("flyway.conf"), "flyway.outOfOrder=maybe\n").unwrap();
        let err = try_load(dir.path(), &[], &[]).unwrap_err().to_string();
        assert!(
            err.contains("outOfOrder") && err.contains("true or false"),
            "{err}"
        );

        fs::remove_file(dir.path().join("flyway.conf")).unwrap();
        fs::write(dir.path().join("flyway.toml"), "[flyway\nlocations=1").unwrap();
        let err = try_load(dir.path(), &[], &[]).unwrap_err().to_string();
        assert!(err.contains("invalid TOML"), "{err}");

        let err = try_load(dir.path(), &[], &[("encoding", "EBCDIC")]);
        assert!(err.is_err());
    }

    #[test]
    fn finds_config_in_ancestors_up_to_git_root() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("project");
        let nested = project.join("db/migration");
        fs::create_dir_all(&nested).unwrap();
        fs::create_dir(project.join(".git")).unwrap();
        assert_eq!(find_config_dir(&nested), None);
        fs::write(project.join("flyway.toml"), "").unwrap();
        assert_eq!(find_config_dir(&nested), Some(project.clone()));
    }
}
