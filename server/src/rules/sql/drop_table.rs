use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "drop-table",
    category: "both",
    default_level: Level::Warning,
    summary: "DROP TABLE loses data and breaks the application version still running",
    doc: r#"## What it does
Flags `DROP TABLE` of a table that existed before this migration, in versioned migrations (undo
migrations are meant to drop things).

## Why is this bad?
The data is gone for good unless restored from a backup, and the running application fails on
every query of the table.

## Example
```sql
DROP TABLE legacy_orders;
```

## Use instead
Make sure no code uses the table, keep a backup (or rename it and drop it in a later release),
then drop it.
"#,
    convention: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        let Op::DropTable { names, .. } = op else {
            continue;
        };
        let dropped: Vec<String> = names
            .iter()
            .filter(|n| existing_table(cx, i, n))
            .map(|n| n.to_string())
            .collect();
        if dropped.is_empty() {
            continue;
        }
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "Dropping table {} deletes its data and breaks the application version still using it",
                dropped.join(", ")
            ),
        );
    }
}
