use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{Name, Op};

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "drop-table",
    category: "both",
    default_level: Level::Warning,
    summary: "DROP TABLE loses data and breaks the application version still running",
    doc: r#"## What it does
Flags `DROP TABLE` of a table that existed before this migration, in versioned migrations (undo
migrations are meant to drop things).

Not flagged: `DROP TABLE IF EXISTS t` followed by `CREATE TABLE t` in the same migration (the
re-create idiom: the migration decides what the table holds), and a table that no earlier
migration created when the replayed schema is complete enough to tell (nothing of the
migrations' data is lost).

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
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    let statements: Vec<_> = cx.statements().collect();
    let same = |a: &Name, b: &Name| {
        cx.schema.folded(&a.name) == cx.schema.folded(&b.name)
            && a.schema.as_deref().map(|s| cx.schema.folded(s))
                == b.schema.as_deref().map(|s| cx.schema.folded(s))
    };
    // The replay knows the tables the migrations created, so a table it lacks was not one
    // (asked only for a DROP TABLE: it reads the whole schema).
    let replay_knows = std::cell::OnceCell::new();
    let replay_knows = || {
        *replay_knows
            .get_or_init(|| !cx.schema.is_uncertain() && cx.schema.tables().next().is_some())
    };
    for (i, (statement, op)) in statements.iter().enumerate() {
        let Op::DropTable { names, if_exists } = op else {
            continue;
        };
        let recreated = |n: &Name| {
            *if_exists
                && statements[i + 1..].iter().any(
                    |(_, later)| matches!(later, Op::CreateTable { table, .. } if same(table, n)),
                )
        };
        let dropped: Vec<&Name> = names
            .iter()
            .filter(|n| existing_table(cx, i, n))
            .filter(|n| !recreated(n))
            // No migration created it: the replay has no such table, and no dynamic code may
            // have made one.
            .filter(|n| {
                !(replay_knows()
                    && cx.schema.table(n).is_none()
                    && !cx.schema.touched_by_dynamic_sql(&n.name))
            })
            .collect();
        if dropped.is_empty() {
            continue;
        }
        // The names of the tables this finding is about.
        let range = cx.listed_names(
            statement,
            "DROP [TEMPORARY] TABLE [IF EXISTS]",
            &dropped.iter().map(|n| &*n.name).collect::<Vec<_>>(),
            false,
        );
        let dropped: Vec<String> = dropped.iter().map(|n| n.to_string()).collect();
        sink.range(
            &RULE,
            cx,
            range,
            format!(
                "Dropping table {} deletes its data and breaks the application version still using it",
                dropped.join(", ")
            ),
        );
    }
}
