use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, Op};
use crate::sql::server::Flavor;

pub static RULE: Rule = Rule {
    id: "undo-drop-without-if-exists",
    category: "undo",
    default_level: Level::Error,
    summary: "DROP in an undo migration without IF EXISTS",
    doc: r#"## What it does
Flags `DROP TABLE`, `DROP INDEX`, `DROP VIEW`, `ALTER TABLE … DROP COLUMN` / `DROP CONSTRAINT`
and other drops without `IF EXISTS` in undo (`U…`) migrations.

## Why is this bad?
Undo scripts run when something already went wrong: the versioned migration may have failed half
way, so some of its objects do not exist. A drop without `IF EXISTS` then fails, and the rollback
stops half done. Pipelines that enforce this reject the file.

## Example
```sql
DROP TABLE lender;
```

## Use instead
```sql
DROP TABLE IF EXISTS lender;
```
MySQL has no `IF EXISTS` for `DROP INDEX`, `DROP COLUMN` or `DROP CONSTRAINT` (MariaDB has):
there, those drops are not flagged, since the advice cannot be followed.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if !cx.is_undo() {
        return;
    }
    // MySQL (not MariaDB) has no IF EXISTS for these: nothing to advise.
    let guardable = cx.server.flavor != Flavor::MySql;
    for (statement, op) in cx.statements() {
        let missing: Vec<String> = match op {
            Op::DropTable {
                names,
                if_exists: false,
            } => vec![format!("DROP TABLE {}", join(names))],
            Op::DropView {
                names,
                if_exists: false,
            } => vec![format!("DROP VIEW {}", join(names))],
            Op::DropIndex {
                names,
                if_exists: false,
                ..
            } if guardable => vec![format!("DROP INDEX {}", join(names))],
            Op::DropSchema {
                names,
                if_exists: false,
            } => vec![format!("DROP SCHEMA {}", join(names))],
            Op::DropOther {
                object,
                names,
                if_exists: false,
            } => vec![format!("DROP {object} {}", join(names))],
            Op::AlterTable { actions, .. } => actions
                .iter()
                .filter_map(|a| match a {
                    AlterAction::DropColumn {
                        names,
                        if_exists: false,
                    } if guardable => Some(format!("DROP COLUMN {}", names.join(", "))),
                    AlterAction::DropConstraint {
                        name,
                        if_exists: false,
                    } if guardable => Some(format!("DROP CONSTRAINT {name}")),
                    AlterAction::DropIndex { name } if guardable => {
                        Some(format!("DROP INDEX {name}"))
                    }
                    _ => None,
                })
                .collect(),
            _ => continue,
        };
        for what in missing {
            sink.statement(
                &RULE,
                cx,
                statement,
                format!("{what} in an undo migration needs IF EXISTS, so the undo still works when the versioned migration only partly ran"),
            );
        }
    }
}

fn join(names: &[crate::sql::facts::Name]) -> String {
    names
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
