use crate::config::Level;
use crate::naming::NameProblem;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "missing-version",
    category: "naming",
    default_level: Level::Error,
    summary:
        "Versioned migration without a version (`V__init.sql`): Flyway silently skips the file",
    doc: r#"## What it does
Flags versioned, undo and baseline migrations with nothing between the prefix and the separator,
such as `V__init.sql` or `U__drop.sql`.

## Why is this bad?
Flyway needs the version to order and record the migration. It rejects the name ("It must contain
a version") and, unless `validateMigrationNaming` is on, skips the file silently.

## Example
```text
V__create_users.sql
```

## Use instead
Give it the next free version of the folder (`flyway-lsp info` lists the current ones):
```text
V7__create_users.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let next = crate::sequence::next_version(cx.set);
    for file in &cx.set.files {
        let Some(name) = file.name() else { continue };
        if name.problem != Some(NameProblem::MissingVersion) {
            continue;
        }
        let Some(message) = name.flyway_message(&cx.project.config.flyway) else {
            continue;
        };
        sink.file(
            &RULE,
            file,
            format!(
                "{message}. {}; the next free version is {next}",
                cx.rejected_name_outcome()
            ),
        );
    }
}
