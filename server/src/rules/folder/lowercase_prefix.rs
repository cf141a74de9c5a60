use crate::config::Level;
use crate::diagnostic::Fix;
use crate::naming::{Classified, Kind};
use crate::rules::{DiagnosticExt, FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "lowercase-prefix",
    category: "naming",
    default_level: Level::Error,
    summary: "Migration prefix in the wrong case (`v1__init.sql`): Flyway silently skips the file",
    doc: r#"## What it does
Flags files whose name starts with a migration prefix in the wrong case, such as `v1__init.sql`
or `r__views.sql`, when the configured prefix is `V` / `R` / `U` / `B`.

## Why is this bad?
Flyway matches prefixes case-sensitively. It reports such a file as "Unrecognised migration name
format" and, unless `validateMigrationNaming` is on, skips it without a word: the migration never
runs, in any environment, and nothing fails.

## Example
```text
db/migration/v2__add_users.sql
```

## Use instead
```text
db/migration/V2__add_users.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        if !matches!(file.class, Classified::Unrecognised { .. })
            || !cx.parser.looks_like_migration(&file.file_name)
        {
            continue;
        }
        let Some(prefix) = [
            Kind::Versioned,
            Kind::Baseline,
            Kind::Repeatable,
            Kind::Undo,
        ]
        .iter()
        .filter_map(|k| cx.parser.prefix_of(*k))
        .find(|p| {
            file.file_name
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p) && head != *p)
        }) else {
            continue;
        };
        let new_name = format!("{prefix}{}", &file.file_name[prefix.len()..]);
        sink.file(
            &RULE,
            file,
            format!(
                "Unrecognised migration name format: {} (the prefix is case-sensitive; {}). Rename it to {new_name}",
                file.file_name,
                cx.rejected_name_outcome()
            ),
        )
        .with_fix(Fix::RenameFile { new_name });
    }
}
