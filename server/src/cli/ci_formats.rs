//! Output formats for CI systems: GitLab Code Quality JSON, JUnit XML and a Markdown table (the
//! one the GitHub Action's step summary and pull-request comment show).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::display_path;
use super::output::{escape_control, plural, Summary};
use crate::config::Level;
use crate::diagnostic::Diagnostic;

/// GitLab's severities: blocker, critical, major, minor, info. An error fails the migration
/// (`major`, as ESLint's and Ruff's reports map errors), a warning is advice (`minor`).
fn gitlab_severity(level: Level) -> &'static str {
    match level {
        Level::Error => "major",
        Level::Warning => "minor",
        _ => "info",
    }
}

/// GitLab Code Quality report (a JSON array of issues). The fingerprint is the SHA-256 of the
/// rule, the file's shown path, the message and the finding's rank among identical ones: it
/// stays the same across runs and when lines above the finding move, so GitLab can tell new
/// findings from old ones.
pub fn to_gitlab(diagnostics: &[Diagnostic], cwd: &Path) -> Value {
    let mut seen: BTreeMap<(String, &str, &str), usize> = BTreeMap::new();
    let issues: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let path = display_path(cwd, &d.path);
            let rank = seen
                .entry((path.clone(), d.rule, d.message.as_str()))
                .or_insert(0);
            let mut hasher = Sha256::new();
            for part in [d.rule, path.as_str(), d.message.as_str(), &rank.to_string()] {
                hasher.update(part.as_bytes());
                hasher.update([0u8]);
            }
            *rank += 1;
            let fingerprint: String = hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            json!({
                "type": "issue",
                "check_name": d.rule,
                "description": d.message,
                "categories": ["Bug Risk"],
                "severity": gitlab_severity(d.level),
                "fingerprint": fingerprint,
                "location": {
                    "path": path,
                    "lines": {"begin": d.start.line, "end": d.end.line},
                },
            })
        })
        .collect();
    Value::Array(issues)
}

/// Text for XML character data and attribute values: control characters become visible escapes
/// first (most are not allowed in XML 1.0 at all), then the five markup characters entities.
fn xml(text: &str) -> String {
    let text = escape_control(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Noncharacters are not XML characters either.
            '\u{fffe}' | '\u{ffff}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML, one test suite per file with findings (GitLab and Jenkins list suites by name, so a
/// file's findings stay together), one test case per finding: errors and warnings fail it (as they
/// fail the check), infos and hints are passing cases with the finding as their output. A check
/// without findings is one passing case, so the report is never empty.
pub fn write_junit(
    diagnostics: &[Diagnostic],
    summary: &Summary,
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut by_file: BTreeMap<String, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diagnostics {
        by_file
            .entry(display_path(cwd, &d.path))
            .or_default()
            .push(d);
    }
    let fails = |d: &Diagnostic| matches!(d.level, Level::Error | Level::Warning);
    let failures = diagnostics.iter().filter(|d| fails(d)).count();
    let tests = diagnostics.len().max(1);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="flyway-lsp" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    if diagnostics.is_empty() {
        writeln!(
            out,
            r#"  <testsuite name="flyway-lsp" tests="1" failures="0" errors="0" skipped="0">"#
        )?;
        writeln!(
            out,
            r#"    <testcase name="{}" classname="flyway-lsp"/>"#,
            xml(&format!(
                "{} in {} checked",
                plural(summary.files, "file"),
                plural(summary.projects, "migration set")
            ))
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    for (path, found) in &by_file {
        let failed = found.iter().filter(|d| fails(d)).count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failed}" errors="0" skipped="0">"#,
            xml(path),
            found.len()
        )?;
        for d in found {
            let line = format!(
                "{path}:{}:{}: {}[{}] {}",
                d.start.line,
                d.start.column,
                d.level.name(),
                d.rule,
                d.message
            );
            writeln!(
                out,
                r#"    <testcase name="{} at {}:{}" classname="{}" file="{}" line="{}">"#,
                xml(d.rule),
                d.start.line,
                d.start.column,
                xml(path),
                xml(path),
                d.start.line
            )?;
            if fails(d) {
                writeln!(
                    out,
                    r#"      <failure type="{}" message="{}">{}</failure>"#,
                    d.level.name(),
                    xml(&d.message),
                    xml(&line)
                )?;
            } else {
                writeln!(out, "      <system-out>{}</system-out>", xml(&line))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Text for a Markdown table cell: nothing in it can end the cell or the row, open HTML, a link
/// or emphasis, or mention a GitHub user or team.
fn md(text: &str) -> String {
    let text = escape_control(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '@' => out.push_str("&#64;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '#' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A code span (a rule id, a path), or escaped text when it holds a backtick; a `|` would end
/// the table cell even inside a code span, so it is escaped there as GitHub's tables allow.
fn md_code(text: &str) -> String {
    let text = escape_control(text);
    if text.contains('`') || text.contains('\\') {
        return md(&text);
    }
    format!("`{}`", text.replace('|', "\\|"))
}

/// The headline of the Markdown report: the counts, as the text format's closing line says them.
pub fn headline(summary: &Summary, shown: usize) -> String {
    let checked = format!(
        "{} in {} checked",
        plural(summary.files, "file"),
        plural(summary.projects, "migration set")
    );
    if shown == 0 {
        return format!("No problems found ({checked}).");
    }
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
    format!("Found {} ({checked}).", parts.join(", "))
}

/// A Markdown report: a heading with the counts and a table of the findings (level, rule,
/// place, message). The GitHub Action writes it to the step summary and the pull-request comment.
pub fn write_markdown(
    diagnostics: &[Diagnostic],
    summary: &Summary,
    cwd: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(out, "### flyway-lsp")?;
    writeln!(out)?;
    writeln!(out, "{}", headline(summary, diagnostics.len()))?;
    if diagnostics.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "| Level | Rule | File | Line | Message |")?;
    writeln!(out, "| --- | --- | --- | ---: | --- |")?;
    for d in diagnostics {
        let icon = match d.level {
            Level::Error => "❌",
            Level::Warning => "⚠️",
            _ => "ℹ️",
        };
        writeln!(
            out,
            "| {icon} {} | {} | {} | {}:{} | {} |",
            d.level.name(),
            md_code(d.rule),
            md_code(&display_path(cwd, &d.path)),
            d.start.line,
            d.start.column,
            md(&d.message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_controls() {
        assert_eq!(xml(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(xml("a\x1b]0;\x07\u{fffe}"), "a\\x1b]0;\\x07\\u{fffe}");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md("a|b"), "a&#124;b");
        assert_eq!(md("x\ny"), "x\\\\ny");
        assert_eq!(md("@team [l](u) <img>"), "&#64;team \\[l\\](u) &lt;img&gt;");
        assert_eq!(md("V1__a_b.sql `x`"), "V1\\_\\_a\\_b.sql \\`x\\`");
        assert_eq!(md_code("db/V1__a|b.sql"), "`db/V1__a\\|b.sql`");
        assert_eq!(md_code("a`b"), "a\\`b");
    }
}
