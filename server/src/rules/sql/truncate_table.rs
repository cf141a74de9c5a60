use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;

pub static RULE: Rule = Rule {
    id: "truncate-table",
    category: "both",
    default_level: Level::Warning,
    summary: "TRUNCATE deletes all rows under an ACCESS EXCLUSIVE lock",
    doc: r#"## What it does
Flags `TRUNCATE` in versioned migrations.

## Why is this bad?
All rows are deleted at once, in every environment, with an ACCESS EXCLUSIVE lock (PostgreSQL) or
an implicit commit (MySQL); a migration that runs against production deletes production data.

## Example
```sql
TRUNCATE TABLE sessions;
```

## Use instead
Delete what you mean to delete with a `DELETE … WHERE …` (in batches for large tables), or clear
the table by hand where that is intended.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (statement, op) in cx.statements() {
        if let Op::Truncate { tables } = op {
            let list: Vec<String> = tables.iter().map(|n| n.to_string()).collect();
            // The tables it empties.
            let range = cx.listed_names(
                statement,
                "TRUNCATE [TABLE] [ONLY]",
                &tables.iter().map(|n| &*n.name).collect::<Vec<_>>(),
                false,
            );
            sink.range(
                &RULE,
                cx,
                range,
                format!(
                    "TRUNCATE {} deletes every row, in every environment this migration reaches",
                    list.join(", ")
                ),
            );
        }
    }
}
