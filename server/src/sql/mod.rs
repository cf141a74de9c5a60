//! SQL analysis: lexing, statement splitting, parsing with sqlparser (with fallbacks for what it
//! cannot parse), and the facts the rules read.

pub mod analysis;
pub mod facts;
pub mod lexer;
pub mod parse;
pub mod server;
pub mod split;

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
