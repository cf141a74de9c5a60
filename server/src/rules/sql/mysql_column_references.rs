use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, Op};
use crate::sql::server::Flavor;
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "mysql-column-references",
    category: "mysql",
    default_level: Level::Warning,
    summary: "Column-level REFERENCES, which MySQL before 9.0 and MariaDB before 10.5 ignore (no foreign key is created)",
    doc: r#"## What it does
Flags a `REFERENCES` clause written in a column's definition (`CREATE TABLE`, `ADD COLUMN`,
`MODIFY`, `CHANGE`) when the target is MySQL before 9.0 or MariaDB before 10.5, as set by
`server-version` (the defaults, MySQL 8.0 and MariaDB 10.11, are: MySQL flagged, MariaDB not).

## Why is this bad?
These versions parse the inline `REFERENCES` and silently ignore it: no foreign key is created,
nothing is checked, `ON DELETE CASCADE` does nothing. The migration reads as if the database
kept the rows consistent, and it does not. MySQL 9.0.0 (WL#16130) and MariaDB 10.5
(MDEV-20729) create the foreign key; a folder run on both old and new servers gets different
schemas. Atlas's check MY102 flags the same clause.

## Example
```sql
CREATE TABLE payment (id BIGINT PRIMARY KEY, lender_id BIGINT REFERENCES lender (id));
```

## Use instead
A table-level foreign key, honoured by every version:
```sql
CREATE TABLE payment (
  id BIGINT PRIMARY KEY,
  lender_id BIGINT,
  FOREIGN KEY (lender_id) REFERENCES lender (id)
);
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::MySql || cx.is_undo() || honoured(cx) {
        return;
    }
    for (statement, op) in cx.statements() {
        let (table, columns): (_, Vec<_>) = match op {
            Op::CreateTable { table, columns, .. } => {
                (table, columns.iter().map(|c| &**c).collect())
            }
            Op::AlterTable { table, actions, .. } => (
                table,
                actions
                    .iter()
                    .filter_map(|a| match a {
                        AlterAction::AddColumn { column, .. } => Some(&**column),
                        AlterAction::ChangeColumn { column, .. } => Some(column),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => continue,
        };
        for column in columns {
            let Some(target) = &column.references else {
                continue;
            };
            sink.range(
                &RULE,
                cx,
                cx.clause(statement, crate::rules::clause::COLUMN_DEFINITION, &[&column.name]),
                format!(
                    "{} ignores the REFERENCES {target} written in column {table}.{}: no foreign key is created. Declare it as a table constraint: FOREIGN KEY ({}) REFERENCES {target} (…)",
                    cx.server, column.name, column.name
                ),
            );
        }
    }
}

/// Inline REFERENCES create a foreign key from MySQL 9.0 and MariaDB 10.5.
fn honoured(cx: &FileContext) -> bool {
    match cx.server.flavor {
        Flavor::MySql => cx.server.at_least(&[9]),
        Flavor::MariaDb => cx.server.at_least(&[10, 5]),
        Flavor::Postgres => true,
    }
}
