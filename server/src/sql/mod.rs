//! SQL analysis: lexing, statement splitting, parsing with sqlparser (with fallbacks for what it
//! cannot parse), and the facts the rules read.

pub mod analysis;
pub mod blocks;
pub mod facts;
pub mod lexer;
pub mod parse;
pub mod pg;
pub mod plpgsql;
pub mod server;
pub mod split;
pub mod unsupported;

/// The SQL dialect of a migration set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    Postgres,
    MySql,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::MySql => "mysql",
        }
    }
}

/// The first place `needle` occurs in `haystack`, ASCII letters compared without regard to
/// case (key words, as the lexer's `is_keyword` compares them); no copy of either is made.
pub fn find_ignore_ascii_case(haystack: &str, needle: &str) -> Option<usize> {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some(&first) = needle.first() else {
        return Some(0);
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    if haystack.len() < needle.len() {
        return None;
    }
    // The places of the first letter, found a block at a time, then the rest compared.
    memchr::memchr2_iter(lower, upper, &haystack[..=haystack.len() - needle.len()])
        .find(|&at| haystack[at..at + needle.len()].eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod find_tests {
    use super::find_ignore_ascii_case;

    #[test]
    fn finds_a_word_in_any_ascii_case() {
        for (text, word, found) in [
            ("alter table t drop column c cascade", "CASCADE", Some(28)),
            ("DROP TYPE x CasCade;", "CASCADE", Some(12)),
            ("ALTER TABLE t ADD COLUMN cascad text", "CASCADE", None),
            ("CASCADE", "CASCADE", Some(0)),
            ("CASCAD", "CASCADE", None),
            ("", "DROP", None),
            ("é drop", "DROP", Some(3)),
            ("ÉCOLE \"École\"", "\"école\"", None),
            ("x", "", Some(0)),
        ] {
            assert_eq!(find_ignore_ascii_case(text, word), found, "{text:?} {word}");
        }
    }
}

#[cfg(test)]
mod no_panic {
    //! Property test: random and truncated SQL never panics, and statement ranges stay ordered
    //! and inside the text.

    use super::analysis::analyze;
    use super::Dialect;

    /// A small deterministic generator (64-bit LCG), so failures reproduce.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const PIECES: &[&str] = &[
        "CREATE ",
        "TABLE ",
        "INDEX ",
        "CONCURRENTLY ",
        "ALTER ",
        "ADD ",
        "COLUMN ",
        "DROP ",
        "IF ",
        "EXISTS ",
        "NOT ",
        "NULL ",
        "DEFAULT ",
        "BEGIN ",
        "END ",
        "CASE ",
        "PROCEDURE ",
        "TRIGGER ",
        "DELIMITER ",
        "$$",
        "$a$",
        "'",
        "\"",
        "`",
        ";",
        "(",
        ")",
        ",",
        ".",
        "--",
        "/*",
        "*/",
        "#",
        "\n",
        "\r\n",
        " ",
        "users",
        "t1",
        "${schema}",
        "${",
        "}",
        "é",
        "😀",
        "\u{feff}",
        "\\",
        "=",
        "ON ",
        "REFERENCES ",
        "PRIMARY KEY ",
        "SET ",
        "UPDATE ",
        "INSERT INTO ",
        "VALUES ",
        "1",
        "E'",
        "ATOMIC ",
        "DO ",
        "RENAME ",
        "TO ",
        "TYPE ",
        "VALUE ",
        "MODIFY ",
        "CHANGE ",
    ];

    const SEEDS: &[&str] = &[
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL DEFAULT '');\nCREATE INDEX CONCURRENTLY i ON users (email);",
        "DELIMITER //\nCREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; END //\nDELIMITER ;\nALTER TABLE `a` MODIFY `b` VARCHAR(10) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;",
        "DO $$ BEGIN PERFORM 1; END $$;\nALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b (id) NOT VALID;\n-- c\n/* d */",
    ];

    fn check(text: &str) {
        for dialect in [Dialect::Postgres, Dialect::MySql] {
            let file = analyze(text, dialect, None);
            let mut last = 0;
            for s in &file.statements {
                let r = s.range();
                assert!(
                    r.start >= last && r.start <= r.end && r.end <= text.len(),
                    "{text:?}"
                );
                assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                last = r.end;
            }
        }
    }

    #[test]
    fn random_sql_never_panics() {
        let mut rng = Lcg(0x5eed);
        for _ in 0..3_000 {
            let mut text = String::new();
            for _ in 0..rng.below(40) {
                text.push_str(PIECES[rng.below(PIECES.len())]);
            }
            check(&text);
        }
    }

    #[test]
    fn truncated_sql_never_panics() {
        for seed in SEEDS {
            for (i, _) in seed.char_indices() {
                check(&seed[..i]);
                check(&seed[i..]);
            }
        }
    }
}
