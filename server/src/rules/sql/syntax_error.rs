use crate::config::Level;
use crate::diagnostic::TextRange;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::parse::ErrorKind;

pub static RULE: Rule = Rule {
    id: "syntax-error",
    category: "sql",
    default_level: Level::Error,
    summary: "Statement the database rejects: PostgreSQL's own grammar says so, or a string or comment is never closed",
    doc: r#"## What it does
Reports a statement that cannot be parsed, at the position where parsing failed: an unterminated
string, quoted identifier, dollar-quoted body or comment, or a token the grammar does not allow.
Only that statement is affected; the rest of the file is still checked.

PostgreSQL statements are judged by PostgreSQL's own grammar (libpg_query, the parser of
PostgreSQL 18): what it accepts is never reported, and a rejection carries PostgreSQL's message at
the token it names ("at end of input": the statement's end). For MySQL and MariaDB no parser here
is the server's grammar, so only certain errors are reported: an unterminated string, quoted
identifier or comment. A MySQL statement that sqlparser's MySQL grammar cannot read is reported by
`statement-not-analysed` (info) with sqlparser's message, never as an error; so is a statement
where no parser can decide (an unresolved placeholder where the parser stopped, MySQL `/*! … */`
version comments).

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
    tag: None,
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
