use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::Dialect;

use super::require_lock_timeout::first_lock_before_setting;

pub static RULE: Rule = Rule {
    id: "require-statement-timeout",
    category: "postgres",
    default_level: Level::Off,
    summary: "Lock-taking DDL on an existing table without `SET statement_timeout` first (PostgreSQL; off by default)",
    doc: r#"## What it does
Flags the first statement of a migration that takes a strong lock on an existing table (the
statements `require-lock-timeout` looks at) when no `SET statement_timeout` (or `SET LOCAL
statement_timeout`) comes before it in the script. Off by default: it is a team policy, and a
statement timeout must be chosen per migration (a concurrent index build on a large table may
rightly take hours).

## Why is this bad?
`lock_timeout` bounds the wait for a lock; once the lock is granted nothing bounds how long it is
held. A rewrite or validation that turns out slower than in development (a bigger table, a
missing index) keeps every query on the table waiting until it ends. A statement timeout makes
the migration fail and release the lock instead.

Corresponds to squawk's `require-timeout-settings` (its statement timeout part).

## Example
```sql
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);
```

## Use instead
```sql
SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    if let Some((statement, lock)) = first_lock_before_setting(cx, "statement_timeout") {
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "{lock}, and nothing bounds how long it holds the lock once granted; start the migration with SET statement_timeout = '…' sized for it so it fails instead of blocking"
            ),
        );
    }
}
