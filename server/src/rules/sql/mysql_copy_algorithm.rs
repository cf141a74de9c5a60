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
length-byte size, and changing only an integer's display width such as `INT` → `INT(11)`, which is metadata;
`ENUM` / `SET` changes are `mysql-enum-change`'s), `CONVERT TO CHARACTER SET`, dropping the
primary key without adding one, adding a foreign key while `foreign_key_checks` is on, adding a
`CHECK` constraint (MySQL 8.0.16+, MariaDB 10.2.1+, unless `NOT ENFORCED`), or an explicit
`ALGORITHM=COPY`.

A `VARCHAR` widened across 255 bytes is a copy: the length prefix of each value grows from one
byte to two there. At the table's character set that is past 63 characters for utf8mb4, 85 for
utf8mb3 and 255 for latin1 (`VARCHAR(60)` → `VARCHAR(100)` in utf8mb4 copies the table,
`VARCHAR(100)` → `VARCHAR(200)` does not). The schema
model supplies the old column type, and the table's character set when its `CREATE TABLE` or a
`CONVERT TO CHARACTER SET` names one (else the server's default).

## Why is this bad?
With ALGORITHM=COPY the table is copied row by row into a new one while concurrent writes are
blocked: minutes to hours of downtime on a large table, and double the disk space. These are
the operations the MySQL online DDL tables mark "In Place: No"; Atlas's MySQL table-copy
checks and Bytebase's "column type change" rule flag them too, and gh-ost and
pt-online-schema-change exist to run them without blocking.

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
    tag: None,
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
    // The actions that force the copy: the finding underlines them.
    let mut blamed = Vec::new();
    for action in actions.iter() {
        let before = reasons.len();
        match action {
            AlterAction::Algorithm(a) if a == "COPY" => {
                reasons.push("ALGORITHM=COPY is requested".to_string())
            }
            AlterAction::AddConstraint { constraint, .. }
                if constraint.kind == ConstraintKind::Check
                    && checks_enforced(cx)
                    && !not_enforced(cx, statement) =>
            {
                reasons.push("adding a CHECK constraint validates every row".to_string())
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
                let bytes = charset_bytes(known.and_then(|t| t.charset.as_deref()))
                    .unwrap_or_else(|| bytes_per_char(cx));
                // ENUM and SET changes are mysql-enum-change's.
                let lists = super::mysql_enum_change::members(&old.spec.data_type)
                    .zip(super::mysql_enum_change::members(&column.data_type))
                    .is_some_and(|((a, _), (b, _))| a == b);
                if old_type != new_type && !varchar_widening(&old_type, &new_type, bytes) && !lists
                {
                    reasons.push(match varchar_length(&old_type).zip(varchar_length(&new_type)) {
                        Some((a, b)) if b > a => format!(
                            "widening {from} from {} to {} crosses 255 bytes at {bytes} byte{} per character ({} characters), where the length prefix grows from one byte to two",
                            old.spec.data_type,
                            column.data_type,
                            if bytes == 1 { "" } else { "s" },
                            255 / bytes
                        ),
                        _ => format!(
                            "changing {from} from {} to {}",
                            old.spec.data_type, column.data_type
                        ),
                    });
                }
            }
            _ => {}
        }
        if reasons.len() > before {
            blamed.push(action);
        }
    }
    if reasons.is_empty() {
        return;
    }
    let charset = match known.and_then(|t| t.charset.as_deref()) {
        Some(charset) if charset_bytes(Some(charset)).is_some() => {
            format!("table character set {charset}")
        }
        _ => "the server's default character set assumed".to_string(),
    };
    let range = cx.span(
        statement,
        blamed.iter().map(|a| cx.find_action(statement, a)),
    );
    sink.range(
        &RULE,
        cx,
        range,
        format!(
            "{} ({charset}) runs this with ALGORITHM=COPY ({}): table {table} is copied row by row while writes are blocked. Use an online schema change tool, or a new column and a backfill",
            cx.server,
            reasons.join("; ")
        ),
    );
}

/// A type as MySQL stores it: `INTEGER` is `INT`, and an integer's display width (`INT(11)`,
/// `TINYINT(1)`, what `BOOL` means) is metadata only, so it is dropped.
fn normalize(data_type: &str) -> String {
    let upper = data_type.to_ascii_uppercase().replace(' ', "");
    let upper = match upper.as_str() {
        "BOOL" | "BOOLEAN" => "TINYINT".to_string(),
        _ => upper,
    };
    let upper = match upper.strip_prefix("INTEGER") {
        Some(rest) => format!("INT{rest}"),
        None => upper,
    };
    for int in ["TINYINT", "SMALLINT", "MEDIUMINT", "BIGINT", "INT"] {
        if let Some(rest) = upper.strip_prefix(int).and_then(|r| r.strip_prefix('(')) {
            if let Some(close) = rest.find(')') {
                if rest[..close].bytes().all(|b| b.is_ascii_digit()) {
                    return format!("{int}{}", &rest[close + 1..]);
                }
            }
        }
    }
    upper
}

/// Bytes per character of a character set the model knows.
fn charset_bytes(charset: Option<&str>) -> Option<u64> {
    match charset? {
        "utf8mb4" => Some(4),
        "utf8" | "utf8mb3" => Some(3),
        "latin1" | "ascii" | "binary" => Some(1),
        _ => None,
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

/// CHECK constraints are enforced (and an added one validated by a table copy) from MySQL
/// 8.0.16 and MariaDB 10.2.1; before, they are parsed and ignored.
fn checks_enforced(cx: &FileContext) -> bool {
    use crate::sql::server::Flavor;
    match cx.server.flavor {
        Flavor::MySql => cx.server.at_least(&[8, 0, 16]),
        Flavor::MariaDb => cx.server.at_least(&[10, 2, 1]),
        Flavor::Postgres => false,
    }
}

/// MySQL's `CHECK (…) NOT ENFORCED`: the constraint is stored, no row is checked.
fn not_enforced(cx: &FileContext, statement: &crate::sql::analysis::Statement) -> bool {
    super::statement_words(cx, statement)
        .windows(2)
        .any(|w| w[0] == "NOT" && w[1] == "ENFORCED")
}

fn varchar_length(t: &str) -> Option<u64> {
    t.strip_prefix("VARCHAR(")?.strip_suffix(')')?.parse().ok()
}

/// VARCHAR(a) → VARCHAR(b), b ≥ a, staying on the same side of 255 bytes (the length prefix
/// grows from one byte to two there) is done in place.
fn varchar_widening(old: &str, new: &str, bytes_per_char: u64) -> bool {
    match (varchar_length(old), varchar_length(new)) {
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

    #[test]
    fn display_width_is_metadata() {
        assert_eq!(normalize("INT(11)"), normalize("INT"));
        assert_eq!(normalize("integer"), normalize("INT(10)"));
        assert_eq!(
            normalize("BIGINT(20) UNSIGNED"),
            normalize("BIGINT UNSIGNED")
        );
        assert_eq!(normalize("TINYINT(1)"), normalize("BOOLEAN"));
        assert_ne!(normalize("BIGINT UNSIGNED"), normalize("BIGINT"));
        assert_ne!(normalize("INT"), normalize("BIGINT"));
        assert_ne!(normalize("DECIMAL(10,2)"), normalize("DECIMAL(12,2)"));
    }
}
