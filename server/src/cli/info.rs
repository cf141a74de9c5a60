//! `flyway-lsp info`: the migrations in the order Flyway applies them, without a database.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::display_path;
use crate::engine::ProjectReport;
use crate::index::ScriptFile;
use crate::naming::{Kind, ResourceName};

/// One row of the listing.
struct Row<'a> {
    file: &'a ScriptFile,
    name: &'a ResourceName,
    undoable: Option<bool>,
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

    fn checksum(&self) -> String {
        self.file
            .checksum()
            .map(|c| c.to_string())
            .unwrap_or_else(|| "unreadable".to_string())
    }
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
        .migrations(&[Kind::Versioned, Kind::Baseline])
        .map(|(file, name)| Row {
            file,
            name,
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
        .migrations(&[Kind::Repeatable])
        .map(|(file, name)| Row {
            file,
            name,
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
        writeln!(out, "Locations: {}", locations.join(", "))?;
        let headers = [
            "Category",
            "Version",
            "Description",
            "Type",
            "Script",
            "Checksum",
            "Undoable",
        ];
        let table: Vec<[String; 7]> = rows(report)
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
    Ok(())
}

/// Prints a table in Flyway's ASCII style.
pub fn write_grid(
    headers: &[&str],
    table: &[Vec<String>],
    empty: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in table {
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
    for row in table {
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
                    json!({
                        "category": r.category(),
                        "version": r.name.version.as_ref().map(|v| v.raw()),
                        "description": r.name.description(),
                        "type": r.migration_type(),
                        "script": r.file.script,
                        "path": display_path(cwd, &r.file.path),
                        "checksum": r.file.checksum(),
                        "undoable": r.undoable,
                    })
                })
                .collect();
            json!({
                "locations": report.project.locations.iter().map(|l| display_path(cwd, &l.path)).collect::<Vec<_>>(),
                "migrations": migrations,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &json!({"version": 1, "migration_sets": sets}))?;
    writeln!(out)
}
