use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;

pub static RULE: Rule = Rule {
    id: "drop-database",
    category: "both",
    default_level: Level::Error,
    summary: "DROP DATABASE / DROP SCHEMA in a migration",
    doc: r#"## What it does
Flags `DROP DATABASE` and `DROP SCHEMA` in versioned migrations.

## Why is this bad?
Every object and row in it is deleted, in every environment the migration reaches, including
production. It is almost never what a migration should do.

## Example
```sql
DROP SCHEMA reporting CASCADE;
```

## Use instead
Drop the objects you mean to drop one by one, after taking a backup, or do it by hand outside
the migration history.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (statement, op) in cx.statements() {
        if let Op::DropSchema { names, .. } = op {
            let list: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            sink.statement(
                &RULE,
                cx,
                statement,
                format!(
                    "Dropping database/schema {} deletes everything in it, in every environment this migration reaches",
                    list.join(", ")
                ),
            );
        }
    }
}
