use std::collections::BTreeSet;

use crate::config::Level;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "undo-without-versioned",
    category: "conventions",
    default_level: Level::Error,
    summary: "Undo migration with no versioned migration of the same version (`U5__x.sql` without `V5__…`)",
    doc: r#"## What it does
Flags undo migrations (`U5__…`) when no versioned migration has the same version.

## Why is this bad?
An undo migration reverts the versioned migration of its version. Without one it can never run
as intended, and it usually means the versioned file was renamed or renumbered (for example to
fix a duplicate) and its undo file was forgotten.

## Example
```text
V4__add_orders.sql
U5__add_orders.sql
```

## Use instead
```text
V4__add_orders.sql
U4__add_orders.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let versions: BTreeSet<_> = cx
        .set
        .migrations(&[Kind::Versioned])
        .filter_map(|(_, n)| n.version.as_ref())
        .collect();
    for (file, name) in cx.set.migrations(&[Kind::Undo]) {
        let Some(version) = &name.version else {
            continue;
        };
        if versions.contains(version) {
            continue;
        }
        sink.file(
            &RULE,
            file,
            format!(
                "Undo migration {} has no versioned migration {}{}…: there is nothing for it to undo. Rename it to the version it reverts, or add the versioned migration",
                file.file_name,
                cx.parser.prefix_of(Kind::Versioned).unwrap_or("V"),
                name.version_text
            ),
        );
    }
}
