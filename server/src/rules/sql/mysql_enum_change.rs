use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::schema::Catalog;
use crate::sql::facts::{AlterAction, Op};
use crate::sql::server::Flavor;
use crate::sql::Dialect;

use super::existing_table;

pub static RULE: Rule = Rule {
    id: "mysql-enum-change",
    category: "mysql",
    default_level: Level::Warning,
    summary: "ENUM / SET column changed other than by appending values (MySQL copies the table)",
    doc: r#"## What it does
Flags `MODIFY` / `CHANGE` of an `ENUM` or `SET` column of an existing table that removes values,
reorders them, inserts one before the end, or grows the list past a storage-size boundary (an
`ENUM` takes one byte up to 255 values and two beyond; a `SET` takes 1, 2, 3, 4 or 8 bytes for up
to 8, 16, 24, 32 and 64 members). The column's previous definition comes from the schema model
(the migrations before this one); a column the model does not know is not flagged.

Appending values at the end without changing the storage size is not flagged: MySQL 8.0 and
MariaDB 10.3+ do it INSTANT (a metadata change), and older versions in place without copying.

## Why is this bad?
MySQL stores an `ENUM` as the index of its value in the list, and a `SET` as a bit map of it.
Any other change renumbers the stored values, so MySQL runs the statement with
`ALGORITHM=COPY`: the table is copied row by row while writes are blocked. Removing a value also
fails (strict mode) or turns rows holding it into `''` (otherwise).

This is Bytebase's "column type change" check narrowed to the case that is safe, and what gh-ost
and pt-online-schema-change are used for on large tables.

## Example
```sql
-- was ENUM('new', 'sent')
ALTER TABLE shipment MODIFY state ENUM('new', 'packed', 'sent');
```

## Use instead
Append new values at the end of the list:
```sql
ALTER TABLE shipment MODIFY state ENUM('new', 'sent', 'packed'), ALGORITHM=INSTANT;
```
To remove or reorder values of a large table, use gh-ost or pt-online-schema-change, or a new
column, a backfill and a switch-over.
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
    let Some(known) = catalog.table(table) else {
        return;
    };
    for action in actions.iter() {
        let AlterAction::ChangeColumn { from, column } = action else {
            continue;
        };
        let Some(old) = known.column(from) else {
            continue;
        };
        let (Some((kind, before)), Some((new_kind, after))) =
            (members(&old.spec.data_type), members(&column.data_type))
        else {
            continue;
        };
        if kind != new_kind {
            continue;
        }
        let Some(reason) = change(kind, &before, &after) else {
            continue;
        };
        let append = if instant_append(cx) {
            "INSTANT"
        } else {
            "done in place"
        };
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "{kind} column {table}.{from}: {reason}, so {} copies table {table} row by row (ALGORITHM=COPY) while writes are blocked; only appending values at the end within the same storage size is {append}",
                cx.server
            ),
        );
    }
}

/// `ENUM` or `SET`, and its members (unquoted), for such a type.
pub(crate) fn members(data_type: &str) -> Option<(&'static str, Vec<String>)> {
    let trimmed = data_type.trim();
    let (kind, rest) = if let Some(rest) = strip_word(trimmed, "ENUM") {
        ("ENUM", rest)
    } else {
        ("SET", strip_word(trimmed, "SET")?)
    };
    let list = rest.trim_start().strip_prefix('(')?;
    let mut out = Vec::new();
    let mut chars = list.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        match chars.next()? {
            ')' => return Some((kind, out)),
            q @ ('\'' | '"') => {
                let mut value = String::new();
                loop {
                    match chars.next()? {
                        c if c == q && chars.peek() == Some(&q) => {
                            chars.next();
                            value.push(q);
                        }
                        c if c == q => break,
                        '\\' => value.push(chars.next()?),
                        c => value.push(c),
                    }
                }
                out.push(value);
            }
            _ => return None,
        }
    }
}

fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let rest = &text[word.len()..];
    (head.eq_ignore_ascii_case(word) && rest.trim_start().starts_with('(')).then_some(rest)
}

/// Bytes a value takes for a list of `n` members.
fn storage(kind: &str, n: usize) -> usize {
    match kind {
        "ENUM" if n <= 255 => 1,
        "ENUM" => 2,
        _ => match n.div_ceil(8) {
            0..=4 => n.div_ceil(8).max(1),
            _ => 8,
        },
    }
}

/// Why changing the members `before` → `after` copies the table; `None` when it does not.
fn change(kind: &str, before: &[String], after: &[String]) -> Option<String> {
    if before == after {
        return None;
    }
    let removed: Vec<&String> = before.iter().filter(|m| !after.contains(m)).collect();
    if !removed.is_empty() {
        let list: Vec<String> = removed.iter().map(|m| format!("'{m}'")).collect();
        return Some(format!(
            "removing {} (rows holding it fail the statement or become '')",
            list.join(", ")
        ));
    }
    if after.starts_with(before) {
        let (old, new) = (storage(kind, before.len()), storage(kind, after.len()));
        return (old != new).then(|| {
            format!(
                "growing from {} to {} values changes each value's storage from {old} to {new} byte{}",
                before.len(),
                after.len(),
                if new == 1 { "" } else { "s" }
            )
        });
    }
    let kept: Vec<&String> = after.iter().filter(|m| before.contains(m)).collect();
    if kept.iter().copied().eq(before.iter()) {
        let inserted = after
            .iter()
            .take_while(|m| *m != before.last().expect("not empty: kept differs"))
            .find(|m| !before.contains(m))
            .map(|m| format!("'{m}'"))
            .unwrap_or_default();
        return Some(format!(
            "inserting {inserted} before the end of the list renumbers the values after it"
        ));
    }
    Some("reordering the values renumbers them".to_string())
}

/// Appending members is INSTANT from MySQL 8.0 and MariaDB 10.3.
fn instant_append(cx: &FileContext) -> bool {
    match cx.server.flavor {
        Flavor::MySql => cx.server.at_least(&[8]),
        Flavor::MariaDb => cx.server.at_least(&[10, 3]),
        Flavor::Postgres => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_members() {
        assert_eq!(
            members("ENUM('a', 'b,c', 'it''s')"),
            Some(("ENUM", list(&["a", "b,c", "it's"])))
        );
        assert_eq!(members("SET('x','y')"), Some(("SET", list(&["x", "y"]))));
        assert_eq!(members("VARCHAR(10)"), None);
        assert_eq!(members("SETTINGS"), None);
    }

    #[test]
    fn classifies_changes() {
        let ab = list(&["a", "b"]);
        assert_eq!(change("ENUM", &ab, &list(&["a", "b", "c"])), None);
        assert_eq!(change("ENUM", &ab, &ab), None);
        assert!(change("ENUM", &ab, &list(&["a"])).is_some_and(|r| r.starts_with("removing 'b'")));
        assert!(change("ENUM", &ab, &list(&["a", "c", "b"]))
            .is_some_and(|r| r.starts_with("inserting 'c' before the end")));
        assert!(
            change("ENUM", &ab, &list(&["b", "a"])).is_some_and(|r| r.starts_with("reordering"))
        );
        let many = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
        assert_eq!(change("ENUM", &many(200), &many(255)), None);
        assert!(change("ENUM", &many(255), &many(256)).is_some());
        assert_eq!(change("SET", &many(3), &many(8)), None);
        assert!(change("SET", &many(8), &many(9)).is_some());
        assert_eq!(change("SET", &many(33), &many(64)), None);
        assert!(change("SET", &many(32), &many(33)).is_some());
    }
}
