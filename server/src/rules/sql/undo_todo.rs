use crate::config::Level;
use crate::diagnostic::TextRange;
use crate::rules::{FileContext, Rule, Sink};
use crate::scaffold::TODO_MARKER;

pub static RULE: Rule = Rule {
    id: "undo-todo",
    category: "undo",
    default_level: Level::Warning,
    summary: "Undo migration still has a `TODO flyway-lsp` for a statement the generator could not reverse",
    doc: r#"## What it does
Flags `-- TODO flyway-lsp: cannot reverse automatically: …` comments in undo migrations. The
"Create matching undo file" action writes them for statements it cannot reverse (data changes,
type changes, drops), naming each statement.

## Why is this bad?
The undo migration does not yet undo everything its versioned migration does; running it leaves
the database between the two versions.

## Example
```sql
-- TODO flyway-lsp: cannot reverse automatically: UPDATE lender SET rate = 0;
DROP TABLE IF EXISTS lender;
```

## Use instead
Write the reversing SQL (or decide that nothing is needed) and delete the comment.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if !cx.is_undo() {
        return;
    }
    for t in &cx.sql.comments {
        let text = &cx.text[t.start..t.end];
        if let Some(at) = text.find(TODO_MARKER) {
            let what = text[at + TODO_MARKER.len()..]
                .trim_start_matches(':')
                .trim();
            sink.range(
                &RULE,
                cx,
                TextRange::new(t.start, t.end),
                format!(
                    "Write the reverse of this statement by hand, then remove the TODO: {what}"
                ),
            );
        }
    }
}
