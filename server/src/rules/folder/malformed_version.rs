use crate::config::Level;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "malformed-version",
    category: "naming",
    default_level: Level::Warning,
    summary:
        "Version Flyway accepts but reads differently than written (`V1.__x.sql`, `V+1__x.sql`)",
    doc: r#"## What it does
Flags versions that Flyway accepts only by accident of its parser: a trailing dot or underscore
(`V1.__x.sql` is version 1, since Java's `split` drops the empty last part) and signed parts
(`V-1__x.sql`, `V+2__x.sql`, read as big integers with a sign).

## Why is this bad?
The version Flyway records differs from what the name seems to say, and the next tool or teammate
may read it differently. A later `V1__y.sql` becomes a duplicate of `V1.__x.sql`.

## Example
```text
V2.__add_users.sql
```

## Use instead
```text
V2__add_users.sql
```
"#,
    convention: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        let Some(name) = file.name() else { continue };
        let Some(version) = name.version.as_ref().filter(|_| name.is_valid()) else {
            continue;
        };
        let text = &name.version_text;
        // The suggested version keeps the user's spelling (zero padding, `_` or `.`) where
        // it can: only the trailing separator goes.
        let (problem, written) = if text.ends_with(['.', '_']) {
            (
                "ends with a separator",
                text.trim_end_matches(['.', '_']).to_string(),
            )
        } else if text.contains(['+', '-']) {
            ("has a signed part", version.normalized())
        } else {
            continue;
        };
        sink.file(
            &RULE,
            file,
            format!(
                "Version `{text}` {problem}; Flyway reads it as version {}. Write it as {}{}{}{}{}",
                version.normalized(),
                name.prefix,
                written,
                cx.parser.separator(),
                name.raw_description,
                name.suffix
            ),
        );
    }
}
