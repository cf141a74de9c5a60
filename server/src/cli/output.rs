//! Diagnostic output formats: text, JSON (documented in the README), SARIF 2.1.0 and GitHub
//! workflow annotations.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::{display_path, Format, EXIT_ERRORS, EXIT_OK, EXIT_WARNINGS};
use crate::config::Level;
use crate::diagnostic::{Diagnostic, Fix};
use crate::rules;

/// Counts for the closing line and the exit status.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub hints: usize,
    pub files: usize,
    pub projects: usize,
}

impl Summary {
    pub fn of(diagnostics: &[Diagnostic], files: usize, projects: usize) -> Summary {
        let mut s = Summary {
            files,
            projects,
            ..Summary::default()
        };
        for d in diagnostics {
            match d.level {
                Level::Error => s.errors += 1,
                Level::Warning => s.warnings += 1,
                Level::Info => s.infos += 1,
                Level::Hint => s.hints += 1,
                Level::Off => {}
            }
        }
        s
    }

    pub fn exit_code(&self) -> i32 {
        if self.errors > 0 {
            EXIT_ERRORS
        } else if self.warnings > 0 {
            EXIT_WARNINGS
        } else {
            EXIT_OK
        }
    }
}

pub fn write(
    format: Format,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => write_text(diagnostics, summary, cwd, out),
        Format::Json => {
            let value = to_json(diagnostics, summary, cwd);
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)
        }
        Format::Sarif => {
            let value = to_sarif(diagnostics, cwd);
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)
        }
        Format::Github => write_github(diagnostics, cwd, out),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn write_text(
    diagnostics: &[Diagnostic],
    summary: &Summary,
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for d in diagnostics {
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            display_path(cwd, &d.path),
            d.start.line,
            d.start.column,
            d.level.name(),
            d.rule,
            d.message
        )?;
        for related in &d.related {
            writeln!(
                out,
                "  note: {}: {}",
                display_path(cwd, &related.path),
                related.message
            )?;
        }
        if let Some(Fix::RenameFile { new_name }) = &d.fix {
            writeln!(out, "  fix: rename to {new_name}")?;
        }
    }
    let checked = format!(
        "{} in {}",
        plural(summary.files, "file"),
        plural(summary.projects, "migration set")
    );
    if diagnostics.is_empty() {
        writeln!(out, "No problems found ({checked} checked).")
    } else {
        let mut parts = vec![
            plural(summary.errors, "error"),
            plural(summary.warnings, "warning"),
        ];
        if summary.infos > 0 {
            parts.push(plural(summary.infos, "info"));
        }
        if summary.hints > 0 {
            parts.push(plural(summary.hints, "hint"));
        }
        writeln!(out, "Found {} ({checked} checked).", parts.join(", "))
    }
}

fn fix_json(fix: &Option<Fix>) -> Value {
    match fix {
        None => Value::Null,
        Some(Fix::RenameFile { new_name }) => json!({"kind": "rename-file", "new_name": new_name}),
    }
}

/// The documented JSON format (`"version": 1`).
pub fn to_json(diagnostics: &[Diagnostic], summary: &Summary, cwd: &Path) -> Value {
    let items: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            json!({
                "rule": d.rule,
                "severity": d.level.name(),
                "path": display_path(cwd, &d.path),
                "start": {"line": d.start.line, "column": d.start.column},
                "end": {"line": d.end.line, "column": d.end.column},
                "byte_range": [d.range.start, d.range.end],
                "message": d.message,
                "related": d.related.iter().map(|r| json!({
                    "path": display_path(cwd, &r.path),
                    "message": r.message,
                })).collect::<Vec<_>>(),
                "fix": fix_json(&d.fix),
            })
        })
        .collect();
    json!({
        "version": 1,
        "diagnostics": items,
        "summary": {
            "errors": summary.errors,
            "warnings": summary.warnings,
            "infos": summary.infos,
            "hints": summary.hints,
            "files": summary.files,
            "migration_sets": summary.projects,
        }
    })
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        _ => "note",
    }
}

fn sarif_location(cwd: &Path, path: &Path, d: Option<&Diagnostic>) -> Value {
    let mut physical = json!({
        "artifactLocation": {"uri": display_path(cwd, path)},
    });
    if let Some(d) = d {
        let end_column = if d.end == d.start {
            d.start.column + 1
        } else {
            d.end.column
        };
        physical["region"] = json!({
            "startLine": d.start.line,
            "startColumn": d.start.column,
            "endLine": d.end.line,
            "endColumn": end_column,
        });
    }
    json!({"physicalLocation": physical})
}

/// SARIF 2.1.0, with every rule's documentation in the driver.
pub fn to_sarif(diagnostics: &[Diagnostic], cwd: &Path) -> Value {
    let rules: Vec<Value> = rules::all()
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.doc, "markdown": r.doc},
                "defaultConfiguration": {
                    "level": if r.default_level == Level::Off { "none" } else { sarif_level(r.default_level) },
                    "enabled": r.default_level != Level::Off && r.convention.is_none(),
                },
                "properties": {"category": r.category},
            })
        })
        .collect();
    let index_of = |id: &str| rules::all().iter().position(|r| r.id == id);
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut result = json!({
                "ruleId": d.rule,
                "level": sarif_level(d.level),
                "message": {"text": d.message},
                "locations": [sarif_location(cwd, &d.path, Some(d))],
            });
            if let Some(i) = index_of(d.rule) {
                result["ruleIndex"] = json!(i);
            }
            if !d.related.is_empty() {
                result["relatedLocations"] = Value::Array(
                    d.related
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let mut loc = sarif_location(cwd, &r.path, None);
                            loc["id"] = json!(i);
                            loc["message"] = json!({"text": r.message});
                            loc
                        })
                        .collect(),
                );
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "flyway-lsp",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// Escapes text for a workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes text for a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn write_github(
    diagnostics: &[Diagnostic],
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for d in diagnostics {
        let command = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
            _ => "notice",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&display_path(cwd, &d.path)),
            d.start.line,
            d.start.column,
            d.end.line,
            d.end.column,
            escape_property(&format!("flyway-lsp {}", d.rule)),
            escape_data(&d.message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
