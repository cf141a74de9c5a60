use crate::config::Level;
use crate::diagnostic::TextRange;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::parse::ErrorKind;

pub static RULE: Rule = Rule {
    id: "syntax-error",
    category: "sql",
    default_level: Level::Error,
    summary: "Statement that does not parse (unterminated string, misspelled key word, …)",
    doc: r#"## What it does
Reports a statement that cannot be parsed, at the position where parsing failed: an unterminated
string, quoted identifier, dollar-quoted body or comment, or a token the grammar does not allow.
Only that statement is affected; the rest of the file is still checked.

PostgreSQL statements are judged by PostgreSQL's own grammar (libpg_query, the parser of
PostgreSQL 18): what it accepts is never reported, and a rejection carries PostgreSQL's message at the token it names ("at end of
input": the statement's end). MySQL statements are parsed with sqlparser's MySQL grammar;
valid constructs it does not know (MySQL procedures, multi-table `UPDATE`, `ADD COLUMN (a INT,
b INT)`, `PREPARE … FROM @sql`, …) are recognised and never reported; the list is in
`server/src/sql/parse.rs`. Where no parser can decide (an unresolved placeholder where the
parser stopped, MySQL `/*! … */` version comments) the statement is reported by
`statement-not-analysed` (info) instead.

## Why is this bad?
The migration fails at deploy time, after every earlier migration has been applied. With MySQL
the statements before the bad one have already been committed.

## Example
```sql
ALTER TABLE users ADD COLUMN email text DEFALT '';
```

## Use instead
```sql
ALTER TABLE users ADD COLUMN email text DEFAULT '';
```
"#,
    convention: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    for statement in &cx.sql.statements {
        let Some(error) = &statement.parsed.error else {
            continue;
        };
        if error.kind != ErrorKind::Rejected {
            continue;
        }
        // Underline the offending token.
        let end = cx
            .sql
            .statement_tokens(cx.text, statement)
            .iter()
            .find(|t| t.start <= error.offset && error.offset < t.end)
            .map_or(error.offset, |t| t.end.min(t.start + 200));
        sink.range(
            &RULE,
            cx,
            TextRange::new(error.offset, end.max(error.offset)),
            format!("Syntax error ({}): {}", cx.server, error.message),
        );
    }
}
