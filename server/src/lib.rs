//! flyway-lsp: a language server and CLI for Flyway SQL migration folders.
//!
//! Layers, each depending only on those above it: [`config`] → [`version`], [`naming`],
//! [`checksum`] → [`project`], [`index`], [`sequence`] (the folder model) → [`rules`] →
//! [`engine`] → front ends ([`cli`]). See ARCHITECTURE.md.

pub mod actions;
pub mod allocator;
pub mod checksum;
pub mod cli;
pub mod config;
pub mod database;
pub mod diagnostic;
pub mod engine;
pub mod fixes;
pub mod fuzzing;
pub mod history;
pub mod index;
pub mod lsp;
pub mod naming;
pub mod navigate;
pub mod placeholders;
pub mod project;
pub mod rules;
pub mod scaffold;
pub mod schema;
pub mod sequence;
pub mod sql;
pub mod undo;
pub mod version;
pub mod walk;
pub mod workspace;
