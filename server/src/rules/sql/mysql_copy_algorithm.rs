use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::schema::Catalog;
use crate::sql::facts::{AlterAction, ConstraintKind, Op};
use crate::sql::Dialect;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "mysql-copy-algorithm",
    category: "mysql",
    default_level: Level::Warning,
    summary: "ALTER TABLE that MySQL can only run with ALGORITHM=COPY (type change, charset conversion, primary key drop, foreign key with checks on)",
    doc: r#"## What it does
Flags `ALTER TABLE` operations on existing tables that MySQL/MariaDB can only run by copying the
table: changing a column's type (`MODIFY` / `CHANGE`, except widening a `VARCHAR` within the same
length-byte size), `CONVERT TO CHARACTER SET`, dropping the primary key without adding one, adding
a foreign key while `foreign_key_checks` is on, or an explicit `ALGORITHM=COPY`. The schema
model supplies the old column type.

## Why is this bad?
With ALGORITHM=COPY the table is copied row by row into a new one while concurrent writes are
blocked: minutes to hours of downtime on a large table, and double the disk space.

## Example
```sql
ALTER TABLE lender MODIFY name VARCHAR(100) NOT NULL;   -- was TEXT
```

## Use instead
Use an online schema change tool (gh-ost, pt-online-schema-change), or add a new column, backfill
it, and switch over. For foreign keys, `SET foreign_key_checks = 0` first makes the change INPLACE
(existing rows are then not checked).
"#,
    convention: None,
};

pub fn check(cx: &FileContext, index: usize, catalog: &Catalog, sink: &mut Sink) {
    if cx.dialect() != Dialect::MySql || cx.is_undo() {
        return;
    }
    let statement = &cx.sql.statements[index];
    let Op::AlterTable { table, actions, .. } = &statement.parsed.op else {
        return;
    };
    if !existing_table(cx, index, table) {
        return;
    }
    let adds_fk = actions.iter().any(|a| {
        matches!(a, AlterAction::AddConstraint { constraint, .. } if constraint.kind == ConstraintKind::ForeignKey)
    });
    let fk_checks_off = adds_fk && cx.sql.statements[..index].iter().any(|s| {
        matches!(&s.parsed.op, Op::Set { name, value }
            if name.trim_start_matches("@@").trim_start_matches("session.").ends_with("foreign_key_checks")
                && matches!(value.trim_matches('\'').to_ascii_uppercase().as_str(), "0" | "OFF" | "FALSE"))
    });
    let adds_pk = actions.iter().any(|a| {
        matches!(a, AlterAction::AddConstraint { constraint, .. } if constraint.kind == ConstraintKind::PrimaryKey)
    });
    let known = catalog.table(table);
    let mut reasons = Vec::new();
    for action in actions {
        match action {
            AlterAction::Algorithm(a) if a == "COPY" => {
                reasons.push("ALGORITHM=COPY is requested".to_string())
            }
            AlterAction::ConvertCharset => {
                reasons.push("CONVERT TO CHARACTER SET rewrites every row".to_string())
            }
            AlterAction::DropPrimaryKey if !adds_pk => {
                reasons.push("dropping the primary key without adding another".to_string())
            }
            AlterAction::AddConstraint { constraint, .. }
                if constraint.kind == ConstraintKind::ForeignKey && !fk_checks_off =>
            {
                reasons.push("adding a foreign key while foreign_key_checks is on".to_string())
            }
            AlterAction::ChangeColumn { from, column } => {
                let Some(old) = known.and_then(|t| t.column(from)) else {
                    continue;
                };
                let (old_type, new_type) =
                    (normalize(&old.spec.data_type), normalize(&column.data_type));
                let bytes = bytes_per_char(cx);
                if old_type != new_type && !varchar_widening(&old_type, &new_type, bytes) {
                    reasons.push(format!(
                        "changing {from} from {} to {}",
                        old.spec.data_type, column.data_type
                    ));
                }
            }
            _ => {}
        }
    }
    if reasons.is_empty() {
        return;
    }
    sink.statement(
        &RULE,
        cx,
        statement,
        format!(
            "{} (default character set assumed unless the table says otherwise) runs this with ALGORITHM=COPY ({}): table {table} is copied row by row while writes are blocked. Use an online schema change tool, or a new column and a backfill",
            cx.server,
            reasons.join("; ")
        ),
    );
}

fn normalize(data_type: &str) -> String {
    let upper = data_type.to_ascii_uppercase().replace(' ', "");
    match upper.as_str() {
        "INTEGER" => "INT".to_string(),
        "BOOL" | "BOOLEAN" => "TINYINT(1)".to_string(),
        _ => upper,
    }
}

/// Bytes per character of the server's default character set: utf8mb4 from MySQL 8.0 and
/// MariaDB 11.6, latin1 before.
fn bytes_per_char(cx: &FileContext) -> u64 {
    use crate::sql::server::Flavor;
    match cx.server.flavor {
        Flavor::MySql if cx.server.at_least(&[8]) => 4,
        Flavor::MariaDb if cx.server.at_least(&[11, 6]) => 4,
        _ => 1,
    }
}

/// VARCHAR(a) → VARCHAR(b), b ≥ a, staying on the same side of 255 bytes (the length prefix
/// grows from one byte to two there) is done in place.
fn varchar_widening(old: &str, new: &str, bytes_per_char: u64) -> bool {
    let length =
        |t: &str| -> Option<u64> { t.strip_prefix("VARCHAR(")?.strip_suffix(')')?.parse().ok() };
    match (length(old), length(new)) {
        (Some(a), Some(b)) => {
            b >= a && ((a * bytes_per_char <= 255) == (b * bytes_per_char <= 255))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening() {
        assert!(varchar_widening("VARCHAR(64)", "VARCHAR(128)", 4));
        assert!(!varchar_widening("VARCHAR(32)", "VARCHAR(128)", 4));
        assert!(!varchar_widening("VARCHAR(40)", "VARCHAR(64)", 4));
        assert!(varchar_widening("VARCHAR(40)", "VARCHAR(64)", 1));
        assert!(!varchar_widening("VARCHAR(128)", "VARCHAR(64)", 1));
        assert!(!varchar_widening("TEXT", "VARCHAR(64)", 1));
    }
}
