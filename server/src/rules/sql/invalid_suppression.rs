use crate::config::Level;
use crate::rules::{self, FileContext, Rule, Sink, Tag};

pub static RULE: Rule = Rule {
    id: "invalid-suppression",
    category: "files",
    default_level: Level::Warning,
    summary: "Suppression comment that names no rule, or a rule that does not exist",
    doc: r#"## What it does
Flags `flyway-lsp-ignore` / `flyway-lsp-ignore-file` comments without rule ids, or with an id no
rule has (typically a typo).

## Why is this bad?
The comment silences nothing, so the finding it was meant for is still reported, or worse, a
misspelled id hides the fact that the intended rule is not suppressed at all.

## Example
```sql
-- flyway-lsp-ignore drop-tabel
DROP TABLE legacy;
```

## Use instead
```sql
-- flyway-lsp-ignore drop-table
DROP TABLE legacy;
```
"#,
    convention: None,
    tag: Some(Tag::Unnecessary),
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    for suppression in &cx.sql.suppressions {
        if suppression.rules.is_empty() {
            sink.range(
                &RULE,
                cx,
                suppression.range,
                "This suppression comment names no rule; list the rule ids to silence, e.g. `-- flyway-lsp-ignore drop-table`".to_string(),
            );
        }
        for id in &suppression.rules {
            if rules::find(id).is_none() {
                sink.range(
                    &RULE,
                    cx,
                    suppression.range,
                    format!("Unknown rule `{id}` in suppression comment; `flyway-lsp rules` lists the ids"),
                );
            }
        }
    }
}
