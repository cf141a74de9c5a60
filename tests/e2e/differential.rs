//! Differential test (issue #12, "Done when", second point): random names, versions, script
//! contents, placeholder texts and schema histories, each judged by a small reference model
//! written here from Flyway's source, and by the tool's own code; any difference fails with the
//! seed that replays it.
//!
//! The model never calls the tool. Its sources, by area:
//! - names: `ResourceNameParser` (suffix by `endsWith` without regard to case, as
//!   `StringUtils.startsAndEndsWith` compares it, in the configured order, the longest
//!   prefix first with callbacks' `Event` ids, split at the first separator, its messages);
//! - versions: `MigrationVersion` (`_` → `.`, split at `\.(?=\d)` with Java's ASCII `\d`,
//!   `BigInteger` parts that take a sign and any Unicode decimal digit, trailing zeros dropped,
//!   `current` / `next` / `latest`);
//! - checksums: `ChecksumCalculator` (the decoder of the configured encoding, which reports bad
//!   input; `BufferedReader.readLine`; a BOM removed from the first line; CRC-32 over each
//!   line's UTF-8 bytes);
//! - placeholders: `PlaceholderReplacingReader.read` as a character state machine, with
//!   `ParsingContext`'s built-ins over the configured values;
//! - histories: `MigrationInfoServiceImpl.refresh` / `markAsDeleted`, `MigrationInfoImpl`
//!   (`getState`, `validate`, `compareTo`), `BaseAppliedMigration.getState`,
//!   `ResolvedMigration.getState`, `ValidatePatternUtils` (Flyway 10–11 sources, 2024).
//!
//! Bounded: `FLYWAY_LSP_DIFF_CASES` cases per area (default 2,000) or 20 seconds in all,
//! whichever comes first. `FLYWAY_LSP_DIFF_SEED` replays a run (the seed is printed on
//! failure; without it the seed comes from the clock).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use flyway_lsp::checksum::{checksum_text, decode, StreamingChecksum};
use flyway_lsp::config::{Edition, Encoding, FlywaySettings, IgnorePattern};
use flyway_lsp::database::validate::{compare_to, HistoryRow, Resolved, Target};
use flyway_lsp::naming::{Classified, Kind, NameParser};
use flyway_lsp::placeholders::{replace_placeholders, BuiltIns};
use flyway_lsp::version::Version;

// ---------------------------------------------------------------- the run

const BUDGET: Duration = Duration::from_secs(20);

struct Rng(u64);

impl Rng {
    /// splitmix64.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn word<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn seed() -> u64 {
    match std::env::var("FLYWAY_LSP_DIFF_SEED") {
        Ok(s) => s.trim().parse().expect("FLYWAY_LSP_DIFF_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

fn cases() -> usize {
    std::env::var("FLYWAY_LSP_DIFF_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(2000)
}

/// Runs `check` on `cases()` generated cases (or until the time budget is spent), each with its
/// own seed; a failure names the area, the case's seed and what differed.
fn run(area: &str, check: impl Fn(&mut Rng) -> Result<(), String>) {
    let base = seed();
    let start = Instant::now();
    let mut done = 0;
    for i in 0..cases() {
        if start.elapsed() > BUDGET / 5 {
            break;
        }
        let case_seed = base
            .wrapping_add(i as u64)
            .wrapping_mul(0x2545_F491_4F6C_DD1D);
        let mut rng = Rng(case_seed);
        if let Err(difference) = check(&mut rng) {
            panic!(
                "{area}: the tool and the model of Flyway disagree (replay: FLYWAY_LSP_DIFF_SEED={base}, case {i}, case seed {case_seed}):\n{difference}"
            );
        }
        done += 1;
    }
    assert!(done > 0, "{area}: no case ran");
}

// ---------------------------------------------------------------- versions (MigrationVersion)

/// A `BigInteger`: sign and magnitude digits without leading zeros ("" is zero).
#[derive(Debug, Clone, PartialEq, Eq)]
struct BigInt {
    negative: bool,
    digits: String,
}

impl BigInt {
    fn small(n: i64) -> BigInt {
        BigInt {
            negative: n < 0,
            digits: if n == 0 {
                String::new()
            } else {
                n.unsigned_abs().to_string()
            },
        }
    }
    fn zero(&self) -> bool {
        self.digits.is_empty()
    }
    fn cmp(&self, other: &BigInt) -> Ordering {
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

/// Java's `Character.digit(c, 10)` for the digit blocks the generator writes.
fn java_digit(c: char) -> Option<u32> {
    for zero in [0x30u32, 0x660, 0x966, 0xFF10] {
        let code = c as u32;
        if (zero..zero + 10).contains(&code) {
            return Some(code - zero);
        }
    }
    None
}

/// `new BigInteger(text)`: an optional sign, then at least one digit.
fn big_integer(text: &str) -> Option<BigInt> {
    let (negative, rest) = match text.chars().next()? {
        '-' => (true, &text[1..]),
        '+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest.is_empty() {
        return None;
    }
    let mut digits = String::new();
    for c in rest.chars() {
        let d = java_digit(c)?;
        if !(digits.is_empty() && d == 0) {
            digits.push(char::from_digit(d, 10).unwrap());
        }
    }
    Some(BigInt {
        negative: negative && !digits.is_empty(),
        digits,
    })
}

#[derive(Debug, Clone)]
enum JVersion {
    Current,
    Latest,
    Parts(Vec<BigInt>),
}

impl JVersion {
    /// `MigrationVersion.fromVersion`; `None` where the constructor throws.
    fn parse(text: &str) -> Option<JVersion> {
        if text.eq_ignore_ascii_case("current") {
            return Some(JVersion::Current);
        }
        if text.eq_ignore_ascii_case("next") {
            return Some(JVersion::Parts(vec![BigInt::small(-3)]));
        }
        if text.eq_ignore_ascii_case("latest") || text == "9223372036854775807" {
            return Some(JVersion::Latest);
        }
        let normalized = text.replace('_', ".");
        // Pattern.split("\\.(?=\\d)") with ASCII \d.
        let chars: Vec<char> = normalized.chars().collect();
        let mut pieces = vec![String::new()];
        for (i, &c) in chars.iter().enumerate() {
            if c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                pieces.push(String::new());
            } else {
                pieces.last_mut().unwrap().push(c);
            }
        }
        let mut parts = pieces
            .iter()
            .map(|p| big_integer(p))
            .collect::<Option<Vec<_>>>()?;
        while parts.len() > 1 && parts.last().unwrap().zero() {
            parts.pop();
        }
        Some(JVersion::Parts(parts))
    }

    /// `MigrationVersion.compareTo`.
    fn cmp(&self, other: &JVersion) -> Ordering {
        match (self, other) {
            (JVersion::Current, JVersion::Current) | (JVersion::Latest, JVersion::Latest) => {
                Ordering::Equal
            }
            (JVersion::Current, _) | (_, JVersion::Latest) => Ordering::Less,
            (JVersion::Latest, _) | (_, JVersion::Current) => Ordering::Greater,
            (JVersion::Parts(a), JVersion::Parts(b)) => {
                let zero = BigInt::small(0);
                for i in 0..a.len().max(b.len()) {
                    let ord = a.get(i).unwrap_or(&zero).cmp(b.get(i).unwrap_or(&zero));
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                Ordering::Equal
            }
        }
    }
}

fn gen_version(rng: &mut Rng) -> String {
    if rng.chance(4) {
        return rng
            .pick(&[
                "current",
                "CURRENT",
                "next",
                "Latest",
                "9223372036854775807",
                "",
            ])
            .to_string();
    }
    let digits = ['0', '1', '2', '9', '0', '1', '٣', '३', '７'];
    let mut out = String::new();
    for part in 0..=rng.below(4) {
        if part > 0 {
            out.push(*rng.pick(&['.', '.', '_', '.', '-', 'a', '.']));
            if rng.chance(5) {
                out.push(*rng.pick(&['.', '_', '+']));
            }
        }
        if rng.chance(6) {
            out.push(*rng.pick(&['-', '+']));
        }
        for _ in 0..=rng.below(3) {
            let d = *rng.pick(&digits);
            out.push(if rng.chance(85) && !d.is_ascii_digit() {
                '4'
            } else {
                d
            });
        }
    }
    if rng.chance(5) {
        out.push(*rng.pick(&['.', '_', 'x', ' ']));
    }
    if rng.chance(3) {
        out.insert(0, '.');
    }
    out
}

#[test]
fn differential_versions_parse_and_order_as_migration_version() {
    run("versions", |rng| {
        let a = gen_version(rng);
        let b = if rng.chance(30) {
            a.replace('.', "_")
        } else {
            gen_version(rng)
        };
        let (ma, mb) = (JVersion::parse(&a), JVersion::parse(&b));
        let (ta, tb) = (Version::parse(&a).ok(), Version::parse(&b).ok());
        for (text, model, tool) in [(&a, &ma, &ta), (&b, &mb, &tb)] {
            if model.is_some() != tool.is_some() {
                return Err(format!(
                    "{text:?}: Flyway {} it, the tool {}",
                    if model.is_some() {
                        "accepts"
                    } else {
                        "rejects"
                    },
                    if tool.is_some() { "accepts" } else { "rejects" }
                ));
            }
        }
        if let (Some(ma), Some(mb), Some(ta), Some(tb)) = (ma, mb, ta, tb) {
            let (model, tool) = (ma.cmp(&mb), ta.cmp(&tb));
            if model != tool || (model == Ordering::Equal) != (ta == tb) {
                return Err(format!(
                    "{a:?} vs {b:?}: Flyway {model:?}, the tool {tool:?} (equal: {})",
                    ta == tb
                ));
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- names (ResourceNameParser)

/// Flyway's `Event` ids (callbacks), `org.flywaydb.core.api.callback.Event`.
const EVENTS: &[&str] = &[
    "beforeMigrate",
    "beforeEachMigrate",
    "beforeEachMigrateStatement",
    "afterEachMigrateStatement",
    "afterEachMigrateStatementError",
    "afterEachMigrate",
    "afterEachMigrateError",
    "afterMigrate",
    "afterMigrateApplied",
    "afterVersioned",
    "afterMigrateError",
    "beforeUndo",
    "beforeEachUndo",
    "afterEachUndo",
    "afterUndo",
    "beforeClean",
    "afterClean",
    "afterCleanError",
    "beforeInfo",
    "afterInfo",
    "beforeValidate",
    "afterValidate",
    "beforeBaseline",
    "afterBaseline",
    "beforeRepair",
    "afterRepair",
    "beforeConnect",
    "afterConnect",
    "beforeCreateSchema",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MKind {
    Versioned,
    Baseline,
    Undo,
    Repeatable,
    Callback,
}

#[derive(Debug)]
enum MName {
    NotSql,
    Unrecognised,
    Named {
        kind: MKind,
        description: String,
        /// `None`: valid; else the validation message.
        message: Option<String>,
        version: Option<JVersion>,
    },
}

struct NameConfig {
    prefix_v: String,
    prefix_b: String,
    prefix_u: String,
    prefix_r: String,
    separator: String,
    suffixes: Vec<String>,
}

fn model_name(config: &NameConfig, name: &str) -> MName {
    // `StringUtils.startsAndEndsWith` (2026 sources): `str.toUpperCase().endsWith(suffix.toUpperCase())`.
    let Some(suffix) = config
        .suffixes
        .iter()
        .find(|s| name.to_uppercase().ends_with(&s.to_uppercase()) && name.len() >= s.len())
    else {
        return MName::NotSql;
    };
    let stem = &name[..name.len() - suffix.len()];
    let mut prefixes: Vec<(&str, MKind)> = vec![
        (&config.prefix_v, MKind::Versioned),
        (&config.prefix_b, MKind::Baseline),
        (&config.prefix_u, MKind::Undo),
        (&config.prefix_r, MKind::Repeatable),
    ];
    prefixes.extend(EVENTS.iter().map(|e| (*e, MKind::Callback)));
    prefixes.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
    let Some(&(prefix, kind)) = prefixes.iter().find(|(p, _)| stem.starts_with(p)) else {
        return MName::Unrecognised;
    };
    let rest = &stem[prefix.len()..];
    let (before, after) = match rest.find(config.separator.as_str()) {
        Some(i) => (&rest[..i], &rest[i + config.separator.len()..]),
        None => (rest, ""),
    };
    let example = if after.is_empty() {
        "description"
    } else {
        after
    };
    let sep = &config.separator;
    let mut version = None;
    let message = if matches!(kind, MKind::Repeatable | MKind::Callback) {
        (!before.is_empty()).then(|| format!("Invalid repeatable migration / callback name format: {name} (It cannot contain a version and should look like this: {prefix}{sep}{example}{suffix})"))
    } else if before.is_empty() {
        Some(format!("Invalid versioned migration name format: {name} (It must contain a version and should look like this: {prefix}1.2{sep}{example}{suffix})"))
    } else {
        match JVersion::parse(before) {
            Some(v) => {
                version = Some(v);
                None
            }
            None => Some(format!(
                "Invalid versioned migration name format: {name} (could not recognise version number {before})"
            )),
        }
    };
    MName::Named {
        kind,
        description: after.replace('_', " "),
        message,
        version,
    }
}

fn gen_name_config(rng: &mut Rng) -> NameConfig {
    if rng.chance(50) {
        return NameConfig {
            prefix_v: "V".into(),
            prefix_b: "B".into(),
            prefix_u: "U".into(),
            prefix_r: "R".into(),
            separator: "__".into(),
            suffixes: vec![".sql".into()],
        };
    }
    // Pairwise distinct prefixes (Flyway's order among prefixes of one length is not fixed
    // across versions; distinct strings never tie).
    let mut pool = vec!["V", "B", "U", "R", "M", "Rep", "Undo", "v", "BL", "after"];
    let mut take = |rng: &mut Rng| {
        let i = rng.below(pool.len());
        pool.remove(i).to_string()
    };
    let (prefix_v, prefix_b, prefix_u, prefix_r) = (take(rng), take(rng), take(rng), take(rng));
    NameConfig {
        prefix_v,
        prefix_b,
        prefix_u,
        prefix_r,
        separator: rng.pick(&["__", "-", "___", "__", "."]).to_string(),
        suffixes: match rng.below(4) {
            0 => vec![".sql".into()],
            1 => vec![".sql".into(), ".psql".into()],
            2 => vec![".pgsql".into(), ".sql".into()],
            _ => vec![".ddl.sql".into(), ".sql".into()],
        },
    }
}

fn gen_name(rng: &mut Rng, config: &NameConfig) -> String {
    let mut name = String::new();
    let prefix = match rng.below(8) {
        0 => config.prefix_v.clone(),
        1 => config.prefix_b.clone(),
        2 => config.prefix_u.clone(),
        3 => config.prefix_r.clone(),
        4 => rng.pick(EVENTS).to_string(),
        5 => rng.pick(&["X", "v", "", "afterMigrateX", "Vv"]).to_string(),
        _ => config.prefix_v.clone(),
    };
    name.push_str(&prefix);
    if rng.chance(75) {
        name.push_str(&gen_version(rng));
    }
    let seps = [
        config.separator.as_str(),
        config.separator.as_str(),
        "_",
        "__",
        "-",
        "",
    ];
    name.push_str(rng.word(&seps));
    for _ in 0..rng.below(3) {
        name.push_str(rng.word(&["add", "users", "_", "x", "2", "é", "__", "-", "."]));
    }
    let suffixes: Vec<&str> = config
        .suffixes
        .iter()
        .map(String::as_str)
        .chain([".SQL", ".Sql", ".sql.bak", ".txt", ""])
        .collect();
    name.push_str(rng.word(&suffixes));
    name
}

fn kind_of(kind: Kind) -> MKind {
    match kind {
        Kind::Versioned => MKind::Versioned,
        Kind::Baseline => MKind::Baseline,
        Kind::Undo => MKind::Undo,
        Kind::Repeatable => MKind::Repeatable,
        Kind::Callback => MKind::Callback,
    }
}

#[test]
fn differential_names_classify_as_resource_name_parser() {
    run("names", |rng| {
        let config = gen_name_config(rng);
        let settings = FlywaySettings {
            sql_migration_prefix: config.prefix_v.clone(),
            baseline_migration_prefix: config.prefix_b.clone(),
            undo_sql_migration_prefix: config.prefix_u.clone(),
            repeatable_sql_migration_prefix: config.prefix_r.clone(),
            sql_migration_separator: config.separator.clone(),
            sql_migration_suffixes: config.suffixes.clone(),
            ..FlywaySettings::default()
        };
        let parser = NameParser::new(&settings);
        let name = gen_name(rng, &config);
        let model = model_name(&config, &name);
        let tool = parser.classify(&name);
        let settings_note = format!(
            "prefixes V={:?} B={:?} U={:?} R={:?}, separator {:?}, suffixes {:?}",
            config.prefix_v,
            config.prefix_b,
            config.prefix_u,
            config.prefix_r,
            config.separator,
            config.suffixes
        );
        let same = match (&model, &tool) {
            (MName::NotSql, Classified::NotSql) => true,
            (MName::Unrecognised, Classified::Unrecognised { .. }) => true,
            (
                MName::Named {
                    kind,
                    description,
                    message,
                    version,
                },
                Classified::Named(n),
            ) => {
                // What the version is, is the versions test's subject; here: whether there is one.
                let versions_agree = version.is_some() == n.version.is_some();
                *kind == kind_of(n.kind)
                    && *description == n.description()
                    && *message == n.flyway_message(&settings)
                    && versions_agree
            }
            _ => false,
        };
        if same {
            Ok(())
        } else {
            Err(format!(
                "{name:?} ({settings_note}):\nFlyway: {model:?}\ntool:   {tool:?}"
            ))
        }
    });
}

// ---------------------------------------------------------------- checksums (ChecksumCalculator)

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[derive(Debug, Clone, Copy)]
enum MEncoding {
    Utf8,
    Latin1,
    Ascii,
}

/// `ChecksumCalculator.calculateChecksumForResource`: `None` when the decoder reports bad input.
fn model_checksum(bytes: &[u8], encoding: MEncoding) -> Option<i32> {
    let text: String = match encoding {
        MEncoding::Utf8 => String::from_utf8(bytes.to_vec()).ok()?,
        MEncoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        MEncoding::Ascii => {
            if bytes.iter().any(|&b| b >= 0x80) {
                return None;
            }
            bytes.iter().map(|&b| char::from(b)).collect()
        }
    };
    // readLine: "\n", "\r" and "\r\n" end a line; the last line counts when not empty.
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut pending = false;
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut current));
                pending = false;
            }
            '\n' => {
                lines.push(std::mem::take(&mut current));
                pending = false;
            }
            _ => {
                current.push(c);
                pending = true;
            }
        }
    }
    if pending {
        lines.push(current);
    }
    let mut all = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let line = if i == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        all.extend_from_slice(line.as_bytes());
    }
    Some(crc32(&all) as i32)
}

fn gen_script(rng: &mut Rng, encoding: MEncoding) -> Vec<u8> {
    let mut text = String::new();
    if rng.chance(30) {
        text.push('\u{feff}');
    }
    let pieces: &[&str] = match encoding {
        MEncoding::Ascii => &["CREATE TABLE t (id int);", "-- note", " ", "x", "\t"],
        _ => &[
            "CREATE TABLE t (id int);",
            "-- café",
            "naïve ß",
            "€",
            "\u{feff}",
            "日本",
            " ",
        ],
    };
    for _ in 0..rng.below(8) {
        text.push_str(rng.word(pieces));
        if rng.chance(60) {
            text.push_str(rng.word(&["\n", "\r\n", "\r", "\n\n", "\r\r\n"]));
        }
    }
    let mut bytes: Vec<u8> = match encoding {
        MEncoding::Utf8 => text.into_bytes(),
        // Latin-1: characters above U+00FF cannot be written; a UTF-8 BOM's bytes stay bytes.
        MEncoding::Latin1 => text
            .chars()
            .flat_map(|c| {
                if (c as u32) < 0x100 {
                    vec![c as u32 as u8]
                } else {
                    c.to_string().into_bytes()
                }
            })
            .collect(),
        MEncoding::Ascii => text
            .chars()
            .filter(char::is_ascii)
            .map(|c| c as u8)
            .collect(),
    };
    if rng.chance(8) && !bytes.is_empty() {
        // A stray byte: invalid UTF-8 or not ASCII.
        let at = rng.below(bytes.len());
        bytes.insert(at, *rng.pick(&[0xC3u8, 0x80, 0xFF, 0xE2]));
    }
    bytes
}

#[test]
fn differential_checksums_match_checksum_calculator() {
    run("checksums", |rng| {
        let (encoding, tool_encoding) = *rng.pick(&[
            (MEncoding::Utf8, Encoding::Utf8),
            (MEncoding::Utf8, Encoding::Utf8),
            (MEncoding::Latin1, Encoding::Latin1),
            (MEncoding::Ascii, Encoding::Ascii),
        ]);
        let bytes = gen_script(rng, encoding);
        let model = model_checksum(&bytes, encoding);
        let whole = decode(&bytes, tool_encoding)
            .ok()
            .map(|text| checksum_text(&text));
        let mut streaming = StreamingChecksum::new(tool_encoding);
        let mut failed = false;
        let mut rest = &bytes[..];
        while !rest.is_empty() && !failed {
            let n = 1 + rng.below(rest.len().min(7));
            failed = streaming.update(&rest[..n]).is_err();
            rest = &rest[n..];
        }
        let streamed = if failed {
            None
        } else {
            streaming.finish().ok()
        };
        if model == whole && model == streamed {
            Ok(())
        } else {
            Err(format!(
                "{bytes:?} as {encoding:?}: Flyway {model:?}, the tool {whole:?} (streaming {streamed:?})"
            ))
        }
    });
}

// ---------------------------------------------------------------- placeholders

/// `PlaceholderReplacingReader.read`, character by character, until the end of the text.
/// `Err(None)`: Flyway fails with an exception of its own (a placeholder cut by the end of the
/// text with fewer characters than the suffix: `deleteCharAt` out of range).
fn model_placeholders(
    text: &str,
    prefix: &str,
    suffix: &str,
    values: &BTreeMap<String, String>,
) -> Result<String, Option<String>> {
    let input: Vec<char> = text.chars().collect();
    let prefix: Vec<char> = prefix.chars().collect();
    let suffix: Vec<char> = suffix.chars().collect();
    let mut pos = 0;
    let mut buffer: Vec<char> = Vec::new();
    let mut out = String::new();
    loop {
        if !buffer.is_empty() {
            out.push(buffer.remove(0));
            continue;
        }
        // do { read; append } while (buffer shorter than prefix && buffer is prefix's start)
        while let Some(&c) = input.get(pos) {
            pos += 1;
            buffer.push(c);
            if !(buffer.len() < prefix.len() && buffer[..] == prefix[..buffer.len()]) {
                break;
            }
        }
        if !buffer.ends_with(&prefix) {
            if buffer.is_empty() {
                return Ok(out);
            }
            out.push(buffer.remove(0));
            continue;
        }
        buffer.clear();
        let mut name: Vec<char> = Vec::new();
        while let Some(&c) = input.get(pos) {
            pos += 1;
            name.push(c);
            if name.ends_with(&suffix) {
                break;
            }
        }
        if name.len() < suffix.len() {
            return Err(None);
        }
        name.truncate(name.len() - suffix.len());
        let name: String = name.into_iter().collect();
        match values.get(&name) {
            Some(value) => out.push_str(value),
            None => {
                let written = format!(
                    "{}{name}{}",
                    prefix.iter().collect::<String>(),
                    suffix.iter().collect::<String>()
                );
                return Err(Some(if name.contains("flyway:") {
                    format!("Failed to populate value for default placeholder: {written}")
                } else {
                    format!(
                        "No value provided for placeholder: {written}.  Check your configuration!"
                    )
                }));
            }
        }
    }
}

#[test]
fn differential_placeholders_replace_as_placeholder_replacing_reader() {
    run("placeholders", |rng| {
        let (prefix, suffix) = *rng.pick(&[
            ("${", "}"),
            ("${", "}"),
            ("#[", "]]"),
            ("@@", "@@"),
            ("<<", ">>"),
            ("$", "$"),
            ("{{", "}}"),
        ]);
        let mut settings = FlywaySettings {
            placeholder_prefix: prefix.into(),
            placeholder_suffix: suffix.into(),
            ..FlywaySettings::default()
        };
        settings.placeholders.insert("owner".into(), "app".into());
        settings.placeholders.insert("empty".into(), String::new());
        settings
            .placeholders
            .insert("nested".into(), format!("{prefix}owner{suffix}"));
        let builtins = BuiltIns {
            default_schema: Some("public".into()),
            schemas: vec!["public".into(), "audit".into()],
            user: Some("flyway".into()),
            database: Some("app_db".into()),
            table: "flyway_schema_history".into(),
            environment: "default".into(),
            timestamp: "2026-11-30 12:00:00".into(),
            working_directory: "/work".into(),
        };
        // ParsingContext's values over the configured ones.
        let mut values: BTreeMap<String, String> = settings.placeholders.clone();
        for (name, value) in [
            ("defaultSchema", "public"),
            ("schemas", "public,audit"),
            ("user", "flyway"),
            ("database", "app_db"),
            ("timestamp", "2026-11-30 12:00:00"),
            ("workingDirectory", "/work"),
            ("table", "flyway_schema_history"),
            ("environment", "default"),
            ("filename", "R__x.sql"),
        ] {
            values.insert(format!("flyway:{name}"), value.into());
        }
        let names = [
            "owner",
            "empty",
            "nested",
            "nope",
            "flyway:user",
            "flyway:filename",
            "flyway:defaultSchema",
            "flyway:nope",
            "flyway_nope",
            "",
        ];
        let mut text = String::new();
        for _ in 0..rng.below(6) {
            match rng.below(6) {
                0 | 1 => {
                    text.push_str(prefix);
                    text.push_str(rng.word(&names));
                    if rng.chance(90) {
                        text.push_str(suffix);
                    }
                }
                2 => text.push_str(rng.word(&[&prefix[..1], &suffix[..1], "$", "{", "}"])),
                3 => text.push_str(rng.word(&["SELECT ", "'", "\n", "é", "x"])),
                4 => {
                    text.push_str(&prefix[..1]);
                    text.push_str(prefix);
                    text.push_str("owner");
                    text.push_str(suffix);
                }
                _ => text.push_str(rng.word(&["-- ", " ", ";"])),
            }
        }
        let model = model_placeholders(&text, prefix, suffix, &values);
        let tool = replace_placeholders(&text, &settings, &builtins, "R__x.sql");
        let same = match (&model, &tool) {
            (Ok(a), Ok(b)) => a == b,
            (Err(Some(a)), Err(b)) => *a == b.to_string(),
            // Flyway throws its own exception: the script fails either way.
            (Err(None), Err(_)) => true,
            _ => false,
        };
        if same {
            Ok(())
        } else {
            Err(format!(
                "{text:?} with {prefix:?}…{suffix:?}: Flyway {model:?}, the tool {:?}",
                tool.map_err(|e| e.to_string())
            ))
        }
    });
}

// ---------------------------------------------------------------- histories

#[derive(Debug, Clone)]
struct MFile {
    version: Option<String>,
    description: String,
    checksum: i32,
}

#[derive(Debug, Clone)]
struct MRow {
    rank: i32,
    version: Option<String>,
    description: String,
    kind: &'static str,
    checksum: Option<i32>,
    success: bool,
}

#[derive(Debug, Clone)]
enum MTarget {
    Latest,
    Current,
    Next,
    Version(String, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Pending,
    AboveTarget,
    BelowBaseline,
    BaselineIgnored,
    Baseline,
    Ignored,
    MissingSuccess,
    MissingFailed,
    Success,
    Failed,
    OutOfOrder,
    FutureSuccess,
    FutureFailed,
    Outdated,
    Superseded,
    Deleted,
}

impl St {
    /// `MigrationState.getDisplayName`.
    fn name(self) -> &'static str {
        match self {
            St::Pending => "Pending",
            St::AboveTarget => "Above Target",
            St::BelowBaseline => "Below Baseline",
            St::BaselineIgnored => "Ignored (Baseline)",
            St::Baseline => "Baseline",
            St::Ignored => "Ignored",
            St::MissingSuccess => "Missing",
            St::MissingFailed => "Failed (Missing)",
            St::Success => "Success",
            St::Failed => "Failed",
            St::OutOfOrder => "Out of Order",
            St::FutureSuccess => "Future",
            St::FutureFailed => "Failed (Future)",
            St::Outdated => "Outdated",
            St::Superseded => "Superseded",
            St::Deleted => "Deleted",
        }
    }
    fn applied(self) -> bool {
        !matches!(
            self,
            St::Pending | St::AboveTarget | St::BelowBaseline | St::BaselineIgnored | St::Ignored
        )
    }
    fn failed(self) -> bool {
        matches!(self, St::Failed | St::MissingFailed | St::FutureFailed)
    }
}

/// `ValidatePattern`: `type:state`, lower case.
#[derive(Debug, Clone)]
struct MPattern(String, String);

impl MPattern {
    fn matches(&self, versioned: bool, state: St) -> bool {
        if !(self.1 == "*" || self.1.eq_ignore_ascii_case(state.name())) {
            return false;
        }
        self.0 == "*"
            || (versioned && self.0 == "versioned")
            || (!versioned && self.0 == "repeatable")
    }
}

/// `ValidatePatternUtils.is…Ignored`.
fn category_ignored(patterns: &[MPattern], state: St, word: &str) -> bool {
    patterns.iter().any(|p| p.0 == "*" && p.1 == word)
        || (patterns.iter().any(|p| p.matches(true, state))
            && patterns.iter().any(|p| p.matches(false, state)))
}

struct MInfo {
    file: Option<usize>,
    row: Option<usize>,
    out_of_order: bool,
    deleted: bool,
}

struct Model<'a> {
    files: &'a [MFile],
    rows: &'a [MRow],
    last_applied: Option<JVersion>,
    last_resolved: Option<JVersion>,
    applied_baseline: Option<JVersion>,
    /// `None` = no target; `Some(None)` = EMPTY (`current` with nothing applied).
    target: Option<Option<JVersion>>,
    target_is_next: bool,
    out_of_order: bool,
    latest_repeatable: BTreeMap<String, i32>,
}

fn jv(text: &str) -> JVersion {
    JVersion::parse(text).expect("generated versions are valid")
}

fn gt(a: &JVersion, b: &Option<JVersion>) -> bool {
    // compareTo(EMPTY) is always greater.
    b.as_ref().is_none_or(|b| a.cmp(b) == Ordering::Greater)
}

impl Model<'_> {
    fn version_of(&self, info: &MInfo) -> Option<JVersion> {
        match (info.row, info.file) {
            (Some(r), _) => self.rows[r].version.as_deref().map(jv),
            (None, Some(f)) => self.files[f].version.as_deref().map(jv),
            _ => None,
        }
    }

    fn state(&self, info: &MInfo) -> St {
        if info.deleted {
            return St::Deleted;
        }
        let Some(r) = info.row else {
            // ResolvedMigration.getState (no pending baseline: no B files here).
            let file = &self.files[info.file.unwrap()];
            let Some(v) = file.version.as_deref().map(jv) else {
                return St::Pending;
            };
            if self.last_applied.is_some() {
                if let Some(b) = &self.applied_baseline {
                    match v.cmp(b) {
                        Ordering::Less => return St::BelowBaseline,
                        Ordering::Equal => return St::BaselineIgnored,
                        _ => {}
                    }
                }
            }
            if let Some(target) = &self.target {
                if !self.target_is_next && gt(&v, target) {
                    return St::AboveTarget;
                }
            }
            if self
                .last_applied
                .as_ref()
                .is_some_and(|l| v.cmp(l) == Ordering::Less)
                && !self.out_of_order
            {
                return St::Ignored;
            }
            return St::Pending;
        };
        // BaseAppliedMigration.getState.
        let row = &self.rows[r];
        if row.kind == "DELETE" {
            return St::Success;
        }
        if row.kind == "BASELINE" {
            return St::Baseline;
        }
        let latest = self.latest_repeatable.get(&row.description).copied();
        let repeatable_latest = row.version.is_some() || latest.is_none_or(|l| l == row.rank);
        if info.file.is_none() && repeatable_latest {
            let missing = match row.version.as_deref() {
                None => true,
                Some(v) => self
                    .last_resolved
                    .as_ref()
                    .is_some_and(|l| jv(v).cmp(l) == Ordering::Less),
            };
            return match (missing, row.success) {
                (true, true) => St::MissingSuccess,
                (true, false) => St::MissingFailed,
                (false, true) => St::FutureSuccess,
                (false, false) => St::FutureFailed,
            };
        }
        if !row.success {
            return St::Failed;
        }
        if row.version.is_none() {
            if Some(row.rank) == latest {
                let file = info.file.map(|f| &self.files[f]);
                return if file.is_some_and(|f| Some(f.checksum) == row.checksum) {
                    St::Success
                } else {
                    St::Outdated
                };
            }
            return St::Superseded;
        }
        if info.out_of_order {
            St::OutOfOrder
        } else {
            St::Success
        }
    }

    /// `MigrationInfoImpl.validate`.
    fn validate(&self, info: &MInfo, patterns: &[MPattern]) -> Option<String> {
        let state = self.state(info);
        if matches!(state, St::AboveTarget | St::Deleted) {
            return None;
        }
        let row = info.row.map(|r| &self.rows[r]);
        let file = info.file.map(|f| &self.files[f]);
        let version = match row {
            Some(r) => r.version.clone(),
            None => file.unwrap().version.clone(),
        };
        let description = match row {
            Some(r) => r.description.clone(),
            None => file.unwrap().description.clone(),
        };
        let version = version.map(|v| v.replace('_', "."));
        if patterns.iter().any(|p| p.matches(version.is_some(), state)) {
            return None;
        }
        let future = category_ignored(patterns, St::FutureSuccess, "future");
        let missing = category_ignored(patterns, St::MissingSuccess, "missing");
        let pending = category_ignored(patterns, St::Pending, "pending");
        let ignored = category_ignored(patterns, St::Ignored, "ignored");
        if state.failed() && (!future || state != St::FutureFailed) {
            return Some(match &version {
                None => format!("Detected failed repeatable migration: {description}.\nPlease remove any half-completed changes then run repair to fix the schema history."),
                Some(v) => format!("Detected failed migration to version {v} ({description}).\nPlease remove any half-completed changes then run repair to fix the schema history."),
            });
        }
        if let (None, Some(row)) = (file, row) {
            let synthetic = matches!(row.kind, "SCHEMA" | "BASELINE" | "DELETE");
            if !synthetic
                && state != St::Superseded
                && (!missing || !matches!(state, St::MissingSuccess | St::MissingFailed))
                && (!future || !matches!(state, St::FutureSuccess | St::FutureFailed))
            {
                return Some(format!(
                    "Detected applied migration not resolved locally: {}.\nIf you removed this migration intentionally, run repair to mark the migration as deleted.",
                    version.clone().unwrap_or(description.clone())
                ));
            }
        }
        if !ignored && state == St::Ignored {
            return Some(match &version {
                Some(v) => format!("Detected resolved migration not applied to database: {v}.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true."),
                None => format!("Detected resolved repeatable migration not applied to database: {description}.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'."),
            });
        }
        if !pending && state == St::Pending {
            return Some(match &version {
                Some(v) => format!("Detected resolved migration not applied to database: {v}.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'."),
                None => format!("Detected resolved repeatable migration not applied to database: {description}.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'."),
            });
        }
        if !pending && state == St::Outdated {
            return Some(format!("Detected outdated resolved repeatable migration that should be re-applied to database: {description}.\nRun migrate to execute this migration."));
        }
        let (Some(file), Some(row)) = (file, row) else {
            return None;
        };
        if row.kind == "DELETE" {
            return None;
        }
        let identifier = match &row.version {
            None => format!("R__{}.sql", row.description),
            Some(v) => format!("version {v}"),
        };
        let above_baseline = match (&file.version, &self.applied_baseline) {
            (None, _) | (_, None) => true,
            (Some(v), Some(b)) => jv(v).cmp(b) == Ordering::Greater,
        };
        if !above_baseline {
            return None;
        }
        let mismatch = |what: &str, applied: String, resolved: String| {
            format!("Migration {what} mismatch for migration {identifier}\n-> Applied to database : {applied}\n-> Resolved locally    : {resolved}\nEither revert the changes to the migration, or run repair to update the schema history.")
        };
        if row.kind != "SQL" {
            return Some(mismatch("type", row.kind.to_string(), "SQL".into()));
        }
        if (file.version.is_some() || (pending && !matches!(state, St::Outdated | St::Superseded)))
            && row.checksum != Some(file.checksum)
        {
            return Some(mismatch(
                "checksum",
                row.checksum
                    .map_or_else(|| "null".into(), |c| c.to_string()),
                file.checksum.to_string(),
            ));
        }
        if file.description != row.description {
            return Some(mismatch(
                "description",
                row.description.clone(),
                file.description.clone(),
            ));
        }
        None
    }
}

/// Flyway's `info` lines (version, description, type, state) and `validate` messages, or the
/// message of the exception `refresh` throws.
type Verdict = Result<(Vec<(String, String, String, String)>, Vec<String>), String>;

fn model_history(
    files: &[MFile],
    rows: &[MRow],
    patterns: &[MPattern],
    out_of_order: bool,
    target: &MTarget,
) -> Verdict {
    let mut rows_sorted: Vec<usize> = (0..rows.len()).collect();
    rows_sorted.sort_by_key(|&i| rows[i].rank);
    let last_resolved = files
        .iter()
        .filter_map(|f| f.version.as_deref().map(jv))
        .max_by(|a, b| a.cmp(b));
    // getAppliedVersionedMigrations
    let mut applied_versioned: Vec<MInfo> = Vec::new();
    let mut applied_baseline: Option<JVersion> = None;
    for &i in &rows_sorted {
        let row = &rows[i];
        let Some(v) = row.version.as_deref().map(jv) else {
            continue;
        };
        if row.kind == "BASELINE"
            && applied_baseline
                .as_ref()
                .is_none_or(|b| v.cmp(b) == Ordering::Greater)
        {
            applied_baseline = Some(v.clone());
        }
        if row.kind == "DELETE" && row.success {
            // markAsDeleted: the latest non-synthetic row of the version.
            if let Some(av) = applied_versioned.iter_mut().rev().find(|av| {
                let r = &rows[av.row.unwrap()];
                !matches!(r.kind, "SCHEMA" | "BASELINE" | "DELETE")
                    && jv(r.version.as_deref().unwrap()).cmp(&v) == Ordering::Equal
            }) {
                if av.deleted {
                    return Err(format!(
                        "Corrupted schema history: multiple delete entries for version {}",
                        row.version.as_deref().unwrap().replace('_', ".")
                    ));
                }
                av.deleted = true;
            }
            continue;
        }
        applied_versioned.push(MInfo {
            file: None,
            row: Some(i),
            out_of_order: false,
            deleted: false,
        });
    }
    // getAppliedRepeatableMigrations
    let mut applied_repeatable: Vec<MInfo> = Vec::new();
    for &i in &rows_sorted {
        let row = &rows[i];
        if row.version.is_some() {
            continue;
        }
        applied_repeatable.push(MInfo {
            file: None,
            row: Some(i),
            out_of_order: false,
            deleted: false,
        });
        if row.kind == "DELETE" && row.success {
            if let Some(ar) = applied_repeatable.iter_mut().rev().find(|ar| {
                let r = &rows[ar.row.unwrap()];
                !matches!(r.kind, "SCHEMA" | "BASELINE" | "DELETE")
                    && r.description == row.description
            }) {
                ar.deleted = true;
            }
        }
    }
    // updateContextFromAppliedVersionedMigrations
    let mut last_applied: Option<JVersion> = None;
    for av in &mut applied_versioned {
        let row = &rows[av.row.unwrap()];
        let v = jv(row.version.as_deref().unwrap());
        if gt(&v, &last_applied) {
            if row.kind != "DELETE" && !av.deleted {
                last_applied = Some(v);
            }
        } else {
            av.out_of_order = true;
        }
    }
    let find_versioned = |v: &JVersion, kind: &str| {
        (kind == "SQL")
            .then(|| {
                files.iter().position(|f| {
                    f.version
                        .as_deref()
                        .is_some_and(|fv| jv(fv).cmp(v) == Ordering::Equal)
                })
            })
            .flatten()
    };
    let mut infos: Vec<MInfo> = Vec::new();
    let mut pending_versioned: Vec<bool> = files.iter().map(|f| f.version.is_some()).collect();
    for mut av in applied_versioned {
        let row = &rows[av.row.unwrap()];
        av.file = find_versioned(&jv(row.version.as_deref().unwrap()), row.kind);
        if let Some(f) = av.file {
            if !av.deleted && row.kind != "DELETE" {
                pending_versioned[f] = false;
            }
        }
        infos.push(av);
    }
    for (f, pending) in pending_versioned.iter().enumerate() {
        if *pending {
            infos.push(MInfo {
                file: Some(f),
                row: None,
                out_of_order: false,
                deleted: false,
            });
        }
    }
    let mut target_version: Option<Option<JVersion>> = match target {
        MTarget::Latest => None,
        MTarget::Next => None,
        MTarget::Current => Some(last_applied.clone()),
        MTarget::Version(v, _) => Some(Some(jv(v))),
    };
    let model_versions = |infos: &[MInfo]| -> Vec<Option<JVersion>> {
        infos
            .iter()
            .map(|i| match (i.row, i.file) {
                (Some(r), _) => rows[r].version.as_deref().map(jv),
                (None, Some(f)) => files[f].version.as_deref().map(jv),
                _ => None,
            })
            .collect()
    };
    if let MTarget::Version(text, true) = target {
        let t = jv(text);
        if !model_versions(&infos)
            .iter()
            .any(|v| v.as_ref().is_some_and(|v| v.cmp(&t) == Ordering::Equal))
        {
            return Err(format!("No migration with a target version {} could be found. Ensure target is specified correctly and the migration exists.", text.replace('_', ".")));
        }
    }
    let mut latest_repeatable: BTreeMap<String, i32> = BTreeMap::new();
    for ar in &applied_repeatable {
        let row = &rows[ar.row.unwrap()];
        if ar.deleted && row.kind == "DELETE" {
            continue;
        }
        let e = latest_repeatable
            .entry(row.description.clone())
            .or_insert(row.rank);
        *e = (*e).max(row.rank);
    }
    let find_repeatable = |d: &str| {
        files
            .iter()
            .position(|f| f.version.is_none() && f.description == d)
    };
    let mut pending_repeatable: Vec<bool> = files.iter().map(|f| f.version.is_none()).collect();
    for mut ar in applied_repeatable {
        let row = &rows[ar.row.unwrap()];
        ar.file = find_repeatable(&row.description);
        if let Some(f) = ar.file {
            if !ar.deleted
                && row.kind != "DELETE"
                && latest_repeatable.get(&row.description) == Some(&row.rank)
                && row.checksum == Some(files[f].checksum)
            {
                pending_repeatable[f] = false;
            }
        }
        infos.push(ar);
    }
    for (f, pending) in pending_repeatable.iter().enumerate() {
        if *pending {
            infos.push(MInfo {
                file: Some(f),
                row: None,
                out_of_order: false,
                deleted: false,
            });
        }
    }
    let mut model = Model {
        files,
        rows,
        last_applied,
        last_resolved,
        applied_baseline,
        target: target_version.clone(),
        target_is_next: matches!(target, MTarget::Next),
        out_of_order,
        latest_repeatable,
    };
    // MigrationInfoImpl.compareTo, in a stable sort (Collections.sort).
    let states: Vec<St> = infos.iter().map(|i| model.state(i)).collect();
    let versions = model_versions(&infos);
    let mut order: Vec<usize> = (0..infos.len()).collect();
    order.sort_by(|&a, &b| {
        let (ia, ib) = (&infos[a], &infos[b]);
        if let (Some(ra), Some(rb)) = (ia.row, ib.row) {
            return rows[ra].rank.cmp(&rows[rb].rank);
        }
        let (sa, sb) = (states[a], states[b]);
        let low = |s: St| matches!(s, St::BelowBaseline | St::BaselineIgnored);
        if low(sa) && sb.applied() {
            return Ordering::Less;
        }
        if sa.applied() && low(sb) {
            return Ordering::Greater;
        }
        if ia.row.is_some() {
            return Ordering::Less;
        }
        if ib.row.is_some() {
            return Ordering::Greater;
        }
        match (&versions[a], &versions[b]) {
            (Some(va), Some(vb)) => va.cmp(vb),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => model.files[ia.file.unwrap()]
                .description
                .cmp(&model.files[ib.file.unwrap()].description),
        }
    });
    let infos: Vec<MInfo> = {
        let mut slots: Vec<Option<MInfo>> = infos.into_iter().map(Some).collect();
        order.iter().map(|&i| slots[i].take().unwrap()).collect()
    };
    if model.target_is_next {
        // refresh: the first pending migration becomes the target.
        let first = infos
            .iter()
            .find(|i| model.state(i) == St::Pending)
            .and_then(|i| model.version_of(i));
        target_version = first.map(Some);
        model.target = target_version;
        model.target_is_next = false;
    }
    let lines = infos
        .iter()
        .map(|i| {
            let (version, description, kind) = match (i.row, i.file) {
                (Some(r), _) => (
                    rows[r]
                        .version
                        .clone()
                        .unwrap_or_default()
                        .replace('_', "."),
                    rows[r].description.clone(),
                    rows[r].kind.to_string(),
                ),
                (None, Some(f)) => (
                    files[f]
                        .version
                        .clone()
                        .unwrap_or_default()
                        .replace('_', "."),
                    files[f].description.clone(),
                    "SQL".to_string(),
                ),
                _ => unreachable!(),
            };
            (
                version,
                description,
                kind,
                model.state(i).name().to_string(),
            )
        })
        .collect();
    let errors = infos
        .iter()
        .filter_map(|i| model.validate(i, patterns))
        .collect();
    Ok((lines, errors))
}

fn tool_history(
    files: &[MFile],
    rows: &[MRow],
    patterns: &[MPattern],
    out_of_order: bool,
    target: &MTarget,
) -> Verdict {
    let resolved: Vec<Resolved> = files
        .iter()
        .map(|f| Resolved {
            version: f.version.as_deref().map(|v| Version::parse(v).unwrap()),
            description: f.description.clone(),
            script: match &f.version {
                Some(v) => format!("V{v}__{}.sql", f.description),
                None => format!("R__{}.sql", f.description),
            },
            migration_type: "SQL",
            checksum: Some(f.checksum),
            equivalent_checksum: None,
            path: format!("/m/{:?}{}", f.version, f.description).into(),
        })
        .collect();
    let history: Vec<HistoryRow> = rows
        .iter()
        .map(|r| HistoryRow {
            installed_rank: r.rank,
            version: r.version.clone(),
            description: r.description.clone(),
            migration_type: r.kind.to_string(),
            script: match &r.version {
                Some(v) => format!("V{v}__{}.sql", r.description),
                None => format!("R__{}.sql", r.description),
            },
            checksum: r.checksum,
            installed_by: "flyway".into(),
            installed_on: "2026-01-01 00:00:00".into(),
            execution_time: 1,
            success: r.success,
        })
        .collect();
    let patterns: Vec<IgnorePattern> = patterns
        .iter()
        .map(|p| IgnorePattern::parse(&format!("{}:{}", p.0, p.1)).unwrap())
        .collect();
    let target = match target {
        MTarget::Latest => Target::Latest,
        MTarget::Current => Target::Current,
        MTarget::Next => Target::Next,
        MTarget::Version(v, fail) => {
            Target::parse(&format!("{v}{}", if *fail { "" } else { "?" })).unwrap()
        }
    };
    let status = compare_to(
        resolved,
        history,
        &patterns,
        out_of_order,
        &target,
        Edition::Community,
    );
    if let Some(fatal) = status.errors.iter().find(|e| e.info.is_none()) {
        return Err(fatal.message.clone());
    }
    let lines = status
        .infos
        .iter()
        .map(|i| {
            (
                status.info_version(i).unwrap_or_default(),
                status.info_description(i),
                status.info_type(i),
                i.state.name().to_string(),
            )
        })
        .collect();
    let errors = status.errors.iter().map(|e| e.message.clone()).collect();
    Ok((lines, errors))
}

fn gen_history(rng: &mut Rng) -> (Vec<MFile>, Vec<MRow>, Vec<MPattern>, bool, MTarget) {
    // Versions of a small pool, some equal under Flyway's rules (1 = 1.0 = 1_0).
    let pool = [
        "1", "1.0", "1.1", "1_2", "2", "2.0.0", "3", "3.5", "4", "10",
    ];
    let mut files: Vec<MFile> = Vec::new();
    for _ in 0..rng.below(6) {
        let v = rng.pick(&pool).to_string();
        if files.iter().any(|f| {
            f.version
                .as_deref()
                .is_some_and(|fv| jv(fv).cmp(&jv(&v)) == Ordering::Equal)
        }) {
            continue;
        }
        let description = rng.pick(&["init", "users", "more"]).to_string();
        files.push(MFile {
            version: Some(v),
            description,
            checksum: rng.below(3) as i32,
        });
    }
    for d in ["views", "grants"] {
        if rng.chance(40) {
            files.push(MFile {
                version: None,
                description: d.into(),
                checksum: rng.below(3) as i32,
            });
        }
    }
    let mut rows: Vec<MRow> = Vec::new();
    let n = rng.below(7);
    for rank in 1..=n as i32 {
        let repeatable = rng.chance(20);
        let from_file = !files.is_empty() && rng.chance(70);
        let (version, description) = if repeatable {
            (None, rng.pick(&["views", "grants"]).to_string())
        } else if from_file {
            let f = rng.pick(&files).clone();
            match f.version {
                Some(v) => (Some(v.replace('_', ".")), f.description),
                None => (None, f.description),
            }
        } else {
            (
                Some(rng.pick(&pool).replace('_', ".")),
                rng.pick(&["init", "users", "gone"]).to_string(),
            )
        };
        let kind = match rng.below(20) {
            0 | 1 => "DELETE",
            2 if version.is_some() => "BASELINE",
            3 => "JDBC",
            _ => "SQL",
        };
        let checksum = if kind == "BASELINE" || rng.chance(5) {
            None
        } else {
            Some(rng.below(3) as i32)
        };
        rows.push(MRow {
            rank,
            version,
            description: if kind == "BASELINE" {
                "<< Flyway Baseline >>".into()
            } else {
                description
            },
            kind,
            checksum,
            success: !rng.chance(12),
        });
    }
    let all_patterns = [
        ("*", "future"),
        ("*", "missing"),
        ("*", "pending"),
        ("*", "ignored"),
        ("versioned", "pending"),
        ("repeatable", "pending"),
        ("versioned", "missing"),
        ("repeatable", "missing"),
        ("*", "*"),
    ];
    let mut patterns = Vec::new();
    if rng.chance(70) {
        patterns.push(MPattern("*".into(), "future".into()));
    }
    for _ in 0..rng.below(3) {
        let (t, s) = *rng.pick(&all_patterns);
        patterns.push(MPattern(t.into(), s.into()));
    }
    let target = match rng.below(10) {
        0 => MTarget::Current,
        1 => MTarget::Next,
        2 => MTarget::Version(rng.pick(&pool).to_string(), rng.chance(50)),
        3 => MTarget::Version("7".into(), rng.chance(50)),
        _ => MTarget::Latest,
    };
    (files, rows, patterns, rng.chance(25), target)
}

#[test]
fn differential_histories_match_migration_info_service() {
    run("histories", |rng| {
        let (files, rows, patterns, out_of_order, target) = gen_history(rng);
        let model = model_history(&files, &rows, &patterns, out_of_order, &target);
        let tool = tool_history(&files, &rows, &patterns, out_of_order, &target);
        if model == tool {
            Ok(())
        } else {
            Err(format!(
                "files {files:?}\nrows {rows:?}\npatterns {patterns:?}, outOfOrder {out_of_order}, target {target:?}\nFlyway: {model:#?}\ntool:   {tool:#?}"
            ))
        }
    });
}
