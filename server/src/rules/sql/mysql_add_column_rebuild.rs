use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;
use crate::sql::server::Flavor;
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "mysql-add-column-rebuild",
    category: "mysql",
    default_level: Level::Warning,
    summary: "ADD COLUMN that the configured MySQL/MariaDB version cannot do INSTANT (before 8.0.12 / 10.3; FIRST/AFTER before 8.0.29 / 10.4)",
    doc: r#"## What it does
Flags `ADD COLUMN` on an existing table when the server set by `server-version` cannot add it
INSTANT and rebuilds the table instead:
- MySQL before 8.0.12 and MariaDB before 10.3: every `ADD COLUMN`;
- MySQL 8.0.12 to 8.0.28 and MariaDB 10.3: a column placed with `FIRST` or `AFTER c` (only a
  column added last is INSTANT there).

MySQL 8.0.29+ and MariaDB 10.4+ add a column at any position INSTANT, so with the default
versions (MySQL 8.0, MariaDB 10.11) nothing is flagged: set `server-version` to the production
server's. Generated `STORED` and `AUTO_INCREMENT` columns, which no version adds INSTANT, are
`mysql-table-rebuild`'s.

## Why is this bad?
The in-place rebuild lets writes continue but rewrites every row and index: hours of I/O on a
large table, twice its disk space, and replication lag while replicas replay it. An INSTANT add
only changes metadata. The MySQL online DDL table ("Adding a column": Instant from 8.0.12, any
position from 8.0.29) and MariaDB's instant ADD COLUMN (10.3, any position from 10.4) are the
sources; gh-ost and pt-online-schema-change are the alternative on servers that rebuild.

## Example
```sql
-- server-version = "8.0.25"
ALTER TABLE lender ADD COLUMN rate DECIMAL(5, 2) NULL AFTER name;
```

## Use instead
```sql
ALTER TABLE lender ADD COLUMN rate DECIMAL(5, 2) NULL, ALGORITHM=INSTANT;
```
(at the end of the table: the column order of a table rarely matters to SQL that names its
columns).
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::MySql || cx.is_undo() {
        return;
    }
    let server = cx.server;
    let (instant, anywhere) = match server.flavor {
        Flavor::MySql => (server.at_least(&[8, 0, 12]), server.at_least(&[8, 0, 29])),
        Flavor::MariaDb => (server.at_least(&[10, 3]), server.at_least(&[10, 4])),
        Flavor::Postgres => return,
    };
    if anywhere {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, statement, table, action) in super::existing_table_actions(cx) {
        let AlterAction::AddColumn { column, .. } = action else {
            continue;
        };
        // Columns the database fills in (AUTO_INCREMENT, generated): mysql-table-rebuild's.
        if column.generated {
            continue;
        }
        let why = match (&column.placed, instant) {
            (_, false) => "adds no column INSTANT".to_string(),
            (Some(_), true) => {
                "adds a column INSTANT only at the end of the table, not with FIRST / AFTER"
                    .to_string()
            }
            (None, true) => continue,
        };
        // One finding a statement.
        if !seen.insert(i) {
            continue;
        }
        // What forces the rebuild: the FIRST / AFTER where an INSTANT add would do, else the
        // ADD COLUMN clause.
        let placement = (instant && column.placed.is_some())
            .then(|| {
                cx.find_clause(
                    statement,
                    "ADD [COLUMN] [IF NOT EXISTS] {} … @ FIRST|ADD [COLUMN] [IF NOT EXISTS] {} … @ AFTER …",
                    &[column.name.as_str()],
                )
            })
            .flatten();
        let range = placement.unwrap_or_else(|| cx.action(statement, action));
        sink.range(
            &RULE,
            cx,
            range,
            format!(
                "{server} {why}: adding {table}.{} rebuilds the table and every index. {}",
                column.name,
                if instant {
                    "Add it without FIRST / AFTER (at the end) to make it INSTANT"
                } else {
                    "On a large table use gh-ost or pt-online-schema-change"
                }
            ),
        );
    }
}
