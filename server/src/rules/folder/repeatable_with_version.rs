use crate::config::Level;
use crate::diagnostic::Fix;
use crate::naming::NameProblem;
use crate::rules::{DiagnosticExt, FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "repeatable-with-version",
    category: "naming",
    default_level: Level::Error,
    summary: "Repeatable migration or callback with a version (`R1__views.sql`): Flyway silently skips the file",
    doc: r#"## What it does
Flags repeatable migrations and callbacks with text between the prefix and the separator, such as
`R1__views.sql`, `R_views.sql` or `afterMigrate1.sql`.

## Why is this bad?
Repeatable migrations have no version: Flyway reruns them whenever their checksum changes.
Flyway rejects the name ("It cannot contain a version") and, unless `validateMigrationNaming` is
on, skips the file silently.

## Example
```text
R1__refresh_views.sql
```

## Use instead
```text
R__refresh_views.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        let Some(name) = file.name() else { continue };
        if name.problem != Some(NameProblem::VersionNotAllowed) {
            continue;
        }
        let Some(message) = name.flyway_message(&cx.project.config.flyway) else {
            continue;
        };
        // `R1__views.sql` and `R_views.sql` have an obvious fix; `README.sql` does not.
        let description = if name.separator_found {
            name.raw_description.as_str()
        } else if let Some(rest) = name.version_text.strip_prefix('_') {
            rest.trim_start_matches('_')
        } else {
            ""
        };
        let new_name = format!(
            "{}{}{description}{}",
            name.prefix,
            cx.parser.separator(),
            name.suffix
        );
        let diagnostic = sink.file(
            &RULE,
            file,
            format!("{message}. {}", cx.rejected_name_outcome()),
        );
        if !description.is_empty() {
            diagnostic.with_fix(Fix::RenameFile { new_name });
        }
    }
}
