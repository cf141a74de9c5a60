use std::collections::BTreeMap;

use crate::config::Level;
use crate::diagnostic::Fix;
use crate::index::ScriptFile;
use crate::naming::{Kind, ResourceName};
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "version-gap",
    category: "versions",
    default_level: Level::Warning,
    summary: "Missing version in a sequence (`V1`, `V2`, `V4`)",
    doc: r#"## What it does
Flags a versioned migration whose version skips one: `V4` after `V2` with no `V3`. Integer
versions are checked as one sequence; dotted versions (`1.12.4`, `1.12.6`) are checked within
their group (same leading parts). Timestamp-style versions (8 or more digits) are not checked.
Baseline migrations count as present versions. Set the level to "error" for teams that require
strictly sequential versions, or "off".

## Why is this bad?
A gap usually means a migration was renamed, deleted, or is still on another branch. When the
missing version arrives later, Flyway refuses it as "ignored" (below the applied version) unless
`outOfOrder` is on, and environments end up applying migrations in different orders.

## Example
```text
V1__create_users.sql
V2__create_orders.sql
V4__add_index.sql
```

## Use instead
```text
V1__create_users.sql
V2__create_orders.sql
V3__add_index.sql
```
"#,
    convention: None,
};

/// A valid migration and its parsed name.
type Migration<'a> = (&'a ScriptFile, &'a ResourceName);

/// Versions from this many digits up are dates or timestamps, not sequences.
const TIMESTAMP_DIGITS: usize = 8;

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let all: Vec<(&ScriptFile, &ResourceName)> = cx
        .set
        .migrations(&[Kind::Versioned, Kind::Baseline])
        .collect();
    // Group by all numeric parts but the last, as written (`1_12_5` → [1, 12]).
    let mut groups: BTreeMap<Vec<u128>, BTreeMap<u128, Vec<Migration>>> = BTreeMap::new();
    for (file, name) in &all {
        let parts: Option<Vec<u128>> = name
            .version_text
            .split(['.', '_'])
            .filter(|p| !p.is_empty())
            .map(|p| {
                (p.len() < TIMESTAMP_DIGITS && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        let Some(mut parts) = parts else { continue };
        let Some(last) = parts.pop() else { continue };
        groups
            .entry(parts)
            .or_default()
            .entry(last)
            .or_default()
            .push((file, name));
    }
    let highest = all.iter().filter_map(|(_, n)| n.version.as_ref()).max();
    for (prefix, members) in groups {
        if members.len() < 2 {
            continue;
        }
        let numbers: Vec<u128> = members.keys().copied().collect();
        for pair in numbers.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            if after <= before + 1 {
                continue;
            }
            let show = |n: u128| {
                prefix
                    .iter()
                    .map(|p| p.to_string())
                    .chain(std::iter::once(n.to_string()))
                    .collect::<Vec<_>>()
                    .join(".")
            };
            let missing = if after == before + 2 {
                format!("version {} is missing", show(before + 1))
            } else {
                format!(
                    "versions {} to {} are missing",
                    show(before + 1),
                    show(after - 1)
                )
            };
            for (file, name) in &members[&after] {
                if name.kind != Kind::Versioned {
                    continue;
                }
                // Renumbering is the fix only for the newest migration; older ones may be applied.
                let fix = (name.version.as_ref() == highest).then(|| {
                    let digits = (before + 1).to_string();
                    let text = &name.version_text;
                    let start = text.rfind(['.', '_']).map_or(0, |i| i + 1);
                    let width = text.len() - start;
                    let padded = if text[start..].starts_with('0') && digits.len() < width {
                        format!("{}{digits}", "0".repeat(width - digits.len()))
                    } else {
                        digits
                    };
                    format!(
                        "{}{}{padded}{}{}{}",
                        name.prefix,
                        &text[..start],
                        cx.parser.separator(),
                        name.raw_description,
                        name.suffix
                    )
                });
                let advice = match &fix {
                    Some(new_name) => {
                        format!("; if nothing else will take it, rename this file to {new_name}")
                    }
                    None => String::new(),
                };
                if let Some(d) = sink.file(
                    &RULE,
                    file,
                    format!(
                        "Version {} follows {}: {missing}{advice}",
                        show(after),
                        show(before)
                    ),
                ) {
                    d.fix = fix.map(|new_name| Fix::RenameFile { new_name });
                }
            }
        }
    }
}
