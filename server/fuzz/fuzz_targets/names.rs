//! File names: Flyway's name parser and version parsing never panic, and what they accept
//! round-trips (a valid versioned name's version, other than Flyway's special ones, parses again
//! from its raw text).
#![no_main]

use flyway_lsp::config::FlywaySettings;
use flyway_lsp::naming::{Classified, NameParser};
use flyway_lsp::version::Version;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = String::from_utf8_lossy(data);
    let parser = NameParser::new(&FlywaySettings::default());
    let _ = parser.looks_like_migration(&name);
    if let Classified::Named(n) = parser.classify(&name) {
        let _ = n.description();
        let _ = n.flyway_message(&FlywaySettings::default());
        // A special version (`Vlatest`) shows as Flyway names it ("<< Latest Version >>"),
        // which is no version text; every other version round-trips.
        if let Some(v) = n.version.as_ref().filter(|v| v.special().is_none()) {
            let again = Version::parse(v.raw()).expect("a parsed version parses again");
            assert_eq!(&again, v);
        }
    }
    if let Ok(v) = Version::parse(&name) {
        let _ = v.normalized();
        let _ = v.as_integer();
    }
});
