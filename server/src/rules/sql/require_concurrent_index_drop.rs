use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "require-concurrent-index-drop",
    category: "postgres",
    default_level: Level::Warning,
    summary: "DROP INDEX without CONCURRENTLY takes an exclusive lock on the table (PostgreSQL)",
    doc: r#"## What it does
Flags `DROP INDEX` without `CONCURRENTLY`, unless the index was created earlier in the same
migration.

## Why is this bad?
A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table: reads and writes wait,
and so does everything queued behind them while it waits for running queries.

## Example
```sql
DROP INDEX orders_user_id_idx;
```

## Use instead
```sql
DROP INDEX CONCURRENTLY IF EXISTS orders_user_id_idx;
```
in a migration of its own (it cannot run in a transaction).
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        let Op::DropIndex {
            names,
            concurrently: false,
            ..
        } = op
        else {
            continue;
        };
        let created_here = cx.sql.statements[..i].iter().any(
            |s| matches!(&s.parsed.op, Op::CreateIndex { name: Some(n), .. } if names.contains(n)),
        );
        if !created_here {
            let list: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            // `DROP INDEX` (where CONCURRENTLY goes) up to the last index it drops.
            let range = cx.listed_names(
                statement,
                "DROP INDEX [IF EXISTS]",
                &names.iter().map(|n| &*n.name).collect::<Vec<_>>(),
                true,
            );
            sink.range(
                &RULE,
                cx,
                range,
                format!(
                    "DROP INDEX {} without CONCURRENTLY locks the table against reads and writes; use DROP INDEX CONCURRENTLY in a migration of its own",
                    list.join(", ")
                ),
            );
        }
    }
}
