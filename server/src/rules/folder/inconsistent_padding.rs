use std::collections::BTreeMap;

use crate::config::Level;
use crate::diagnostic::Fix;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};
use crate::sequence::{leading_number, padding_width};

pub static RULE: Rule = Rule {
    id: "inconsistent-padding",
    category: "versions",
    default_level: Level::Warning,
    summary: "Version zero-padded differently from the rest of its folder (`V2__x.sql` beside `V001__a.sql`)",
    doc: r#"## What it does
In a folder where versions are zero-padded (`V001__…`), flags versions written with another width
(`V2__…`, `V0003__…`). The folder's width is the most common padded width. Versions too large for
the width (`V1000` in a `V001` folder) are not flagged.

## Why is this bad?
Flyway compares versions numerically, so it runs them in the right order, but every other tool
sorts by name: `V10__x.sql` lists before `V002__y.sql` in file browsers, code review and `ls`, and
reviewers misread the order. Mixed widths also make duplicate versions (`V2` and `V002`) easy to
miss.

## Example
```text
V001__create_users.sql
V002__create_orders.sql
V3__add_index.sql
```

## Use instead
```text
V003__add_index.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let mut folders: BTreeMap<(usize, &str), Vec<_>> = BTreeMap::new();
    for (file, name) in cx
        .set
        .migrations(&[Kind::Versioned, Kind::Undo, Kind::Baseline])
    {
        folders
            .entry((file.location, file.script_dir()))
            .or_default()
            .push((file, name));
    }
    for members in folders.values() {
        let Some(width) = padding_width(members.iter().map(|(_, n)| n.version_text.as_str()))
        else {
            continue;
        };
        for (file, name) in members {
            let Some(number) = leading_number(&name.version_text) else {
                continue;
            };
            let significant = number.trim_start_matches('0');
            let significant = if significant.is_empty() {
                "0"
            } else {
                significant
            };
            if number.len() == width || significant.len() > width {
                continue;
            }
            let padded = format!("{}{significant}", "0".repeat(width - significant.len()));
            let new_name = format!(
                "{}{padded}{}",
                name.prefix,
                &file.file_name[name.prefix.len() + number.len()..]
            );
            if let Some(d) = sink.file(
                &RULE,
                file,
                format!(
                    "Version {number} is not padded to {width} digits like the other versions in this folder; rename it to {new_name}"
                ),
            ) {
                d.fix = Some(Fix::RenameFile { new_name });
            }
        }
    }
}
