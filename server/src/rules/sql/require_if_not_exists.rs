use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::server::Flavor;

pub static RULE: Rule = Rule {
    id: "require-if-not-exists",
    category: "both",
    default_level: Level::Off,
    summary: "CREATE TABLE / CREATE INDEX without IF NOT EXISTS (for teams that require idempotent scripts)",
    doc: r#"## What it does
For teams that require re-runnable scripts (enable with `[rules] require-if-not-exists =
"warning"`), flags `CREATE TABLE` and `CREATE INDEX` without `IF NOT EXISTS` (MySQL has no
`CREATE INDEX IF NOT EXISTS`, so only tables are checked there; MariaDB has both).

## Why is this bad?
A migration that failed half way (always possible on MySQL, where DDL commits) cannot simply be
rerun: the objects it already created make it fail again.

## Example
```sql
CREATE TABLE users (id bigint PRIMARY KEY);
```

## Use instead
```sql
CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);
```
On PostgreSQL, `CREATE INDEX CONCURRENTLY IF NOT EXISTS` is the exception: a failed concurrent
build leaves an INVALID index of the name, and the retry keeps it without building it (see
`require-concurrent-index`).
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    for (statement, op) in cx.statements() {
        // What it says, and where: the statement up to the name it creates.
        let (what, range) = match op {
            Op::CreateTable {
                table,
                if_not_exists: false,
                ..
            } => (
                format!("CREATE TABLE {table}"),
                cx.clause(statement, "CREATE … TABLE {}", &[&table.name]),
            ),
            Op::CreateIndex {
                name,
                if_not_exists: false,
                ..
            } if cx.server.flavor != Flavor::MySql => match name {
                Some(name) => (
                    format!("CREATE INDEX {name}"),
                    cx.clause(statement, "CREATE … INDEX … {}", &[&name.name]),
                ),
                None => (
                    "CREATE INDEX".to_string(),
                    cx.clause(statement, "CREATE … INDEX", &[]),
                ),
            },
            _ => continue,
        };
        sink.range(
            &RULE,
            cx,
            range,
            format!("{what} without IF NOT EXISTS fails if the migration is rerun after a partial failure; add IF NOT EXISTS"),
        );
    }
}
