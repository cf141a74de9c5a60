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

/// The width of a folder whose versions are UTC timestamps (`yyyyMMddHHmmss`: 14 digits,
/// `yyyyMMddHHmm`: 12), read from its highest plain-digit version; `None` for any other style.
pub fn timestamp_width(set: &MigrationSet) -> Option<usize> {
    let highest = set
        .with_code(&[Kind::Versioned])
        .filter(|(_, n)| {
            n.version.as_ref().is_some_and(|v| v.special().is_none())
                && n.version_text.bytes().all(|b| b.is_ascii_digit())
        })
        .max_by(|a, b| a.1.version.cmp(&b.1.version))?;
    let text = highest.1.version_text.as_str();
    let field = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
    let valid = matches!(text.len(), 12 | 14)
        && field(0..4).is_some_and(|y| (1970..=2999).contains(&y))
        && field(4..6).is_some_and(|m| (1..=12).contains(&m))
        && field(6..8).is_some_and(|d| (1..=31).contains(&d))
        && field(8..10).is_some_and(|h| h < 24)
        && field(10..12).is_some_and(|m| m < 60)
        && (text.len() == 12 || field(12..14).is_some_and(|s| s < 60));
    valid.then_some(text.len())
}

/// The UTC time `unix_seconds` as a version of `width` digits (`yyyyMMddHHmmss` cut to width).
pub fn timestamp(unix_seconds: u64, width: usize) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let seconds = unix_seconds % 86_400;
    let (y, m, d) = crate::placeholders::civil_date(days);
    let full = format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    full[..width.min(full.len())].to_string()
}

/// The next version for a new migration written at `unix_seconds`: in a timestamp-versioned
/// folder the time itself (UTC, the folder's width) when it is later than every version, else
/// [`next_version`].
pub fn next_version_at(set: &MigrationSet, unix_seconds: u64) -> String {
    let next = next_version(set);
    let Some(width) = timestamp_width(set) else {
        return next;
    };
    let now = timestamp(unix_seconds, width);
    let later = |a: &str, b: &str| match (
        crate::version::Version::parse(a),
        crate::version::Version::parse(b),
    ) {
        (Ok(a), Ok(b)) => a > b,
        _ => false,
    };
    if later(&now, &next) || now == next {
        now
    } else {
        next
    }
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
                .map(|n| {
                    std::sync::Arc::new(ScriptFile {
                        path: n.into(),
                        location: 0,
                        script: n.to_string(),
                        file_name: n.to_string(),
                        class: parser.classify(n),
                        content: Content::NotRead,
                    })
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
    fn timestamps() {
        // 2024-03-05 07:08:09 UTC.
        let at = 1_709_622_489;
        assert_eq!(timestamp(at, 14), "20240305070809");
        assert_eq!(timestamp(at, 12), "202403050708");
        let folder = set(&["V20230101120000__a.sql", "V20230102093000__b.sql"]);
        assert_eq!(timestamp_width(&folder), Some(14));
        assert_eq!(next_version_at(&folder, at), "20240305070809");
        // A clock behind the newest version: one after it, never an older version.
        assert_eq!(next_version_at(&folder, 0), "20230102093001");
        let minutes = set(&["V202301011200__a.sql"]);
        assert_eq!(next_version_at(&minutes, at), "202403050708");
        // Not timestamps: plain sequences, impossible dates, other lengths.
        for names in [
            &["V1__a.sql", "V2__b.sql"][..],
            &["V20231301120000__a.sql"],
            &["V2023010112__a.sql"],
            &["V1.20230101120000__a.sql"],
        ] {
            assert_eq!(timestamp_width(&set(names)), None, "{names:?}");
        }
        assert_eq!(next_version_at(&set(&["V7__a.sql"]), at), "8");
    }

    #[test]
    fn padding() {
        assert_eq!(padding_width(["001", "002", "3"].into_iter()), Some(3));
        assert_eq!(padding_width(["1", "2"].into_iter()), None);
        assert_eq!(padding_width(["01", "001", "002"].into_iter()), Some(3));
    }
}
