//! The database: connections, and (to come) `validate` and `dry-run` against Flyway's
//! `flyway_schema_history`.
//!
//! Architecture invariant: every database access lives below this module; the engine and the
//! front ends see plain values.

pub mod url;
