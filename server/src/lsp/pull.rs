//! Pull diagnostics (`textDocument/diagnostic`, `workspace/diagnostic`), for clients that declare
//! them and the refresh request: such a client is never sent `publishDiagnostics` (one way per
//! client, never both). Every report carries a result id (a hash of what it says), so a file
//! whose findings did not change is answered `unchanged`. When findings change, the server asks
//! the client to pull again (`workspace/diagnostic/refresh`).

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::*;

use super::proto::{self, LineIndex};
use super::{path_of, Backend, Snapshot, State};

/// Whether the client pulls: it declares `textDocument.diagnostic` and can be told to pull again
/// (`workspace.diagnostics.refreshSupport`); any other client is pushed to (Neovim 0.7, …).
pub(super) fn client_pulls(capabilities: &ClientCapabilities) -> bool {
    let document = capabilities
        .text_document
        .as_ref()
        .and_then(|t| t.diagnostic.as_ref())
        .is_some();
    let refresh = capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.diagnostics.as_ref())
        .and_then(|d| d.refresh_support)
        .unwrap_or(false);
    document && refresh
}

pub(super) fn capability() -> DiagnosticServerCapabilities {
    DiagnosticServerCapabilities::Options(DiagnosticOptions {
        identifier: Some("flyway-lsp".into()),
        // A file's findings depend on the other migrations (versions, the replayed schema).
        inter_file_dependencies: true,
        workspace_diagnostics: true,
        ..DiagnosticOptions::default()
    })
}

/// The findings of every file that has some, by path, with the project they are in.
fn by_file(snapshot: &Snapshot) -> BTreeMap<&Path, (usize, Vec<&crate::diagnostic::Diagnostic>)> {
    let mut files: BTreeMap<&Path, (usize, Vec<&crate::diagnostic::Diagnostic>)> = BTreeMap::new();
    for (p, project) in snapshot.workspace.projects.iter().enumerate() {
        for d in project.diagnostics.iter() {
            files
                .entry(d.path.as_path())
                .or_insert((p, Vec::new()))
                .1
                .push(d);
        }
    }
    files
}

/// A file's findings in LSP terms (positions from the text they were computed on), and the
/// result id of that report.
fn report(
    snapshot: &Snapshot,
    path: &Path,
    project: usize,
    diagnostics: &[&crate::diagnostic::Diagnostic],
) -> (String, Vec<Diagnostic>) {
    let text = snapshot.workspace.projects[project]
        .file(path)
        .and_then(|f| f.text());
    let lines = text.as_deref().map(LineIndex::new);
    let items: Vec<Diagnostic> = diagnostics
        .iter()
        .map(|d| proto::diagnostic(d, lines.as_ref()))
        .collect();
    (result_id(&items), items)
}

/// A hash of the report's JSON: equal reports, equal ids (stable within the server's run).
fn result_id(items: &[Diagnostic]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(items)
        .unwrap_or_default()
        .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

pub(super) async fn document(
    backend: &Backend,
    params: DocumentDiagnosticParams,
) -> DocumentDiagnosticReportResult {
    let snapshot = backend.snapshot();
    let path = path_of(&params.text_document.uri);
    let files = by_file(&snapshot);
    let (result_id, items) = match path.as_deref().and_then(|p| files.get_key_value(p)) {
        Some((path, (project, diagnostics))) => report(&snapshot, path, *project, diagnostics),
        None => (result_id(&[]), Vec::new()),
    };
    if let Some(path) = path.filter(|_| !items.is_empty()) {
        backend
            .pulled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path);
    }
    let report = if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
        DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
        })
    } else {
        DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(result_id),
                items,
            },
        })
    };
    DocumentDiagnosticReportResult::Report(report)
}

/// Every file with findings, and every file the client holds a report for or was given findings
/// for (a file that went clean gets an empty one); unchanged reports answer `unchanged`.
pub(super) async fn workspace(
    backend: &Backend,
    params: WorkspaceDiagnosticParams,
) -> WorkspaceDiagnosticReportResult {
    let snapshot = backend.snapshot();
    let files = by_file(&snapshot);
    let previous: HashMap<PathBuf, String> = params
        .previous_result_ids
        .into_iter()
        .filter_map(|p| Some((path_of(&p.uri)?, p.value)))
        .collect();
    let mut reports: BTreeMap<&Path, (String, Vec<Diagnostic>)> = files
        .iter()
        .map(|(path, (project, diagnostics))| {
            (*path, report(&snapshot, path, *project, diagnostics))
        })
        .collect();
    let clean = result_id(&[]);
    // A file the client was given findings for and that has none now gets an empty report, even
    // when the client no longer lists it: VS Code's client pulls a closed document once more and
    // then drops it from the ids it sends, so the findings of a file renamed or deleted while
    // open would stay in its Problems panel. Kept until the client holds the empty report.
    let pulled: Vec<PathBuf> = {
        let mut pulled = backend.pulled.lock().unwrap_or_else(|e| e.into_inner());
        pulled.retain(|path| {
            files.contains_key(path.as_path()) || previous.get(path) != Some(&clean)
        });
        pulled.extend(files.keys().map(|path| path.to_path_buf()));
        pulled.iter().cloned().collect()
    };
    for path in previous.keys().chain(pulled.iter()) {
        reports
            .entry(path.as_path())
            .or_insert_with(|| (clean.clone(), Vec::new()));
    }
    let items = reports
        .into_iter()
        .filter_map(|(path, (result_id, items))| {
            let uri = Uri::from_file_path(path)?;
            Some(if previous.get(path) == Some(&result_id) {
                WorkspaceDocumentDiagnosticReport::Unchanged(
                    WorkspaceUnchangedDocumentDiagnosticReport {
                        uri,
                        version: None,
                        unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                            result_id,
                        },
                    },
                )
            } else {
                WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
                    uri,
                    version: None,
                    full_document_diagnostic_report: FullDocumentDiagnosticReport {
                        result_id: Some(result_id),
                        items,
                    },
                })
            })
        })
        .collect();
    WorkspaceDiagnosticReportResult::Report(WorkspaceDiagnosticReport { items })
}

/// For a pulling client, in place of publishing: notes the findings now in the model and, if any
/// file's changed, asks the client to pull again (without waiting for its answer).
pub(super) fn refresh_if_changed(backend: &Backend, state: &mut State) {
    let State {
        workspace,
        published,
        ..
    } = state;
    let current = super::findings_by_file(workspace);
    let same = current.len() == published.len()
        && current.iter().all(|(path, _, d)| {
            published
                .get(*path)
                .is_some_and(|(_, old)| super::same_findings(old, d))
        });
    if same {
        return;
    }
    *published = current
        .into_iter()
        .map(|(p, _, d)| (p.to_os_string(), (None, d)))
        .collect();
    let client = backend.client.clone();
    tokio::spawn(async move {
        let _ = client.workspace_diagnostic_refresh().await;
    });
}
