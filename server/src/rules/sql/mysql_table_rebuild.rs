use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, ConstraintKind, Op};
use crate::sql::Dialect;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "mysql-table-rebuild",
    category: "mysql",
    default_level: Level::Warning,
    summary: "ALTER TABLE that rebuilds the whole table (engine, partitioning, STORED generated or AUTO_INCREMENT column, primary key) on MySQL",
    doc: r#"## What it does
Flags `ALTER TABLE` on an existing table that makes MySQL/MariaDB rebuild the table and every
index of it:
- `ENGINE=…` (a copy with writes blocked when the engine changes; a rebuild of the same engine
  otherwise),
- `PARTITION BY` and `REMOVE PARTITIONING` (a copy with writes blocked), `REORGANIZE PARTITION`
  and `COALESCE PARTITION` (the partitions' rows are rewritten, writes blocked),
- `ADD COLUMN … AS (…) STORED` / `PERSISTENT` (a copy with writes blocked; a `VIRTUAL` column is
  not flagged),
- `ADD COLUMN … AUTO_INCREMENT` (an in-place rebuild with writes blocked),
- `ADD PRIMARY KEY`, with or without `DROP PRIMARY KEY` (the clustered index is the table: an
  in-place rebuild of all rows and every secondary index).

Dropping the primary key without adding one is a copy, flagged by `mysql-copy-algorithm`.
Tables created earlier in the same migration are not flagged: they are empty.

## Why is this bad?
A rebuild rewrites every row and every index: hours on a large table, twice its disk space, and
replicas lag behind while they replay it. Where the MySQL online DDL tables say "Permits
Concurrent DML: No" the table is read-only (or locked) for all that time. Bytebase's and Atlas's
MySQL lint rules flag table rebuilds for the same reason; gh-ost and pt-online-schema-change run
them on a shadow table instead.

## Example
```sql
ALTER TABLE lender ADD COLUMN total DECIMAL(12, 2) AS (amount + fee) STORED;
```

## Use instead
A `VIRTUAL` generated column (computed on read, INSTANT to add), or run the change with gh-ost /
pt-online-schema-change on a large table, in a maintenance window otherwise.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::MySql || cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        let Op::AlterTable { table, actions, .. } = op else {
            continue;
        };
        if !existing_table(cx, i, table) {
            continue;
        }
        let words = super::statement_words(cx, statement);
        let has = |pair: [&str; 2]| words.windows(2).any(|w| w[0] == pair[0] && w[1] == pair[1]);
        let mut reasons = Vec::new();
        // The clauses that force the rebuild, which the finding underlines.
        let mut parts = Vec::new();
        if let Some(engine) = super::table_option(cx, statement, "ENGINE") {
            parts.push(cx.find_clause(statement, "ENGINE [=] {}|ENGINE", &[engine.as_str()]));
            reasons.push(format!(
                "ENGINE={engine} rebuilds it (by a copy with writes blocked if the engine changes)"
            ));
        }
        if has(["PARTITION", "BY"]) {
            parts.push(cx.find_clause(statement, "PARTITION BY …", &[]));
            reasons.push("PARTITION BY copies every row with writes blocked".to_string());
        }
        if has(["REMOVE", "PARTITIONING"]) {
            parts.push(cx.find_clause(statement, "REMOVE PARTITIONING", &[]));
            reasons.push("REMOVE PARTITIONING copies every row with writes blocked".to_string());
        }
        for verb in ["REORGANIZE", "COALESCE"] {
            if has([verb, "PARTITION"]) {
                parts.push(cx.find_clause(statement, &format!("{verb} PARTITION …"), &[]));
                reasons.push(format!(
                    "{verb} PARTITION rewrites the partitions' rows with writes blocked"
                ));
            }
        }
        let stored = words.iter().any(|w| w == "STORED" || w == "PERSISTENT");
        let auto_increment = words.iter().any(|w| w == "AUTO_INCREMENT");
        for action in actions.iter() {
            let before = reasons.len();
            match action {
                AlterAction::AddColumn { column, .. } if column.generated => {
                    if auto_increment || column.data_type == "SERIAL" {
                        reasons.push(format!(
                            "adding AUTO_INCREMENT column {} rebuilds it with writes blocked",
                            column.name
                        ));
                    } else if stored {
                        reasons.push(format!(
                            "adding STORED generated column {} copies it with writes blocked",
                            column.name
                        ));
                    }
                    if column.primary_key {
                        reasons.push(format!(
                            "making {} the primary key rebuilds the clustered index",
                            column.name
                        ));
                    }
                }
                AlterAction::AddColumn { column, .. } if column.primary_key => {
                    reasons.push(format!(
                        "making {} the primary key rebuilds the clustered index",
                        column.name
                    ));
                }
                AlterAction::AddConstraint { constraint, .. }
                    if constraint.kind == ConstraintKind::PrimaryKey =>
                {
                    reasons.push(format!(
                        "a new primary key ({}) rebuilds the clustered index and every secondary index",
                        constraint.columns.join(", ")
                    ));
                }
                _ => {}
            }
            if reasons.len() > before {
                parts.push(cx.find_action(statement, action));
            }
        }
        if reasons.is_empty() {
            continue;
        }
        let range = cx.span(statement, parts);
        sink.range(
            &RULE,
            cx,
            range,
            format!(
                "This rebuilds table {table} and all its indexes on {}: {}. On a large table use gh-ost or pt-online-schema-change, or a maintenance window",
                cx.server,
                reasons.join("; ")
            ),
        );
    }
}
