use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::AlterAction;
use crate::sql::Dialect;

use super::existing_table_actions;

pub static RULE: Rule = Rule {
    id: "add-column-not-null-without-default",
    category: "both",
    default_level: Level::Error,
    summary: "ADD COLUMN … NOT NULL without a DEFAULT on an existing table",
    doc: r#"## What it does
Flags `ALTER TABLE … ADD COLUMN … NOT NULL` without a `DEFAULT` (and not generated, identity or
auto-increment) on a table that existed before this migration.

## Why is this bad?
PostgreSQL fails the migration as soon as the table has a row ("column contains null values").
MySQL and MariaDB silently fill existing rows with an implicit default (0, '' or a zero date,
which strict modes then reject in other statements): data nobody chose.

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
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.is_undo() {
        return;
    }
    for (index, statement, table, action) in existing_table_actions(cx) {
        let AlterAction::AddColumn { column, .. } = action else {
            continue;
        };
        // MySQL's implicit default is only transient when the same migration backfills the
        // column (`ADD COLUMN x … NOT NULL` then `UPDATE t SET x = …`): a common, safe pattern.
        if cx.dialect() == Dialect::MySql && backfilled_later(cx, index, &table.name, &column.name)
        {
            continue;
        }
        if column.not_null && column.default.is_none() && !column.generated {
            let consequence = match cx.dialect() {
                Dialect::Postgres => "fails as soon as the table has rows",
                Dialect::MySql => {
                    "fills existing rows with an implicit default (0, '' or a zero date)"
                }
            };
            sink.statement(
                &RULE,
                cx,
                statement,
                format!(
                    "Adding NOT NULL column {}.{} without a DEFAULT {consequence}; add a DEFAULT, or add the column nullable and backfill it first",
                    table, column.name
                ),
            );
        }
    }
}

/// True when a statement after `index` is an UPDATE of `table` that assigns `column`.
fn backfilled_later(cx: &FileContext, index: usize, table: &str, column: &str) -> bool {
    use crate::sql::facts::{DmlKind, Op};
    use crate::sql::lexer::TokenKind;
    cx.statements().skip(index + 1).any(|(statement, op)| {
        let Op::Dml {
            kind: DmlKind::Update,
            ..
        } = op
        else {
            return false;
        };
        let tokens = cx.sql.statement_tokens(cx.text, statement);
        let sig: Vec<_> = tokens.iter().filter(|t| !t.is_trivia()).collect();
        let names_table = sig
            .iter()
            .any(|t| t.kind == TokenKind::Word && t.text(cx.text).eq_ignore_ascii_case(table));
        let Some(set) = sig.iter().position(|t| t.is_keyword(cx.text, "SET")) else {
            return false;
        };
        // `column =` or `alias.column =` after SET.
        names_table
            && sig[set + 1..].windows(2).any(|pair| {
                let name = match pair[0].kind {
                    TokenKind::Word => pair[0].text(cx.text).to_string(),
                    TokenKind::QuotedIdent => crate::sql::parse::unquote(pair[0], cx.text),
                    _ => return false,
                };
                name.eq_ignore_ascii_case(column) && pair[1].text(cx.text) == "="
            })
    })
}
