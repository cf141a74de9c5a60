use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "multiple-tables",
    category: "both",
    default_level: Level::Off,
    summary: "One migration changes several tables (for teams that keep one change per migration)",
    doc: r#"## What it does
For teams whose convention is one change per migration (enable with `[rules] multiple-tables =
"warning"`), flags the first statement that touches a second table.

## Why is this bad?
Unrelated changes in one migration fail, review and roll back together; on MySQL a failure half
way leaves the first tables changed and the rest not.

## Example
```sql
ALTER TABLE lender ADD COLUMN rate DECIMAL(5, 2);
ALTER TABLE borrower ADD COLUMN score INT;
```

## Use instead
One migration per table change.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    let mut first: Option<String> = None;
    for (statement, op) in cx.statements() {
        for table in op.tables() {
            match &first {
                None => first = Some(table.name.to_string()),
                // MySQL: `Foo` and foo are one table (the facts fold only unquoted names).
                Some(f)
                    if **f != *table.name
                        && !(cx.dialect() == crate::sql::Dialect::MySql
                            && f.to_lowercase() == table.name.to_lowercase()) =>
                {
                    sink.statement(
                        &RULE,
                        cx,
                        statement,
                        format!(
                            "This migration already changes {f}; this statement changes {table} too. Keep one table change per migration"
                        ),
                    );
                    return;
                }
                _ => {}
            }
        }
    }
}
