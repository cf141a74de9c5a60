use std::collections::{BTreeMap, BTreeSet};

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
their group (same leading parts). Only sequences meant to be dense are checked: dates and
timestamps (`20201207`, `20161207.1200`, `2021_03_04_1200`, `6.0_2016.04.04`) are not, nor is a
number whose sub-versions exist (`13.1` and `13.2` without `13`), nor a group where most steps skip numbers (`4.3.0`, `4.3.6`, `4.3.8`, `4.3.12`:
versions that follow product releases; at least three steps), nor a project whose
`ignoreMigrationPatterns` contains `*:missing` (migrations are removed on purpose there).
Baseline migrations and Java / Kotlin migrations (`V3__backfill.java`) count as present
versions. Versions are shown as written. Set the level to
"error" for teams that require strictly sequential versions, or "off".

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
    tag: None,
};

/// A valid migration and its parsed name.
type Migration<'a> = (&'a ScriptFile, &'a ResourceName);

/// A group with at least this many steps, most of which skip numbers, is numbered after
/// releases, not densely.
const RELEASE_STEPS: usize = 3;

/// Versions from this many digits up are dates or timestamps, not sequences.
const TIMESTAMP_DIGITS: usize = 8;

/// The numeric parts of a version as written (`1_12_5` → [1, 12, 5]), or `None` for a version
/// that is not a dense sequence: a part that is not a plain number, a timestamp
/// (`20161207.1200`), or a date spelled in parts (`2021_03_04_1200`, `6.0_2016.04.04`: a
/// four-digit year followed by more parts).
fn sequence_parts(version_text: &str) -> Option<Vec<u128>> {
    let texts: Vec<&str> = version_text
        .split(['.', '_'])
        .filter(|p| !p.is_empty())
        .collect();
    let mut parts = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        if text.len() >= TIMESTAMP_DIGITS || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u128 = text.parse().ok()?;
        let year = text.len() == 4 && (1970..=2199).contains(&n);
        if year && i + 1 < texts.len() {
            return None;
        }
        parts.push(n);
    }
    Some(parts)
}

/// `ignoreMigrationPatterns` lets versioned migrations go missing (`*:missing`,
/// `versioned:missing`, `*:*`; Flyway matches them case-insensitively).
fn missing_ignored(cx: &FolderContext) -> bool {
    let Ok(Some((patterns, _))) = cx.project.config.layers.get("ignoreMigrationPatterns") else {
        return false;
    };
    patterns
        .split(',')
        .filter_map(|p| crate::config::IgnorePattern::parse(p).ok())
        .any(|p| p.matches(true, "Missing"))
}

/// `text` (a version as written) with its last numeric part replaced by `n`, zero-padded to the
/// written width when the written part is padded.
fn respell(text: &str, n: u128) -> String {
    let start = text.rfind(['.', '_']).map_or(0, |i| i + 1);
    let digits = n.to_string();
    let width = text.len() - start;
    if text[start..].starts_with('0') && digits.len() < width {
        format!(
            "{}{}{digits}",
            &text[..start],
            "0".repeat(width - digits.len())
        )
    } else {
        format!("{}{digits}", &text[..start])
    }
}

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    if missing_ignored(cx) {
        return;
    }
    let all: Vec<(&ScriptFile, &ResourceName)> = cx
        .set
        .with_code(&[Kind::Versioned, Kind::Baseline])
        .collect();
    // Group by all numeric parts but the last, as written (`1_12_5` → [1, 12]).
    let mut groups: BTreeMap<Vec<u128>, BTreeMap<u128, Vec<Migration>>> = BTreeMap::new();
    // Every prefix of a longer version: [13] is there when 13.1 is.
    let mut parents: BTreeSet<Vec<u128>> = BTreeSet::new();
    for (file, name) in &all {
        let Some(mut parts) = sequence_parts(&name.version_text) else {
            continue;
        };
        for len in 1..parts.len() {
            parents.insert(parts[..len].to_vec());
        }
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
        // A number whose sub-versions exist (13.1 without 13) is not missing: the sequence went
        // down a level there. (Vectors order element by element, so one range query covers
        // every number.)
        let child_range = |n: u128| {
            let mut parent = prefix.clone();
            parent.push(n);
            parent
        };
        let gaps: Vec<(u128, u128)> = numbers
            .windows(2)
            .map(|pair| (pair[0], pair[1]))
            .filter(|&(before, after)| {
                after > before + 1
                    && parents
                        .range(child_range(before + 1)..=child_range(after - 1))
                        .next()
                        .is_none()
            })
            .collect();
        // Most steps skip numbers (4.3.0, 4.3.6, 4.3.8, 4.3.12…): the numbers follow something
        // else (product releases), not a dense sequence, so nothing is missing.
        let steps = numbers.len() - 1;
        if steps >= RELEASE_STEPS && gaps.len() * 2 > steps {
            continue;
        }
        for (before, after) in gaps {
            let before_text = &members[&before][0].1.version_text;
            for (file, name) in &members[&after] {
                if name.kind != Kind::Versioned {
                    continue;
                }
                let text = &name.version_text;
                let missing = if after == before + 2 {
                    format!("version {} is missing", respell(text, before + 1))
                } else {
                    format!(
                        "versions {} to {} are missing",
                        respell(text, before + 1),
                        respell(text, after - 1)
                    )
                };
                // Renumbering is the fix only for the newest migration; older ones may be applied.
                // A Java or Kotlin class is renamed with its code: no file rename for it.
                let fix = (name.version.as_ref() == highest && !file.is_code()).then(|| {
                    format!(
                        "{}{}{}{}{}",
                        name.prefix,
                        respell(text, before + 1),
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
                    format!("Version {text} follows {before_text}: {missing}{advice}"),
                ) {
                    d.fix = fix.map(|new_name| Fix::RenameFile { new_name });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_are_not_sequences() {
        for text in [
            "20201207",
            "20161207.1200",
            "2021_03_04_1200",
            "6.0_2016.04.04",
            "20160822115745",
            "20210107_10588",
        ] {
            assert_eq!(sequence_parts(text), None, "{text}");
        }
        assert_eq!(sequence_parts("1_12_5"), Some(vec![1, 12, 5]));
        assert_eq!(sequence_parts("0001"), Some(vec![1]));
        // A lone four-digit number is a number, not a year.
        assert_eq!(sequence_parts("2016"), Some(vec![2016]));
    }

    #[test]
    fn respelled_as_written() {
        assert_eq!(respell("1_12_6", 5), "1_12_5");
        assert_eq!(respell("0004", 3), "0003");
        assert_eq!(respell("6.5.0.12", 11), "6.5.0.11");
        assert_eq!(respell("18", 17), "17");
    }
}
