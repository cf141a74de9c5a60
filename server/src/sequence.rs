//! A folder's version sequence: its zero-padding convention and the next version in its style.

use crate::index::MigrationSet;
use crate::naming::Kind;

/// The leading numeric run of a version text (`007` of `007_1`), if it starts with a digit.
pub fn leading_number(version_text: &str) -> Option<&str> {
    let end = version_text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(version_text.len());
    (end > 0).then(|| &version_text[..end])
}

/// The zero-padding width of a set of version texts: the most common width among those written
/// with a leading zero (`001`), the larger on a tie; `None` when no version is padded.
pub fn padding_width<'a>(version_texts: impl Iterator<Item = &'a str>) -> Option<usize> {
    let mut counts = std::collections::BTreeMap::new();
    for text in version_texts {
        if let Some(number) = leading_number(text) {
            if number.len() > 1 && number.starts_with('0') {
                *counts.entry(number.len()).or_insert(0usize) += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by(|(wa, ca), (wb, cb)| ca.cmp(cb).then(wa.cmp(wb)))
        .map(|(w, _)| w)
}

/// The version text that follows the highest versioned migration, in the folder's style:
/// integers go up by one keeping the zero padding (`007` → `008`); dotted or underscored versions
/// raise their last part (`1_12_30` → `1_12_31`, `2.1` → `2.2`). An empty folder starts at `1`.
/// Versions not written in ASCII digits (Flyway's `current` / `next` / `latest`, `V١__x.sql`)
/// have no place in a sequence and are left out.
pub fn next_version(set: &MigrationSet) -> String {
    let versioned: Vec<_> = set
        .with_code(&[Kind::Versioned])
        .filter(|(_, n)| {
            n.version.as_ref().is_some_and(|v| v.special().is_none())
                && n.version_text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"._+-".contains(&b))
        })
        .collect();
    let Some((_, highest)) = versioned
        .iter()
        .max_by(|a, b| a.1.version.cmp(&b.1.version))
    else {
        return "1".to_string();
    };
    let width = padding_width(versioned.iter().map(|(_, n)| n.version_text.as_str()));
    bump(&highest.version_text, width)
}

/// The version text after `text`: its last digit run plus one. A single-part version is
/// zero-padded to `width` (the folder's padding); a later part keeps its own width (`1.09` →
/// `1.10`). Text without digits gets `1` appended.
pub fn bump(text: &str, width: Option<usize>) -> String {
    let Some(last_digit) = text.rfind(|c: char| c.is_ascii_digit()) else {
        return format!("{text}1");
    };
    let end = last_digit + 1;
    let start = text[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let digits = &text[start..end];
    let next = increment_decimal(digits);
    let padded_width = if start == 0 {
        width.unwrap_or(0)
    } else {
        digits.len()
    };
    let next = if next.len() < padded_width {
        format!("{}{next}", "0".repeat(padded_width - next.len()))
    } else {
        next
    };
    format!("{}{next}{}", &text[..start], &text[end..])
}

/// Adds one to a decimal digit string of any length (leading zeros dropped).
fn increment_decimal(digits: &str) -> String {
    let mut bytes: Vec<u8> = digits.trim_start_matches('0').bytes().collect();
    let mut i = bytes.len();
    loop {
        if i == 0 {
            bytes.insert(0, b'1');
            break;
        }
        i -= 1;
        if bytes[i] == b'9' {
            bytes[i] = b'0';
        } else {
            bytes[i] += 1;
            break;
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| "1".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FlywaySettings;
    use crate::index::{Content, ScriptFile};
    use crate::naming::NameParser;

    fn set(names: &[&str]) -> MigrationSet {
        let parser = NameParser::new(&FlywaySettings::default());
        MigrationSet {
            files: names
                .iter()
                .map(|n| ScriptFile {
                    path: n.into(),
                    location: 0,
                    script: n.to_string(),
                    file_name: n.to_string(),
                    class: parser.classify(n),
                    content: Content::NotRead,
                })
                .collect(),
            ..MigrationSet::default()
        }
    }

    #[test]
    fn next_versions() {
        assert_eq!(next_version(&set(&[])), "1");
        assert_eq!(next_version(&set(&["V1__a.sql", "V2__b.sql"])), "3");
        assert_eq!(next_version(&set(&["V001__a.sql", "V009__b.sql"])), "010");
        assert_eq!(next_version(&set(&["V099__a.sql"])), "100");
        assert_eq!(next_version(&set(&["V999__a.sql", "V001__b.sql"])), "1000");
        assert_eq!(
            next_version(&set(&["V1_12_9__a.sql", "V1_12_30__b.sql"])),
            "1_12_31"
        );
        assert_eq!(next_version(&set(&["V2.1__a.sql", "V1.9__b.sql"])), "2.2");
        assert_eq!(
            next_version(&set(&[
                "V3__x__migration_a1b2c3d4.sql",
                "U3__x.sql",
                "R__v.sql"
            ])),
            "4"
        );
        // MigrationVersion's special versions and Unicode digits are no sequence.
        assert_eq!(
            next_version(&set(&["V7__a.sql", "Vlatest__b.sql", "V\u{668}__c.sql"])),
            "8"
        );
        assert_eq!(bump("1.09", None), "1.10");
        assert_eq!(bump("9", Some(3)), "010");
        assert_eq!(
            increment_decimal("99999999999999999999999"),
            "100000000000000000000000"
        );
    }

    #[test]
    fn padding() {
        assert_eq!(padding_width(["001", "002", "3"].into_iter()), Some(3));
        assert_eq!(padding_width(["1", "2"].into_iter()), None);
        assert_eq!(padding_width(["01", "001", "002"].into_iter()), Some(3));
    }
}
