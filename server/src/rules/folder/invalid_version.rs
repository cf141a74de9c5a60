use crate::config::Level;
use crate::naming::NameProblem;
use crate::rules::{FolderContext, Rule, Sink};

use super::single_underscore::split_single_underscore;

pub static RULE: Rule = Rule {
    id: "invalid-version",
    category: "naming",
    default_level: Level::Error,
    summary:
        "Version Flyway cannot read (`V1-2__x.sql`, `V1.__x.sql`): Flyway silently skips the file",
    doc: r#"## What it does
Flags migrations whose version is not numbers separated by dots or underscores, such as
`V1-2__x.sql`, `V1..2__x.sql`, `V.1__x.sql` or `V2a__x.sql`. Flyway splits a version only at a
dot that a digit follows, so a trailing dot or underscore (`V1.__x.sql`, `V1.2.__x.sql`) or a
sign after a dot (`V1.-2__x.sql`) leaves a part that is no number.

## Why is this bad?
Flyway reports "could not recognise version number" and, unless `validateMigrationNaming` is on,
skips the file silently: the migration never runs and nothing fails.

## Example
```text
V1-2__add_index.sql
```

## Use instead
```text
V1.2__add_index.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        let Some(name) = file.name() else { continue };
        let Some(NameProblem::InvalidVersion(error)) = &name.problem else {
            continue;
        };
        // `V1_init.sql` is the single-underscore rule's.
        if !name.separator_found && split_single_underscore(&name.version_text).is_some() {
            continue;
        }
        let Some(message) = name.flyway_message(&cx.project.config.flyway) else {
            continue;
        };
        let part = if error.part.is_empty() {
            "an empty part".to_string()
        } else {
            format!("`{}`", error.part)
        };
        sink.file(
            &RULE,
            file,
            format!(
                "{message}: {part} is not a number. A version is numbers separated by `.` or `_` (e.g. 1.2); {}",
                cx.rejected_name_outcome()
            ),
        );
    }
}
