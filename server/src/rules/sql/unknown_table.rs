use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::schema::Catalog;
use crate::sql::facts::{DmlKind, Name, Op};

pub static RULE: Rule = Rule {
    id: "unknown-table",
    category: "schema",
    default_level: Level::Warning,
    summary: "Statement on a table that an earlier migration dropped or renamed away",
    doc: r#"## What it does
Replays every migration in version order and flags `ALTER TABLE`, `CREATE INDEX … ON`,
`DROP TABLE` (without `IF EXISTS`), `TRUNCATE`, `RENAME TABLE`, `INSERT`, `UPDATE` and `DELETE` on
a table that an earlier statement dropped or renamed away. The schema a migration set starts
from is unknown (a baseline, a restored dump, a Java migration, tables made by hand): a table
used without an earlier `CREATE TABLE` is taken to exist, never reported. It stays silent for
names that dynamic code (routines, `DO` blocks, `PREPARE`, calls of routines that build
statements) may have re-created, that is the names written in that code or its calls, string
literals included; after dynamic code whose names cannot be told at all and after Java
migrations, which may re-create anything; and for schema-qualified names made of placeholders.

## Why is this bad?
The migration fails: the table is no longer there when it runs, usually because the migration
was written against an old name or ordered after the one removing the table.

## Example
```sql
-- V1: CREATE TABLE users (…);
-- V2: ALTER TABLE users RENAME TO members;
ALTER TABLE users ADD COLUMN email text;   -- V3
```

## Use instead
```sql
ALTER TABLE members ADD COLUMN email text;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, index: usize, catalog: &Catalog, sink: &mut Sink) {
    if cx.is_undo() {
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
            sink.range(
                &RULE,
                cx,
                cx.clause(statement, "{}", &[&table.name]),
                format!(
                    "Table {table} does not exist at this point: an earlier migration dropped or renamed it"
                ),
            );
        }
    }
}
