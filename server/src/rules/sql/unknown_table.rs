use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::schema::Catalog;
use crate::sql::facts::{DmlKind, Name, Op};

pub static RULE: Rule = Rule {
    id: "unknown-table",
    category: "schema",
    default_level: Level::Warning,
    summary: "Statement on a table that no earlier migration creates",
    doc: r#"## What it does
Replays every migration in version order and flags `ALTER TABLE`, `CREATE INDEX … ON`,
`DROP TABLE` (without `IF EXISTS`), `TRUNCATE`, `RENAME TABLE`, `INSERT`, `UPDATE` and `DELETE` on
a table that does not exist at that point. It stays silent for names that dynamic code
(routines, `DO` blocks, `PREPARE`, calls of routines that build statements) may have created,
that is the names written in that code or its calls, string literals included; after dynamic
code whose names cannot be told at all; and for schema-qualified names made of placeholders.

## Why is this bad?
The migration fails on a fresh database (a new environment, a CI database, a developer's
machine), usually because of a typo or a migration ordered before the one creating the table.

## Example
```sql
-- V1: CREATE TABLE users (…);
ALTER TABLE user ADD COLUMN email text;   -- V2
```

## Use instead
```sql
ALTER TABLE users ADD COLUMN email text;
```
If the table comes from outside the migrations (created by hand or by a baseline), add a
`-- flyway-lsp-ignore unknown-table` comment.
"#,
    convention: None,
};

pub fn check(cx: &FileContext, index: usize, catalog: &Catalog, sink: &mut Sink) {
    if cx.is_undo() || catalog.tables().next().is_none() {
        return;
    }
    let statement = &cx.sql.statements[index];
    let referenced: Vec<&Name> = match &statement.parsed.op {
        Op::AlterTable {
            table,
            if_exists: false,
            ..
        } => vec![table],
        Op::CreateIndex { table, .. } => vec![table],
        Op::DropTable {
            names,
            if_exists: false,
        } => names.iter().collect(),
        Op::Truncate { tables } => tables.iter().collect(),
        Op::RenameTable { pairs } => pairs.iter().map(|(from, _)| from).collect(),
        Op::Dml {
            kind: DmlKind::Insert | DmlKind::Update | DmlKind::Delete,
            table: Some(t),
        } => vec![t],
        _ => return,
    };
    for table in referenced {
        if catalog.surely_missing_table(table) {
            sink.statement(
                &RULE,
                cx,
                statement,
                format!(
                    "Table {table} does not exist at this point: no earlier migration creates it"
                ),
            );
        }
    }
}
