use crate::config::Level;
use crate::rules::{FolderContext, Rule, Sink};
use crate::version::Special;

pub static RULE: Rule = Rule {
    id: "malformed-version",
    category: "naming",
    default_level: Level::Warning,
    summary: "Version Flyway accepts but reads differently than written (`V+1__x.sql`, `Vcurrent__x.sql`, `V١__x.sql`)",
    doc: r#"## What it does
Flags versions that Flyway accepts only by accident of its parser (`MigrationVersion`): signed
parts (`V-1__x.sql`, `V+2__x.sql`, read as big integers with a sign); the words `current`,
`next` and `latest` (any case) and `9223372036854775807`, which are Flyway's special versions
(CURRENT is ordered before every other version, LATEST after every other, NEXT compares as the
number -3); and digits other than ASCII `0`–`9` (`V١__x.sql` is version 1: Java's `BigInteger`
reads any Unicode decimal digit).

## Why is this bad?
The version Flyway records and the order it runs the migration in differ from what the name
seems to say, and the next tool or teammate may read it differently. A later `V1__y.sql` becomes
a duplicate of `V+1__x.sql`.

## Example
```text
V+2__add_users.sql
```

## Use instead
```text
V2__add_users.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        let Some(name) = file.name() else { continue };
        let Some(version) = name.version.as_ref().filter(|_| name.is_valid()) else {
            continue;
        };
        let text = &name.version_text;
        if let Some(special) = version.special() {
            let order = match special {
                Special::Current => "ordered before every other version",
                Special::Latest => "ordered after every other version",
                Special::Next => "compared as the number -3",
            };
            sink.file(
                &RULE,
                file,
                format!(
                    "Version `{text}` is Flyway's special version {}, {order}, not a number. Give the migration a numeric version",
                    special.display()
                ),
            );
            continue;
        }
        // The suggested version keeps the user's spelling (zero padding, `_` or `.`) where
        // it can.
        let (problem, written) = if text.contains(['+', '-']) {
            ("has a signed part", version.normalized())
        } else if !text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
        {
            ("has digits other than 0-9", version.normalized())
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
