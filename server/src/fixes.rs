//! Mechanical text fixes for SQL findings, computed from the statement's tokens: what the
//! language server offers as quick fixes. Engine-side, so the edits are testable without LSP.

use crate::diagnostic::{Diagnostic, TextRange};
use crate::sql::analysis::{SqlFile, Statement};
use crate::sql::facts::Op;
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
            // In place only when the statement is alone in its script: PostgreSQL refuses
            // CONCURRENTLY inside a transaction, and Flyway refuses a script that mixes it with
            // statements that need one (the move to a migration of its own is an action of
            // `actions.rs`, which knows the project).
            if sql.statements.len() != 1 {
                return fixes;
            }
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
            // `timestamp`, `timestamp(3)` and either with `WITHOUT TIME ZONE` become
            // `timestamptz` (with the precision kept); `… WITH TIME ZONE` is already right.
            let mut edits = Vec::new();
            for (i, t) in tokens.iter().enumerate() {
                if !t.is_keyword(text, "TIMESTAMP") {
                    continue;
                }
                let mut j = i + 1;
                if tokens.get(j).is_some_and(|n| n.text(text) == "(") {
                    match tokens[j..].iter().position(|n| n.text(text) == ")") {
                        Some(close) => j += close + 1,
                        None => continue,
                    }
                }
                let at = |k: usize, keyword: &str| {
                    tokens.get(k).is_some_and(|n| n.is_keyword(text, keyword))
                };
                if at(j, "WITH") {
                    continue;
                }
                edits.push((TextRange::new(t.start, t.end), "timestamptz".to_string()));
                if at(j, "WITHOUT") && at(j + 1, "TIME") && at(j + 2, "ZONE") {
                    edits.push((
                        TextRange::new(tokens[j - 1].end, tokens[j + 2].end),
                        String::new(),
                    ));
                }
            }
            if !edits.is_empty() {
                fixes.push(TextFix {
                    title: "Use TIMESTAMPTZ".into(),
                    edits,
                });
            }
        }
        "require-lock-timeout" => {
            // Before the script's first statement, at the start of its line (after any header
            // comments and a byte-order mark): the rule asks for a bound before the first
            // lock-taking statement.
            if let Some(first) = sql.statements.first() {
                let start = first.range().start.min(text.len());
                let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
                let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
                let at = line_start.max(bom);
                fixes.push(TextFix {
                    title: format!("Start the migration with {LOCK_TIMEOUT}"),
                    edits: vec![(TextRange::new(at, at), format!("{LOCK_TIMEOUT}\n"))],
                });
            }
        }
        "mysql-online-ddl" => {
            if !inplace_without_lock(&statement.parsed.op)
                || find("FULLTEXT").is_some()
                || find("SPATIAL").is_some()
            {
                return fixes;
            }
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

/// The bound the `require-lock-timeout` fix starts a migration with (the rule's own example).
pub const LOCK_TIMEOUT: &str = "SET lock_timeout = '5s';";

/// Whether MariaDB / MySQL InnoDB can run this statement with `ALGORITHM=INPLACE, LOCK=NONE`
/// whatever the table holds, so the fix that adds the clause never turns a working migration into
/// one the server refuses (MariaDB's "InnoDB Online DDL Operations" pages): adding columns
/// (not auto-increment, generated, key, unique or referencing ones, nor with options these facts
/// do not keep), setting and dropping defaults, adding and dropping plain or unique secondary
/// indexes, dropping foreign keys. Changing a column's type or nullability, dropping a column (it
/// may be part of the primary key), primary keys, foreign keys, CHECK constraints, character set
/// conversions and anything unmodelled can need a table COPY or a lock, so no clause is offered
/// for them; nor when the statement already names an algorithm or lock (`tests/e2e/fix_proof.rs`
/// runs each kind on MariaDB).
pub fn inplace_without_lock(op: &Op) -> bool {
    use crate::sql::facts::{AlterAction as A, ConstraintKind as K};
    let action_ok = |a: &A| match a {
        A::AddColumn { column, .. } => {
            !column.generated
                && !column.primary_key
                && column.references.is_none()
                && !column.unique
                && !column.unmodelled_options
        }
        A::SetDefault { .. }
        | A::DropDefault { .. }
        | A::DropIndex { .. }
        | A::DropForeignKey { .. } => true,
        A::AddConstraint { constraint, .. } => {
            matches!(constraint.kind, K::Unique | K::Index) && !constraint.using_index
        }
        _ => false,
    };
    match op {
        Op::AlterTable { actions, .. } => !actions.is_empty() && actions.iter().all(action_ok),
        Op::CreateIndex { options, .. } | Op::DropIndex { options, .. } => options.is_none(),
        _ => false,
    }
}

/// The suppression comment fixes every SQL finding gets: for its statement (above the line
/// the statement starts on, found in `sql` when given: a finding may underline a later line of
/// it), and for the file.
pub fn suppression_fixes(d: &Diagnostic, sql: Option<&SqlFile>, text: &str) -> Vec<TextFix> {
    let at = sql
        .and_then(|sql| statement_at(sql, d.range.start))
        .map_or(d.range.start, |s| s.range().start.min(d.range.start));
    let line_start = text[..at.min(text.len())]
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
        // CONCURRENTLY in place only for a statement alone in its script.
        let alone = "-- an index\n  CREATE INDEX i ON t (a);";
        let sql = analyze(alone, Dialect::Postgres, None);
        let d = diag("require-concurrent-index", alone.find("CREATE").unwrap());
        assert_eq!(
            apply(alone, &text_fixes(&d, &sql, alone)[0]),
            "-- an index\n  CREATE INDEX CONCURRENTLY i ON t (a);"
        );
        let text = "SET lock_timeout = '1s';\n  CREATE INDEX i ON t (a);";
        let sql = analyze(text, Dialect::Postgres, None);
        let d = diag("require-concurrent-index", text.find("CREATE").unwrap());
        assert_eq!(text_fixes(&d, &sql, text), Vec::new());
        let suppress = suppression_fixes(&d, Some(&sql), text);
        assert_eq!(
            apply(text, &suppress[0]),
            "SET lock_timeout = '1s';\n  -- flyway-lsp-ignore require-concurrent-index\n  CREATE INDEX i ON t (a);"
        );
        assert!(apply(text, &suppress[1])
            .starts_with("-- flyway-lsp-ignore-file require-concurrent-index\nSET"));
        // A finding on a later line of its statement (its clause): the comment goes above the
        // statement, never into it.
        let text = "SELECT 1;\nALTER TABLE t ADD a int DEFAULT 'x\ny',\n  DROP COLUMN b;";
        let sql = analyze(text, Dialect::Postgres, None);
        let d = diag("drop-column", text.find("DROP").unwrap());
        assert_eq!(
            apply(text, &suppression_fixes(&d, Some(&sql), text)[0]),
            "SELECT 1;\n-- flyway-lsp-ignore drop-column\nALTER TABLE t ADD a int DEFAULT 'x\ny',\n  DROP COLUMN b;"
        );

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
        let text = "ALTER TABLE t ALTER COLUMN a TYPE TIMESTAMP without time zone, ALTER COLUMN b TYPE timestamp(3) WITHOUT TIME ZONE, ADD c timestamp (6) with time zone";
        let sql = analyze(text, Dialect::Postgres, None);
        let fixed = &text_fixes(&diag("prefer-timestamptz", 0), &sql, text)[0];
        assert_eq!(
            apply(text, fixed),
            "ALTER TABLE t ALTER COLUMN a TYPE timestamptz, ALTER COLUMN b TYPE timestamptz(3), ADD c timestamp (6) with time zone"
        );
        let text = "CREATE TABLE t (a timestamp, b timestamp with time zone)";
        let sql = analyze(text, Dialect::Postgres, None);
        let fix = &text_fixes(&diag("require-if-not-exists", 0), &sql, text)[0];
        assert!(apply(text, fix).starts_with("CREATE TABLE IF NOT EXISTS t"));

        let text = "ALTER TABLE t ADD COLUMN x INT";
        let sql = analyze(text, Dialect::MySql, None);
        let fix = &text_fixes(&diag("mysql-online-ddl", 0), &sql, text)[0];
        assert_eq!(
            apply(text, fix),
            "ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE"
        );
        // Operations InnoDB can only COPY (or lock for), and statements that already name an
        // algorithm, get no clause.
        for text in [
            "ALTER TABLE t MODIFY a BIGINT",
            "ALTER TABLE t ADD PRIMARY KEY (a)",
            "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)",
            "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
            "ALTER TABLE t ADD COLUMN x INT, ALGORITHM=COPY",
            "ALTER TABLE t ADD COLUMN id2 INT AUTO_INCREMENT",
            "CREATE FULLTEXT INDEX f ON t (b)",
        ] {
            let sql = analyze(text, Dialect::MySql, None);
            assert_eq!(
                text_fixes(&diag("mysql-online-ddl", 0), &sql, text),
                Vec::new(),
                "{text}"
            );
        }

        // The lock timeout goes before the first statement, after the header comments.
        let text = "\u{feff}-- orders\nALTER TABLE o ADD COLUMN n text;\nDROP TABLE x;";
        let sql = analyze(text, Dialect::Postgres, None);
        let d = diag("require-lock-timeout", text.find("DROP").unwrap());
        assert_eq!(
            apply(text, &text_fixes(&d, &sql, text)[0]),
            "\u{feff}-- orders\nSET lock_timeout = '5s';\nALTER TABLE o ADD COLUMN n text;\nDROP TABLE x;"
        );
    }
}
