//! `flyway-lsp info`: the migrations in the order Flyway applies them, without a database.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::display_path;
use crate::checksum::checksum_text;
use crate::engine::ProjectReport;
use crate::index::ScriptFile;
use crate::naming::{Kind, ResourceName};
use crate::placeholders::{replace_placeholders, BuiltIns};

/// One row of the listing.
struct Row<'a> {
    file: &'a ScriptFile,
    name: &'a ResourceName,
    undoable: Option<bool>,
    /// Flyway's checksum ([`checksum_of`]); `Err` with Flyway's message when it cannot be made.
    checksum: Result<Option<i32>, String>,
}

impl Row<'_> {
    fn category(&self) -> &'static str {
        match self.name.kind {
            Kind::Repeatable => "Repeatable",
            Kind::Baseline => "Baseline",
            _ => "Versioned",
        }
    }

    /// Flyway's MigrationType names.
    fn migration_type(&self) -> &'static str {
        match self.name.kind {
            _ if self.file.is_code() => "JDBC",
            Kind::Baseline => "SQL_BASELINE",
            _ => "SQL",
        }
    }

    fn version(&self) -> String {
        self.name
            .version
            .as_ref()
            .map(|v| v.raw().to_string())
            .unwrap_or_default()
    }

    /// Flyway stores no checksum for a Java migration: the cell stays empty.
    fn checksum(&self) -> String {
        if self.file.is_code() {
            return String::new();
        }
        match &self.checksum {
            Ok(Some(c)) => c.to_string(),
            Ok(None) => "unreadable".to_string(),
            Err(_) => "unresolved".to_string(),
        }
    }
}

/// The checksum Flyway gives a file (`SqlMigrationResolver`): over the raw text, except for a
/// repeatable migration with placeholder replacement on (for the project, or by its own
/// `.sql.conf`), whose checksum is over the replaced
/// text. Offline only the built-ins known without a server have values (`${flyway:user}` and
/// `${flyway:database}` do not): `Err` with Flyway's message for a placeholder without one.
fn checksum_of(
    report: &ProjectReport,
    file: &ScriptFile,
    name: &ResourceName,
) -> Result<Option<i32>, String> {
    let flyway = &report.project.config.flyway;
    if name.kind != Kind::Repeatable
        || file.is_code()
        || !crate::index::script_placeholder_replacement(&file.path, flyway.placeholder_replacement)
    {
        return Ok(file.checksum());
    }
    let Some(text) = file.text() else {
        return Ok(file.checksum());
    };
    let config = &report.project.config;
    let table = config
        .layers
        .get("table")
        .ok()
        .flatten()
        .map(|(v, _)| v.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "flyway_schema_history".to_string());
    let builtins = BuiltIns::offline(flyway, &table, &config.environment);
    replace_placeholders(&text, flyway, &builtins, &file.file_name)
        .map(|replaced| Some(checksum_text(&replaced)))
        .map_err(|e| e.to_string())
}

/// Versioned and baseline migrations by version, then repeatables by description.
fn rows(report: &ProjectReport) -> Vec<Row<'_>> {
    let undo_versions: BTreeSet<_> = report
        .set
        .migrations(&[Kind::Undo])
        .filter_map(|(_, n)| n.version.as_ref())
        .collect();
    let mut versioned: Vec<Row> = report
        .set
        .with_code(&[Kind::Versioned, Kind::Baseline])
        .map(|(file, name)| Row {
            file,
            name,
            checksum: checksum_of(report, file, name),
            undoable: Some(
                name.kind == Kind::Versioned
                    && name
                        .version
                        .as_ref()
                        .is_some_and(|v| undo_versions.contains(v)),
            ),
        })
        .collect();
    versioned.sort_by(|a, b| {
        (&a.name.version, a.name.kind, &a.file.script).cmp(&(
            &b.name.version,
            b.name.kind,
            &b.file.script,
        ))
    });
    let mut repeatable: Vec<Row> = report
        .set
        .with_code(&[Kind::Repeatable])
        .map(|(file, name)| Row {
            file,
            name,
            checksum: checksum_of(report, file, name),
            undoable: None,
        })
        .collect();
    repeatable.sort_by(|a, b| {
        (a.name.description(), &a.file.script).cmp(&(b.name.description(), &b.file.script))
    });
    versioned.extend(repeatable);
    versioned
}

pub fn write_table(
    reports: &[ProjectReport],
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let locations: Vec<String> = report
            .project
            .locations
            .iter()
            .map(|l| display_path(cwd, &l.path))
            .collect();
        writeln!(
            out,
            "Locations: {}{}",
            super::output::escape_control(&locations.join(", ")),
            if report.project.detected {
                " (detected: no `locations` configured)"
            } else {
                ""
            }
        )?;
        let headers = [
            "Category",
            "Version",
            "Description",
            "Type",
            "Script",
            "Checksum",
            "Undoable",
        ];
        let rows = rows(report);
        let table: Vec<[String; 7]> = rows
            .iter()
            .map(|r| {
                [
                    r.category().to_string(),
                    r.version(),
                    r.name.description(),
                    r.migration_type().to_string(),
                    r.file.script.clone(),
                    r.checksum(),
                    match r.undoable {
                        Some(true) => "Yes".to_string(),
                        Some(false) => "No".to_string(),
                        None => String::new(),
                    },
                ]
            })
            .collect();
        let table: Vec<Vec<String>> = table.into_iter().map(Vec::from).collect();
        write_grid(&headers, &table, "No migrations found", out)?;
        for r in &rows {
            if let Err(message) = &r.checksum {
                writeln!(
                    out,
                    "{}: checksum unresolved: {}",
                    super::output::escape_control(&r.file.script),
                    super::output::escape_control(message)
                )?;
            }
        }
        let skipped = report
            .set
            .files
            .iter()
            .filter(|f| !matches!(f.class, crate::naming::Classified::NotSql))
            .filter(|f| f.name().is_none_or(|n| !n.is_valid()))
            .count();
        if skipped > 0 {
            writeln!(
                out,
                "{skipped} SQL file(s) are not valid migration names and are skipped by Flyway; run `flyway-lsp check` for details."
            )?;
        }
    }
    let detected = reports.iter().filter(|r| r.project.detected).count();
    if detected > 1 {
        writeln!(
            out,
            "\n{detected} migration sets were detected, each read as its own Flyway configuration (folders whose versions collide are never merged); set `locations` in flyway.toml to read folders together."
        )?;
    }
    Ok(())
}

/// The widest a table cell is shown, in characters; longer cells end in `…`, so one huge value
/// (a 1 MB description) does not pad every row of the table to its width.
pub const MAX_CELL_WIDTH: usize = 100;

/// A cell as the table shows it: control characters escaped, cut to [`MAX_CELL_WIDTH`].
fn shown_cell(cell: &str) -> String {
    let escaped = super::output::escape_control(cell);
    if escaped.chars().count() <= MAX_CELL_WIDTH {
        return escaped.into_owned();
    }
    let mut cut: String = escaped.chars().take(MAX_CELL_WIDTH - 1).collect();
    cut.push('…');
    cut
}

/// Prints a table in Flyway's ASCII style. Cells are escaped (no terminal controls reach the
/// output) and capped at [`MAX_CELL_WIDTH`] characters.
pub fn write_grid(
    headers: &[&str],
    table: &[Vec<String>],
    empty: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let table: Vec<Vec<String>> = table
        .iter()
        .map(|row| row.iter().map(|c| shown_cell(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let rule = format!(
        "+{}+",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+")
    );
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!(" {c}{} ", " ".repeat(w - c.chars().count())))
            .collect();
        format!("|{}|", parts.join("|"))
    };
    writeln!(out, "{rule}")?;
    writeln!(out, "{}", line(headers.to_vec()))?;
    writeln!(out, "{rule}")?;
    if table.is_empty() {
        let inner = rule.len() - 2;
        writeln!(out, "|{empty:^inner$}|")?;
    }
    for row in &table {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    writeln!(out, "{rule}")
}

pub fn write_json(
    reports: &[ProjectReport],
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let sets: Vec<Value> = reports
        .iter()
        .map(|report| {
            let migrations: Vec<Value> = rows(report)
                .iter()
                .map(|r| {
                    let mut row = json!({
                        "category": r.category(),
                        "version": r.name.version.as_ref().map(|v| v.raw()),
                        "description": r.name.description(),
                        "type": r.migration_type(),
                        "script": r.file.script,
                        "path": display_path(cwd, &r.file.path),
                        "checksum": r.checksum.clone().ok().flatten(),
                        "undoable": r.undoable,
                    });
                    if let Err(message) = &r.checksum {
                        row["checksum_error"] = json!(message);
                    }
                    row
                })
                .collect();
            json!({
                "locations": report.project.locations.iter().map(|l| display_path(cwd, &l.path)).collect::<Vec<_>>(),
                "detected": report.project.detected,
                "migrations": migrations,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &json!({"version": 1, "migration_sets": sets}))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[Vec<String>]) -> String {
        let mut out = Vec::new();
        write_grid(&["Version", "Description"], rows, "none", &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn cells_are_escaped() {
        let text = grid(&[vec![
            "1".to_string(),
            "clear \x1b[2J screen\rback\u{9b}".to_string(),
        ]]);
        assert!(!text.contains(['\x1b', '\r', '\u{9b}']), "{text:?}");
        assert!(
            text.contains("| clear \\x1b[2J screen\\rback\\u{9b} |"),
            "{text}"
        );
    }

    #[test]
    fn one_huge_cell_does_not_widen_the_table() {
        let mut rows: Vec<Vec<String>> = (0..1000)
            .map(|i| vec![i.to_string(), format!("row {i}")])
            .collect();
        rows[500][1] = "é".repeat(1 << 20);
        let text = grid(&rows);
        // 1,000 rows of at most MAX_CELL_WIDTH characters plus borders, not 1,000 MB.
        assert!(
            text.len() < 1003 * (MAX_CELL_WIDTH * 3 + 40),
            "{} bytes",
            text.len()
        );
        let row = text.lines().find(|l| l.contains('é')).unwrap();
        assert!(row.ends_with("… |"), "{row}");
        assert_eq!(
            row.chars().filter(|&c| c == 'é').count(),
            MAX_CELL_WIDTH - 1
        );
        // Every line of the table has the same width.
        let widths: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|&w| w == widths[0]), "{widths:?}");
        // A short table is as before: no cap applies.
        assert_eq!(
            grid(&[vec!["1".into(), "init".into()]]),
            "+---------+-------------+\n| Version | Description |\n+---------+-------------+\n| 1       | init        |\n+---------+-------------+\n"
        );
    }
}
