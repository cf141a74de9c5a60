//! Mechanical text fixes for SQL findings, computed from the statement's tokens: what the
//! language server offers as quick fixes. Engine-side, so the edits are testable without LSP.

use crate::diagnostic::{Diagnostic, TextRange};
use crate::sql::analysis::{SqlFile, Statement};
use crate::sql::lexer::Token;

/// One quick fix: a title and the text edits that make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFix {
    pub title: String,
    pub edits: Vec<(TextRange, String)>,
}

fn statement_at(sql: &SqlFile, offset: usize) -> Option<&Statement> {
    sql.statements
        .iter()
        .find(|s| s.range().start <= offset && offset <= s.range().end)
}

fn words(sql: &SqlFile, text: &str, statement: &Statement) -> Vec<Token> {
    sql.statement_tokens(text, statement)
        .into_iter()
        .filter(|t| !t.is_trivia())
        .collect()
}

fn insert_after(t: &Token, text: &str) -> (TextRange, String) {
    (TextRange::new(t.end, t.end), text.to_string())
}

/// The quick fixes for a diagnostic on an analysed script.
pub fn text_fixes(d: &Diagnostic, sql: &SqlFile, text: &str) -> Vec<TextFix> {
    let Some(statement) = statement_at(sql, d.range.start) else {
        return Vec::new();
    };
    let tokens = words(sql, text, statement);
    let find = |keyword: &str| tokens.iter().position(|t| t.is_keyword(text, keyword));
    let mut fixes = Vec::new();
    match d.rule {
        "require-concurrent-index" | "require-concurrent-index-drop" => {
            if let Some(i) = find("INDEX") {
                fixes.push(TextFix {
                    title: "Add CONCURRENTLY (keep this statement alone in its migration: it cannot run in a transaction)".into(),
                    edits: vec![insert_after(&tokens[i], " CONCURRENTLY")],
                });
            }
        }
        "require-if-not-exists" => {
            let anchor = find("CONCURRENTLY")
                .or_else(|| find("INDEX"))
                .or_else(|| find("TABLE"));
            if let Some(i) = anchor {
                fixes.push(TextFix {
                    title: "Add IF NOT EXISTS".into(),
                    edits: vec![insert_after(&tokens[i], " IF NOT EXISTS")],
                });
            }
        }
        "undo-drop-without-if-exists" => {
            let edits: Vec<(TextRange, String)> = tokens
                .windows(2)
                .filter(|w| w[0].is_keyword(text, "DROP"))
                .filter(|w| {
                    [
                        "TABLE",
                        "INDEX",
                        "VIEW",
                        "COLUMN",
                        "CONSTRAINT",
                        "SCHEMA",
                        "SEQUENCE",
                        "TYPE",
                    ]
                    .iter()
                    .any(|k| w[1].is_keyword(text, k))
                })
                .map(|w| insert_after(&w[1], " IF EXISTS"))
                .collect();
            if !edits.is_empty() {
                fixes.push(TextFix {
                    title: "Add IF EXISTS".into(),
                    edits,
                });
            }
        }
        "prefer-timestamptz" => {
            let edits: Vec<(TextRange, String)> = tokens
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    t.is_keyword(text, "TIMESTAMP")
                        && !tokens
                            .get(i + 1)
                            .is_some_and(|n| n.is_keyword(text, "WITH"))
                })
                .map(|(_, t)| (TextRange::new(t.start, t.end), "timestamptz".to_string()))
                .collect();
            if !edits.is_empty() {
                fixes.push(TextFix {
                    title: "Use TIMESTAMPTZ".into(),
                    edits,
                });
            }
        }
        "mysql-online-ddl" => {
            if let Some(last) = tokens.last() {
                let clause = if find("ALTER").is_some() {
                    ", ALGORITHM=INPLACE, LOCK=NONE"
                } else {
                    " ALGORITHM=INPLACE LOCK=NONE"
                };
                fixes.push(TextFix {
                    title: format!("Add{}", clause.trim_start_matches(',')),
                    edits: vec![insert_after(last, clause)],
                });
            }
        }
        _ => {}
    }
    fixes
}

/// The suppression comment fixes every SQL finding gets: for its statement, and for the file.
pub fn suppression_fixes(d: &Diagnostic, text: &str) -> Vec<TextFix> {
    let line_start = text[..d.range.start.min(text.len())]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i + 1);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let file_level = d.range.start <= bom || line_start <= bom;
    let mut fixes = Vec::new();
    if !file_level {
        fixes.push(TextFix {
            title: format!("Ignore {} for this statement", d.rule),
            edits: vec![(
                TextRange::new(line_start, line_start),
                format!("{indent}-- flyway-lsp-ignore {}\n", d.rule),
            )],
        });
    }
    fixes.push(TextFix {
        title: format!("Ignore {} in this file", d.rule),
        edits: vec![(
            TextRange::new(bom, bom),
            format!("-- flyway-lsp-ignore-file {}\n", d.rule),
        )],
    });
    fixes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Level;
    use crate::diagnostic::LineCol;
    use crate::sql::analysis::analyze;
    use crate::sql::Dialect;

    fn diag(rule: &'static str, start: usize) -> Diagnostic {
        Diagnostic {
            rule,
            level: Level::Warning,
            path: "V2__x.sql".into(),
            range: TextRange::new(start, start + 1),
            start: LineCol::START,
            end: LineCol::START,
            message: String::new(),
            related: Vec::new(),
            fix: None,
        }
    }

    fn apply(text: &str, fix: &TextFix) -> String {
        let mut out = text.to_string();
        let mut edits = fix.edits.clone();
        edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
        for (range, new) in edits {
            out.replace_range(range.start..range.end, &new);
        }
        out
    }

    #[test]
    fn fixes_produce_the_safe_statement() {
        let text = "SET lock_timeout = '1s';\n  CREATE INDEX i ON t (a);";
        let sql = analyze(text, Dialect::Postgres, None);
        let d = diag("require-concurrent-index", text.find("CREATE").unwrap());
        let fixes = text_fixes(&d, &sql, text);
        assert_eq!(
            apply(text, &fixes[0]),
            "SET lock_timeout = '1s';\n  CREATE INDEX CONCURRENTLY i ON t (a);"
        );
        let suppress = suppression_fixes(&d, text);
        assert_eq!(
            apply(text, &suppress[0]),
            "SET lock_timeout = '1s';\n  -- flyway-lsp-ignore require-concurrent-index\n  CREATE INDEX i ON t (a);"
        );
        assert!(apply(text, &suppress[1])
            .starts_with("-- flyway-lsp-ignore-file require-concurrent-index\nSET"));

        let text = "DROP TABLE a;\nALTER TABLE b DROP COLUMN c;";
        let sql = analyze(text, Dialect::Postgres, None);
        let fix = &text_fixes(&diag("undo-drop-without-if-exists", 0), &sql, text)[0];
        assert_eq!(
            apply(text, fix),
            "DROP TABLE IF EXISTS a;\nALTER TABLE b DROP COLUMN c;"
        );

        let text = "CREATE TABLE t (a timestamp, b timestamp with time zone)";
        let sql = analyze(text, Dialect::Postgres, None);
        let fix = &text_fixes(&diag("prefer-timestamptz", 0), &sql, text)[0];
        assert_eq!(
            apply(text, fix),
            "CREATE TABLE t (a timestamptz, b timestamp with time zone)"
        );
        let fix = &text_fixes(&diag("require-if-not-exists", 0), &sql, text)[0];
        assert!(apply(text, fix).starts_with("CREATE TABLE IF NOT EXISTS t"));

        let text = "ALTER TABLE t ADD COLUMN x INT";
        let sql = analyze(text, Dialect::MySql, None);
        let fix = &text_fixes(&diag("mysql-online-ddl", 0), &sql, text)[0];
        assert_eq!(
            apply(text, fix),
            "ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE"
        );
    }
}
