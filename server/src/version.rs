//! Flyway migration versions, with Flyway's own parsing and ordering rules.
//!
//! Flyway (`MigrationVersion`) turns `_` into `.`, splits on `.`, reads every part as a
//! (signed, arbitrary precision) integer and drops trailing zero parts, so `1`, `001`, `1.0` and
//! `1_0` are one version and `1.9 < 1.10`. Like Java's `String.split`, trailing empty parts are
//! dropped, so `1.` is accepted as version 1; an empty part anywhere else (`1..2`, `.1`) is not.

use std::cmp::Ordering;
use std::fmt;

/// A parsed migration version.
#[derive(Debug, Clone)]
pub struct Version {
    /// The version as written, with `_` replaced by `.` (what Flyway stores in the history table).
    raw: String,
    /// Numeric parts with trailing zero parts removed (at least one part).
    parts: Vec<Part>,
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
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
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
    /// The offending part (may be empty for `1..2`).
    pub part: String,
}

impl Version {
    /// Parses a version the way Flyway's `MigrationVersion.fromVersion` does.
    pub fn parse(text: &str) -> Result<Version, VersionError> {
        let raw = text.replace('_', ".");
        let mut pieces: Vec<&str> = raw.split('.').collect();
        // Java's String.split drops trailing empty strings.
        while pieces.len() > 1 && pieces.last() == Some(&"") {
            pieces.pop();
        }
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
        Ok(Version { raw, parts })
    }

    /// The version as Flyway prints and stores it (`1_2` is `1.2`).
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
    /// Flyway's order: part by part, a missing part counting as zero.
    fn cmp(&self, other: &Self) -> Ordering {
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
    fn java_split_quirks() {
        // Trailing empty parts are dropped by Java's split: "1." is version 1.
        assert_eq!(v("1."), v("1"));
        assert_eq!(v("1.").raw(), "1.");
        assert!(Version::parse("1..2").is_err());
        assert!(Version::parse(".1").is_err());
        assert!(Version::parse("").is_err());
    }

    #[test]
    fn rejects_non_numeric_parts() {
        assert_eq!(
            Version::parse("1_init").unwrap_err(),
            VersionError {
                part: "init".into()
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
