use crate::config::Level;
use crate::diagnostic::TextRange;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::parse::ErrorKind;

pub static RULE: Rule = Rule {
    id: "statement-not-analysed",
    category: "sql",
    default_level: Level::Info,
    summary: "Statement no parser can judge (unresolved placeholder, MySQL version comment, MySQL the grammar cannot read)",
    doc: r#"## What it does
Says that a statement was not analysed because no parser can decide whether it is valid, so no
`syntax-error` is claimed and its effect on the schema is not read:

- a Flyway placeholder (`${name}`) with no value in the configuration stands at or before the
  point where the parser stopped: the parser judged a stand-in, not the SQL Flyway will run;
- a MySQL statement holding `/*! … */` (or MariaDB `/*M! … */`) version comments, whose text the
  server runs as part of the statement, that the MySQL grammar here cannot read, or a statement
  made only of such comments (`/*!40101 SET NAMES utf8 */;`, mysqldump's triggers);
- a MySQL or MariaDB statement that sqlparser's MySQL grammar cannot read: that grammar is not the
  server's, so its complaint (quoted in the message) may be a real syntax error or a construct it
  does not know.

A parse failure *before* the first placeholder is still a `syntax-error`: what precedes it is
the same whatever the placeholder's value.

## Why is this bad?
Nothing is wrong with the statement as far as flyway-lsp knows; the finding says where its
checks stop. Later findings about the objects this statement touches may be missing.

## Example
```sql
CREATE TABLE t (id int) ${table_options} PARTITION BY HASH (id);
```

## Use instead
```sql
CREATE TABLE t (id int) PARTITION BY HASH (id);
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
        if error.kind != ErrorKind::Undecided {
            continue;
        }
        let range = statement.range();
        sink.range(
            &RULE,
            cx,
            TextRange::new(range.start, range.start),
            format!("Statement not analysed: {}", error.message),
        );
    }
}
