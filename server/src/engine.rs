//! The engine: the one entry point both front ends (CLI and language server) call.
//!
//! Architecture invariant: no LSP types and no printing here; it returns values.

use std::path::Path;

use crate::config::{ConfigError, LoadOptions};
use crate::diagnostic::{self, Diagnostic};
use crate::index::{index_project, MigrationSet};
use crate::naming::NameParser;
use crate::project::{discover_projects, Project};
use crate::rules::{self, FolderContext, Levels, Sink};

/// A project with its indexed files and its diagnostics.
#[derive(Debug, Clone)]
pub struct ProjectReport {
    pub project: Project,
    pub set: MigrationSet,
    pub diagnostics: Vec<Diagnostic>,
}

/// Indexes and checks one project.
pub fn check_project(project: Project) -> Result<ProjectReport, ConfigError> {
    let levels = Levels::from_settings(&project.config.tool)?;
    let set = index_project(&project);
    let diagnostics = run_rules(&project, &set, &levels);
    Ok(ProjectReport {
        project,
        set,
        diagnostics,
    })
}

/// Runs every enabled rule over an indexed set.
pub fn run_rules(project: &Project, set: &MigrationSet, levels: &Levels) -> Vec<Diagnostic> {
    let parser = NameParser::new(&project.config.flyway);
    let cx = FolderContext {
        project,
        set,
        parser: &parser,
    };
    let mut sink = Sink::new(levels);
    rules::folder::run(&cx, &mut sink);
    let mut diagnostics = sink.diagnostics;
    diagnostic::sort(&mut diagnostics);
    diagnostics
}

/// Finds and checks every project at `path`.
pub fn check_path(path: &Path, options: &LoadOptions) -> Result<Vec<ProjectReport>, ConfigError> {
    discover_projects(path, options)?
        .into_iter()
        .map(check_project)
        .collect()
}
