use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

use super::{made_earlier_in_script, tables_named_after};

pub static RULE: Rule = Rule {
    id: "vacuum-full",
    category: "postgres",
    default_level: Level::Warning,
    summary: "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock",
    doc: r#"## What it does
Flags `VACUUM FULL` (and `VACUUM (FULL)`) in versioned migrations, unless every table it names
was created earlier in the same migration.

## Why is this bad?
`VACUUM FULL` writes a new copy of each table and its indexes, holding an ACCESS EXCLUSIVE lock
for the whole copy: no query can read or write the table until it finishes, and it needs the
disk space of a second copy. Without a table list it does this to every table of the database.

squawk and strong_migrations have no equivalent rule; eugene's lock tracing (`eugene trace`)
reports the ACCESS EXCLUSIVE lock.

## Example
```sql
VACUUM FULL orders;
```

## Use instead
A plain `VACUUM` (or autovacuum) reclaims space for reuse without blocking queries. To give space
back to the operating system online, use an extension such as `pg_repack` or `pg_squeeze`, run by
hand in a maintenance window rather than from a migration.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (i, (statement, op)) in cx.statements().enumerate() {
        if !matches!(op, Op::Vacuum) {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        let word = |k: usize| tokens.get(k).map(|t| t.text(cx.text)).unwrap_or("");
        // `VACUUM FULL …` or `VACUUM ( …, FULL [ boolean ], … ) …`.
        let mut full = false;
        let mut rest = 1;
        if word(1).eq_ignore_ascii_case("FULL") {
            full = true;
            rest = 2;
            while ["FREEZE", "VERBOSE", "ANALYZE", "ANALYSE"]
                .iter()
                .any(|w| word(rest).eq_ignore_ascii_case(w))
            {
                rest += 1;
            }
        } else if word(1) == "(" {
            let mut k = 2;
            while k < tokens.len() && word(k) != ")" {
                if word(k).eq_ignore_ascii_case("FULL") {
                    let off = ["FALSE", "OFF", "0"]
                        .iter()
                        .any(|v| word(k + 1).eq_ignore_ascii_case(v));
                    full = !off;
                }
                k += 1;
            }
            rest = k + 1;
        }
        if !full {
            continue;
        }
        let tables = tables_named_after(cx, &tokens, rest);
        if !tables.is_empty() && tables.iter().all(|t| made_earlier_in_script(cx, i, t)) {
            continue;
        }
        let what = if tables.is_empty() {
            "every table of the database".to_string()
        } else {
            tables
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "VACUUM FULL rewrites {what} under an ACCESS EXCLUSIVE lock, blocking every query on it until the copy ends; use plain VACUUM, or pg_repack outside the migration"
            ),
        );
    }
}
