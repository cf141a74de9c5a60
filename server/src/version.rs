//! Flyway migration versions, with Flyway's own parsing and ordering rules.
//!
//! Flyway (`MigrationVersion`) turns `_` into `.`, splits only at a dot followed by an ASCII
//! digit (the pattern `\.(?=\d)`), reads every part as a (signed, arbitrary precision) integer
//! (Java's `BigInteger`, which accepts any Unicode decimal digit) and drops trailing zero parts,
//! so `1`, `001`, `1.0` and `1_0` are one version and `1.9 < 1.10`. A dot not followed by a digit
//! stays inside its part, which then is no number: `1.`, `1.2.`, `1.-2`, `1..2` are invalid.
//! `current`, `next` and `latest` (any case) and `9223372036854775807` are Flyway's special
//! versions (`MigrationVersion.fromVersion`): CURRENT sorts before every other version, LATEST
//! after every other, and NEXT compares as the number -3.

use std::cmp::Ordering;
use std::fmt;

/// A parsed migration version.
#[derive(Debug, Clone)]
pub struct Version {
    /// The version as written, with `_` replaced by `.` (what Flyway stores in the history table).
    raw: String,
    /// Numeric parts with trailing zero parts removed (at least one part).
    parts: Vec<Part>,
    /// One of Flyway's special versions, if it is one.
    special: Option<Special>,
}

/// Flyway's special versions (`MigrationVersion.CURRENT`, `NEXT`, `LATEST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Special {
    Current,
    Next,
    Latest,
}

impl Special {
    /// Flyway's display text for the version.
    pub fn display(self) -> &'static str {
        match self {
            Special::Current => "<< Current Version >>",
            Special::Next => "<< Next Version >>",
            Special::Latest => "<< Latest Version >>",
        }
    }

    /// The single number Flyway gives the version (`MigrationVersion`'s constants).
    fn number(self) -> Part {
        let digits = match self {
            Special::Latest => "1",
            Special::Current => "2",
            Special::Next => "3",
        };
        Part {
            negative: true,
            digits: digits.to_string(),
        }
    }
}

/// The first code point (digit zero) of each run of ten Unicode decimal digits (general category
/// Nd, Unicode 14): the digits Java's `Character.digit` reads, and so `BigInteger` accepts.
const DECIMAL_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a Unicode decimal digit (`٣` is 3), as Java's `Character.digit(c, 10)`.
fn decimal_digit(c: char) -> Option<u8> {
    let code = c as u32;
    let i = DECIMAL_ZEROS.partition_point(|&zero| zero <= code);
    let zero = DECIMAL_ZEROS[i.checked_sub(1)?];
    (code - zero < 10).then(|| (code - zero) as u8)
}

/// One numeric part: sign and the decimal digits without leading zeros ("" for zero).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    negative: bool,
    digits: String,
}

impl Part {
    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    fn parse(text: &str) -> Option<Part> {
        let (negative, digits) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        if digits.is_empty() {
            return None;
        }
        let digits = digits
            .chars()
            .map(|c| decimal_digit(c).map(|d| char::from(b'0' + d)))
            .collect::<Option<String>>()?;
        let digits = digits.trim_start_matches('0').to_string();
        // -0 is zero, as for Java's BigInteger.
        let negative = negative && !digits.is_empty();
        Some(Part { negative, digits })
    }
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> Ordering {
        let magnitude = self
            .digits
            .len()
            .cmp(&other.digits.len())
            .then_with(|| self.digits.cmp(&other.digits));
        match (self.negative, other.negative) {
            (false, false) => magnitude,
            (true, true) => magnitude.reverse(),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        }
    }
}

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a version text is not a Flyway version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError {
    /// The offending part (`1.` for `1.`, `2-3` for `1.2-3`; empty for `.1`).
    pub part: String,
}

impl Version {
    /// Parses a version the way Flyway's `MigrationVersion.fromVersion` does.
    pub fn parse(text: &str) -> Result<Version, VersionError> {
        let special = if text.eq_ignore_ascii_case("current") {
            Some(Special::Current)
        } else if text.eq_ignore_ascii_case("next") {
            Some(Special::Next)
        } else if text.eq_ignore_ascii_case("latest") || text == "9223372036854775807" {
            Some(Special::Latest)
        } else {
            None
        };
        if let Some(special) = special {
            return Ok(Version {
                raw: special.display().to_string(),
                parts: vec![special.number()],
                special: Some(special),
            });
        }
        let raw = text.replace('_', ".");
        // Split at each dot that an ASCII digit follows (Java's `\.(?=\d)`); the match is
        // never at the end, so Java's dropping of trailing empty strings never applies.
        let bytes = raw.as_bytes();
        let mut pieces = Vec::new();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                pieces.push(&raw[start..i]);
                start = i + 1;
            }
        }
        pieces.push(&raw[start..]);
        let mut parts = Vec::with_capacity(pieces.len());
        for piece in &pieces {
            match Part::parse(piece) {
                Some(part) => parts.push(part),
                None => {
                    return Err(VersionError {
                        part: (*piece).to_string(),
                    })
                }
            }
        }
        while parts.len() > 1 && parts.last().is_some_and(Part::is_zero) {
            parts.pop();
        }
        Ok(Version {
            raw,
            parts,
            special: None,
        })
    }

    /// Which of Flyway's special versions this is, if any.
    pub fn special(&self) -> Option<Special> {
        self.special
    }

    /// The version as Flyway prints and stores it (`1_2` is `1.2`; `<< Current Version >>`).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Number of parts after trailing zeros are dropped (`1.0` has one).
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Never true: a version has at least one part. Present for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The value of a single-part, non-negative version that fits in a `u64` (`7`, `007`, `7.0`).
    pub fn as_integer(&self) -> Option<u64> {
        if self.special.is_some() {
            return None;
        }
        match self.parts.as_slice() {
            [part] if !part.negative => {
                if part.digits.is_empty() {
                    Some(0)
                } else {
                    part.digits.parse().ok()
                }
            }
            _ => None,
        }
    }

    /// Normalised text: parts without leading zeros or trailing zero parts (`001.0` is `1`).
    pub fn normalized(&self) -> String {
        if let Some(special) = self.special {
            return special.display().to_string();
        }
        let mut out = String::new();
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            if part.negative {
                out.push('-');
            }
            out.push_str(if part.is_zero() { "0" } else { &part.digits });
        }
        out
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // CURRENT and LATEST equal only themselves; NEXT equals -3 and hashes as it.
        if matches!(self.special, Some(Special::Current | Special::Latest)) {
            self.special.hash(state);
        }
        self.parts.hash(state);
    }
}

impl std::hash::Hash for Part {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.negative.hash(state);
        self.digits.hash(state);
    }
}

impl Ord for Version {
    /// Flyway's order: CURRENT first, LATEST last, otherwise part by part (NEXT is -3), a
    /// missing part counting as zero.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.special, other.special) {
            (Some(Special::Current), Some(Special::Current))
            | (Some(Special::Latest), Some(Special::Latest)) => return Ordering::Equal,
            (Some(Special::Current), _) | (_, Some(Special::Latest)) => return Ordering::Less,
            (_, Some(Special::Current)) | (Some(Special::Latest), _) => return Ordering::Greater,
            _ => {}
        }
        let zero = Part {
            negative: false,
            digits: String::new(),
        };
        let n = self.parts.len().max(other.parts.len());
        for i in 0..n {
            let a = self.parts.get(i).unwrap_or(&zero);
            let b = other.parts.get(i).unwrap_or(&zero);
            match a.cmp(b) {
                Ordering::Equal => continue,
                unequal => return unequal,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn equal_forms() {
        assert_eq!(v("1"), v("001"));
        assert_eq!(v("1"), v("1.0"));
        assert_eq!(v("1"), v("1_0_0"));
        assert_eq!(v("1.2"), v("1_2"));
        assert_eq!(v("1.2").raw(), "1.2");
        assert_eq!(v("001.0").normalized(), "1");
        assert_eq!(v("0").normalized(), "0");
        assert_eq!(v("0.0").as_integer(), Some(0));
    }

    #[test]
    fn ordering_is_numeric_per_part() {
        assert!(v("1.9") < v("1.10"));
        assert!(v("2") > v("1.999"));
        assert!(v("1.0.1") > v("1"));
        assert!(v("10") > v("9"));
        assert!(v("-1") < v("0"));
        assert!(v("-2") < v("-1"));
        assert!(v("123456789012345678901234567890") > v("99999999999999999999"));
    }

    #[test]
    fn migration_version_splits_only_at_a_dot_before_a_digit() {
        // MigrationVersion's split pattern `\.(?=\d)`: a dot not followed by a digit stays in
        // its part, which is then not a number.
        let part = |text: &str| Version::parse(text).unwrap_err().part;
        assert_eq!(part("1."), "1.");
        assert_eq!(part("1_"), "1.");
        assert_eq!(part("1.2."), "2.");
        assert_eq!(part("1.-2"), "1.-2");
        assert_eq!(part("1.+2"), "1.+2");
        assert_eq!(part("1..2"), "1.");
        assert_eq!(part(".1"), "");
        assert!(Version::parse("").is_err());
        // A sign is part of the number (BigInteger) at the start of a part only.
        assert_eq!(v("+1.2"), v("1.2"));
        assert_eq!(part("1.2-3"), "2-3");
    }

    #[test]
    fn migration_version_special_versions() {
        // MigrationVersion.fromVersion: current / next / latest in any case, Long.MAX_VALUE.
        assert_eq!(v("current").special(), Some(Special::Current));
        assert_eq!(v("CURRENT").special(), Some(Special::Current));
        assert_eq!(v("Next").special(), Some(Special::Next));
        assert_eq!(v("latest").special(), Some(Special::Latest));
        assert_eq!(v("9223372036854775807").special(), Some(Special::Latest));
        assert_eq!(v("9223372036854775806").special(), None);
        assert_eq!(v("current").raw(), "<< Current Version >>");
        assert_eq!(v("latest").normalized(), "<< Latest Version >>");
        assert_eq!(v("next").as_integer(), None);
        // compareTo: CURRENT before everything, LATEST after everything, NEXT is -3.
        assert!(v("current") < v("-1000"));
        assert!(v("current") < v("next"));
        assert!(v("latest") > v("99999999999999999999999"));
        assert!(v("next") < v("latest"));
        assert_eq!(v("next"), v("-3"));
        assert!(v("next") < v("-2"));
        assert!(v("next") > v("-4"));
        assert_eq!(v("current"), v("Current"));
        assert_ne!(v("current"), v("-2"));
        assert_ne!(v("latest"), v("-1"));
        assert!(Version::parse("currently").is_err());
    }

    #[test]
    fn migration_version_reads_unicode_digits_as_big_integer_does() {
        // BigInteger reads any Unicode decimal digit (Character.digit).
        assert_eq!(v("\u{661}\u{662}"), v("12"));
        assert_eq!(v("\u{661}\u{662}").raw(), "\u{661}\u{662}");
        assert_eq!(v("\u{FF11}.2"), v("1.2"));
        assert_eq!(v("1.1\u{966}"), v("1.10"));
        assert_eq!(v("\u{1D7CF}").as_integer(), Some(1));
        // The split pattern's \d is ASCII only: a dot before a non-ASCII digit does not split,
        // so the part `1.١` is no number.
        assert_eq!(Version::parse("1.\u{661}").unwrap_err().part, "1.\u{661}");
        // Other numeric characters are not decimal digits.
        assert!(Version::parse("\u{B2}").is_err());
        assert!(Version::parse("\u{2163}").is_err());
        assert!(Version::parse("\u{10FFFF}").is_err());
    }

    #[test]
    fn rejects_non_numeric_parts() {
        assert_eq!(
            Version::parse("1_init").unwrap_err(),
            // `_` becomes `.`, and a dot before a letter does not split.
            VersionError {
                part: "1.init".into()
            }
        );
        assert!(Version::parse("1-2").is_err());
        assert!(Version::parse("1.2a").is_err());
        assert!(Version::parse("v1").is_err());
        assert!(Version::parse("+").is_err());
    }

    #[test]
    fn integers() {
        assert_eq!(v("007").as_integer(), Some(7));
        assert_eq!(v("7.0").as_integer(), Some(7));
        assert_eq!(v("7.1").as_integer(), None);
        assert_eq!(v("-7").as_integer(), None);
        assert_eq!(v("1_20210708").as_integer(), None);
    }
}
