//! The folder's migrations as Flyway resolves them for `validate`: version, description,
//! script, type and checksum. Repeatable migrations are checksummed over their text with
//! placeholders replaced (so a changed placeholder value re-runs them), the raw text's checksum
//! being accepted too; versioned ones over the raw text.

use std::collections::BTreeMap;

use super::settings::DbSettings;
use super::validate::Resolved;
use crate::checksum::checksum_text;
use crate::index::MigrationSet;
use crate::naming::Kind;
use crate::project::Project;

/// Values of Flyway's built-in `${flyway:…}` placeholders.
#[derive(Debug, Clone, Default)]
pub struct BuiltIns {
    pub default_schema: String,
    pub user: String,
    pub database: String,
    pub table: String,
    pub environment: String,
}

/// Replaces `${name}` placeholders; `Err(name)` for one with no value (Flyway fails on those).
pub fn replace_placeholders(
    text: &str,
    placeholders: &BTreeMap<String, String>,
    builtins: &BuiltIns,
    file_name: &str,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        let value = match name {
            "flyway:defaultSchema" => Some(builtins.default_schema.clone()),
            "flyway:user" => Some(builtins.user.clone()),
            "flyway:database" => Some(builtins.database.clone()),
            "flyway:table" => Some(builtins.table.clone()),
            "flyway:environment" => Some(builtins.environment.clone()),
            "flyway:filename" => Some(file_name.to_string()),
            _ => placeholders.get(name).cloned().or_else(|| {
                placeholders
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            }),
        };
        match value {
            Some(v) => out.push_str(&v),
            None => return Err(name.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The resolved migrations of a checked project (valid V, B and R files that could be read).
pub fn resolved_migrations(
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    builtins: &BuiltIns,
) -> Vec<Resolved> {
    let placeholders = &project.config.flyway.placeholders;
    set.migrations(&[Kind::Versioned, Kind::Baseline, Kind::Repeatable])
        .filter_map(|(file, name)| {
            let raw = file.checksum()?;
            let (checksum, equivalent_checksum) = if name.kind == Kind::Repeatable
                && settings.placeholder_replacement
            {
                match replace_placeholders(file.text()?, placeholders, builtins, &file.file_name) {
                    Ok(replaced) => (checksum_text(&replaced), Some(raw)),
                    Err(_) => (raw, None),
                }
            } else {
                (raw, None)
            };
            Some(Resolved {
                version: name.version.clone(),
                description: name.description(),
                script: file.script.clone(),
                migration_type: if name.kind == Kind::Baseline {
                    "SQL_BASELINE"
                } else {
                    "SQL"
                },
                checksum,
                equivalent_checksum,
                path: file.path.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_or_reported() {
        let mut values = BTreeMap::new();
        values.insert("owner".to_string(), "app".to_string());
        let builtins = BuiltIns {
            default_schema: "public".into(),
            ..BuiltIns::default()
        };
        assert_eq!(
            replace_placeholders(
                "GRANT x TO ${owner}; -- ${flyway:defaultSchema} ${flyway:filename} ${",
                &values,
                &builtins,
                "R__g.sql"
            )
            .unwrap(),
            "GRANT x TO app; -- public R__g.sql ${"
        );
        assert_eq!(
            replace_placeholders("${OWNER}", &values, &builtins, "f").unwrap(),
            "app"
        );
        assert_eq!(
            replace_placeholders("${nope}", &values, &builtins, "f").unwrap_err(),
            "nope"
        );
    }
}
