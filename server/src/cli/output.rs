//! Diagnostic output formats: text (with code frames and colour when asked for), JSON
//! (documented in the README), SARIF 2.1.0 and GitHub workflow annotations; the CI formats
//! (GitLab Code Quality, JUnit, Markdown) are in `ci_formats.rs`.

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

/// How the text format looks; the defaults are the plain output pinned for pipes.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextStyle {
    /// Show the offending line with the finding underlined.
    pub source: bool,
    /// ANSI colours.
    pub colour: bool,
    /// Only the findings: no closing line.
    pub quiet: bool,
    /// Counts by rule instead of each finding.
    pub statistics: bool,
}

pub fn write(
    format: Format,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    cwd: &Path,
    style: TextStyle,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => write_text(diagnostics, summary, cwd, style, out),
        Format::Gitlab => {
            let value = super::ci_formats::to_gitlab(diagnostics, cwd);
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)
        }
        Format::Junit => super::ci_formats::write_junit(diagnostics, summary, cwd, out),
        Format::Markdown => super::ci_formats::write_markdown(diagnostics, summary, cwd, out),
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

/// Text for a terminal: control characters (C0, DEL, C1) and the bidirectional overrides that
/// can reorder what is shown become visible escapes (`\x1b`, `\r`, `\u{202e}`), so a file name
/// or a database value can neither move the cursor, clear the screen nor hide text. Output
/// formats read by programs (JSON, SARIF) keep the raw text; their encoder escapes it.
pub fn escape_control(text: &str) -> std::borrow::Cow<'_, str> {
    let needs =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(needs) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && needs(c) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if needs(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

pub(super) fn plural(n: usize, word: &str) -> String {
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
    style: TextStyle,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let p = super::frames::Palette::new(style.colour);
    let mut sources = super::frames::Sources::default();
    if style.statistics {
        write_statistics(diagnostics, &p, out)?;
    } else {
        for d in diagnostics {
            writeln!(
                out,
                "{bold}{}:{}:{}:{reset} {colour}{}[{}]{reset} {}",
                escape_control(&display_path(cwd, &d.path)),
                d.start.line,
                d.start.column,
                d.level.name(),
                d.rule,
                escape_control(&d.message),
                bold = p.bold,
                reset = p.reset,
                colour = p.level(d.level),
            )?;
            if style.source {
                if let Some(frame) = sources.frame(d, &p) {
                    writeln!(out, "{frame}")?;
                }
            }
            for related in &d.related {
                writeln!(
                    out,
                    "  note: {}: {}",
                    escape_control(&display_path(cwd, &related.path)),
                    escape_control(&related.message)
                )?;
            }
            if let Some(Fix::RenameFile { new_name }) = &d.fix {
                writeln!(out, "  fix: rename to {}", escape_control(new_name))?;
            }
        }
    }
    if style.quiet {
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        super::ci_formats::headline(summary, diagnostics.len())
    )
}

/// Counts by rule, most frequent first (then by rule name): `count  level  rule  summary`.
fn write_statistics(
    diagnostics: &[Diagnostic],
    p: &super::frames::Palette,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut counts: std::collections::BTreeMap<(&str, Level), usize> = Default::default();
    for d in diagnostics {
        *counts.entry((d.rule, d.level)).or_insert(0) += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let count_width = rows
        .iter()
        .map(|r| r.1.to_string().len())
        .max()
        .unwrap_or(1);
    let rule_width = rows.iter().map(|r| r.0 .0.len()).max().unwrap_or(0);
    for ((rule, level), count) in rows {
        let summary = rules::all()
            .iter()
            .find(|r| r.id == rule)
            .map_or("", |r| r.summary);
        writeln!(
            out,
            "{count:>count_width$}  {colour}{:<7}{reset}  {rule:<rule_width$}  {summary}",
            level.name(),
            colour = p.level(level),
            reset = p.reset,
        )?;
    }
    Ok(())
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

/// Escapes text for a workflow command's message. Control characters (line breaks included)
/// become visible escapes first: the workflow log renders terminal controls, and a line break
/// would end the command.
fn escape_data(text: &str) -> String {
    escape_control(text).replace('%', "%25")
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
        assert_eq!(escape_data("50% next"), "50%25 next");
        assert_eq!(escape_data("a\nb\x1b[2J"), "a\\nb\\x1b[2J");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(escape_control("V1__plain.sql"), "V1__plain.sql");
        assert!(matches!(
            escape_control("V1__café.sql"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(escape_control("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape_control("a\rb\nc\td"), "a\\rb\\nc\\td");
        assert_eq!(escape_control("\x00\x07\x7f"), "\\x00\\x07\\x7f");
        // C1 CSI and a right-to-left override.
        assert_eq!(escape_control("x\u{9b}2J\u{202e}y"), "x\\u{9b}2J\\u{202e}y");
    }

    #[test]
    fn text_output_escapes_file_names_and_messages() {
        use crate::diagnostic::{LineCol, Related, TextRange};
        let d = Diagnostic {
            rule: "unrecognised-name",
            level: Level::Warning,
            path: Path::new("/p/sql/V1__\x1b[2J\r.sql").to_path_buf(),
            range: TextRange::default(),
            start: LineCol::START,
            end: LineCol::START,
            message: "V1__\x1b[2J\r.sql is odd".to_string(),
            related: vec![Related {
                path: Path::new("/p/sql/\x1b]0;x\x07").to_path_buf(),
                message: "see \x1b[31m".to_string(),
            }],
            fix: Some(Fix::RenameFile {
                new_name: "V1__\x1b.sql".to_string(),
            }),
        };
        let summary = Summary::of(std::slice::from_ref(&d), 1, 1);
        let mut text = Vec::new();
        write(
            Format::Text,
            std::slice::from_ref(&d),
            &summary,
            Path::new("/p"),
            TextStyle::default(),
            &mut text,
        )
        .unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(!text.contains(['\x1b', '\r', '\x07']), "{text:?}");
        assert!(text.starts_with("sql/V1__\\x1b[2J\\r.sql:1:1: warning[unrecognised-name] V1__\\x1b[2J\\r.sql is odd\n"), "{text}");
        assert!(
            text.contains("note: sql/\\x1b]0;x\\x07: see \\x1b[31m\n"),
            "{text}"
        );
        assert!(text.contains("fix: rename to V1__\\x1b.sql\n"), "{text}");
        let mut github = Vec::new();
        write(
            Format::Github,
            std::slice::from_ref(&d),
            &summary,
            Path::new("/p"),
            TextStyle::default(),
            &mut github,
        )
        .unwrap();
        assert!(
            !github.contains(&0x1b),
            "{}",
            String::from_utf8_lossy(&github)
        );
        // JSON keeps the name, escaped by the encoder, and stays valid.
        let mut json = Vec::new();
        write(
            Format::Json,
            std::slice::from_ref(&d),
            &summary,
            Path::new("/p"),
            TextStyle::default(),
            &mut json,
        )
        .unwrap();
        assert!(!json.contains(&0x1b));
        let value: Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["diagnostics"][0]["path"], "sql/V1__\x1b[2J\r.sql");
    }
}
