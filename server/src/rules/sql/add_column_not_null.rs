use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "add-column-not-null-without-default",
    category: "both",
    default_level: Level::Warning,
    summary: "ADD COLUMN … NOT NULL without a DEFAULT on a table that may have rows",
    doc: r#"## What it does
Flags `ALTER TABLE … ADD COLUMN … NOT NULL` without a `DEFAULT` (and not generated, identity or
auto-increment) on a table that existed before this migration. On MySQL and MariaDB only date and
time columns are flagged.

## Why is this bad?
PostgreSQL fails the migration when the table has a row ("column … contains null values"); on an
empty table it succeeds, so the finding says "fails if the table has rows". A table created
earlier in the same migration is empty and not flagged.

MySQL and MariaDB fill existing rows with the type's implicit default: 0 for numbers, '' for
strings (not flagged: the documented behaviour), and the zero date for date and time types,
which strict SQL modes with `NO_ZERO_DATE` reject: there the `ALTER TABLE` itself can fail when
the table has rows (MariaDB 10.11 with `TRADITIONAL` does), and elsewhere the rows keep a date
that later statements under a strict mode refuse.

## Example
```sql
ALTER TABLE users ADD COLUMN status text NOT NULL;
```

## Use instead
```sql
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';
```
On MySQL/MariaDB a column the same migration then fills (`UPDATE users SET status = …`) is
not flagged: the implicit default never outlives the migration. Otherwise add it nullable, backfill in batches, then add the NOT NULL constraint safely.
"#,
    convention: None,
    tag: None,
};

/// MySQL / MariaDB types whose implicit default is the zero date.
fn zero_date_type(data_type: &str) -> bool {
    let base = data_type
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    matches!(base, "DATE" | "DATETIME" | "TIMESTAMP")
}

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (index, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::AddColumn { column, .. } = action else {
            continue;
        };
        if !column.not_null || column.default.is_some() || column.generated {
            continue;
        }
        let consequence = match cx.dialect() {
            Dialect::Postgres => "fails if the table has rows",
            Dialect::MySql => {
                // Numbers and strings get 0 and '': the documented behaviour, nothing at risk.
                // The implicit default is only transient when the same migration backfills
                // the column (`ADD COLUMN x … NOT NULL` then `UPDATE t SET x = …`).
                if !zero_date_type(&column.data_type)
                    || backfilled_later(cx, index, table, &column.name)
                {
                    continue;
                }
                "fills existing rows with the zero date, which strict SQL modes with NO_ZERO_DATE reject (there the ALTER itself can fail when the table has rows)"
            }
        };
        sink.range(
            &RULE,
            cx,
            cx.action(statement, action),
            format!(
                "Adding NOT NULL column {}.{} without a DEFAULT {consequence}; add a DEFAULT, or add the column nullable and backfill it first",
                table, column.name
            ),
        );
    }
}

/// True when a statement after `index` is an UPDATE of `table` that assigns `column`. MySQL
/// compares column names without regard to case, and a back-quoted name is the same name.
fn backfilled_later(
    cx: &FileContext,
    index: usize,
    table: &crate::sql::facts::Name,
    column: &str,
) -> bool {
    use crate::sql::facts::{DmlKind, Op};
    use crate::sql::lexer::TokenKind;
    cx.statements().skip(index + 1).any(|(statement, op)| {
        let Op::Dml {
            kind: DmlKind::Update,
            table: target,
        } = op
        else {
            return false;
        };
        let tokens = cx.sql.statement_tokens(cx.text, statement);
        let sig: Vec<_> = tokens.iter().filter(|t| !t.is_trivia()).collect();
        let name_of = |t: &crate::sql::lexer::Token| match t.kind {
            TokenKind::Word => Some(t.text(cx.text).to_string()),
            TokenKind::QuotedIdent => Some(crate::sql::parse::unquote(t, cx.text)),
            _ => None,
        };
        // The UPDATE's target, or (multi-table UPDATE … JOIN) any name in it.
        let names_table = target
            .as_ref()
            .is_some_and(|t| t.name.eq_ignore_ascii_case(&table.name))
            || sig
                .iter()
                .filter_map(|t| name_of(t))
                .any(|n| n.eq_ignore_ascii_case(&table.name));
        let Some(set) = sig.iter().position(|t| t.is_keyword(cx.text, "SET")) else {
            return false;
        };
        // `column =` or `alias.column =` after SET.
        names_table
            && sig[set + 1..].windows(2).any(|pair| {
                name_of(pair[0]).is_some_and(|name| name.eq_ignore_ascii_case(column))
                    && pair[1].text(cx.text) == "="
            })
    })
}

#[cfg(test)]
mod tests {
    use super::zero_date_type;

    #[test]
    fn zero_date_types() {
        assert!(zero_date_type("DATETIME"));
        assert!(zero_date_type("DATETIME(3)"));
        assert!(zero_date_type("TIMESTAMP"));
        assert!(zero_date_type("DATE"));
        assert!(!zero_date_type("INT"));
        assert!(!zero_date_type("VARCHAR(32)"));
        assert!(!zero_date_type("DATETIMEX"));
    }
}
