use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::Dialect;

use super::name_in_statement;

pub static RULE: Rule = Rule {
    id: "rename-enum-value",
    category: "postgres",
    default_level: Level::Off,
    summary: "ALTER TYPE … RENAME VALUE breaks code still writing the old label (off by default)",
    doc: r#"## What it does
Flags `ALTER TYPE name RENAME VALUE 'old' TO 'new'` (PostgreSQL 10+). Off by default: a
backward-compatibility policy for deployments where old and new application versions run side by
side.

## Why is this bad?
The rename is instant and rewrites no rows, but from then on the old label is not a value of the
type: code deployed before the migration (still running during a rolling deploy, or after a
rollback) that writes or filters by `'old'` fails with "invalid input value for enum", and code
that reads the column meets a label it does not know.

No squawk or strong_migrations rule covers it.

## Example
```sql
ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';
```

## Use instead
Add the new value (`ALTER TYPE … ADD VALUE`), deploy code that accepts both, move the rows, and
stop using the old value; an enum value cannot be dropped, so leave it unused.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (statement, _) in cx.statements() {
        if !cx.mentions(statement, "VALUE") {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        let head = tokens
            .first()
            .is_some_and(|t| t.is_keyword(cx.text, "ALTER"))
            && tokens.get(1).is_some_and(|t| t.is_keyword(cx.text, "TYPE"));
        let renames = tokens
            .windows(2)
            .any(|w| w[0].is_keyword(cx.text, "RENAME") && w[1].is_keyword(cx.text, "VALUE"));
        if !head || !renames {
            continue;
        }
        let Some(type_name) = name_in_statement(cx, &tokens, 2) else {
            continue;
        };
        sink.range(
            &RULE,
            cx,
            cx.clause(statement, "RENAME VALUE …", &[]),
            format!(
                "Renaming a value of enum {type_name}: code deployed before this migration that still writes or compares the old label fails with \"invalid input value for enum\""
            ),
        );
    }
}
