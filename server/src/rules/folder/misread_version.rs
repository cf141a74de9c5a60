use crate::config::Level;
use crate::diagnostic::Fix;
use crate::naming::Kind;
use crate::rules::{DiagnosticExt, FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "misread-version",
    category: "naming",
    default_level: Level::Warning,
    summary: "No separator, so Flyway reads the description as part of the version (`V1_20210708.sql` is version 1.20210708)",
    doc: r#"## What it does
Flags versioned, undo and baseline migrations that have no separator (`__`) but an underscore in
what Flyway takes as the version, such as `V1_20210708.sql` or `V3_2.sql`.

## Why is this bad?
Without a separator Flyway reads everything up to the suffix as the version and `_` as a dot:
`V1_20210708.sql` silently becomes version `1.20210708` with no description. It sorts after every
other 1.x version, and a later `V1_2__x.sql` (1.2) runs before it. Nothing warns you.

## Example
```text
V1_20210708.sql
```

## Use instead
```text
V1__20210708.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        let Some(name) = file.migration(&[Kind::Versioned, Kind::Undo, Kind::Baseline]) else {
            continue;
        };
        if name.separator_found || !name.version_text.contains('_') {
            continue;
        }
        let Some(version) = &name.version else {
            continue;
        };
        let Some((first, rest)) = name.version_text.split_once('_') else {
            continue;
        };
        let new_name = format!(
            "{}{first}{}{rest}{}",
            name.prefix,
            cx.parser.separator(),
            name.suffix
        );
        sink.file(
            &RULE,
            file,
            format!(
                "{} has no `{}` separator, so Flyway reads it as version {} with no description. If `{rest}` is the description, rename it to {new_name}",
                file.file_name,
                cx.parser.separator(),
                version.raw()
            ),
        )
        .with_fix(Fix::RenameFile { new_name });
    }
}
