use crate::config::Level;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "missing-description",
    category: "naming",
    default_level: Level::Warning,
    summary: "Migration without a description (`V3.sql`, `V3__.sql`)",
    doc: r#"## What it does
Flags versioned, undo, baseline and repeatable migrations with an empty description: no separator
(`V3.sql`) or nothing after it (`V3__.sql`, `R__.sql`).

## Why is this bad?
Flyway accepts the file, but the history table and `flyway info` show an empty description, so
nobody can tell what version 3 did without opening the file. Repeatable migrations are identified
by their description, so two undescribed ones collide.

## Example
```text
V3.sql
```

## Use instead
```text
V3__add_orders_table.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        let Some(name) = file.migration(&[
            Kind::Versioned,
            Kind::Undo,
            Kind::Baseline,
            Kind::Repeatable,
        ]) else {
            continue;
        };
        if !name.raw_description.trim_matches('_').trim().is_empty() {
            continue;
        }
        // `V1_20210708.sql` is the misread-version rule's.
        if !name.separator_found && name.version_text.contains('_') {
            continue;
        }
        sink.file(
            &RULE,
            file,
            format!(
                "{} has no description; name it like {}{}{}describe_the_change{}",
                file.file_name,
                name.prefix,
                name.version_text,
                cx.parser.separator(),
                name.suffix
            ),
        );
    }
}
