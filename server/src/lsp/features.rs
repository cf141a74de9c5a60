//! Requests: hover, definition, references, completion, symbols, code actions and commands.
//! Each reads the workspace model and converts at the edge.

use std::collections::HashMap;
use std::path::Path;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use super::proto::LineIndex;
use super::{
    path_of, Backend, CMD_DRY_RUN, CMD_FOLDER_STATE, CMD_MOVE_CHANGE, CMD_NEXT_MIGRATION,
    CMD_RECHECK, CMD_UNDO_MIGRATION, CMD_VALIDATE,
};
use crate::diagnostic::TextRange;
use crate::naming::Kind;
use crate::rules;
use crate::schema::Catalog;
use crate::sql::facts::Op;
use crate::workspace::ProjectState;

/// The text of a file as the snapshot's check read it (an open buffer's text as of that check):
/// the findings' and analyses' offsets are of this text, so positions are converted with it
/// (a request never waits for the re-check of newer keystrokes). None for a file over
/// `max-analysis-size`: it is not analysed, so nothing is lexed or searched in it.
fn text_of(project: &ProjectState, path: &Path) -> Option<String> {
    project
        .file(path)
        .and_then(|f| f.text())
        .map(std::borrow::Cow::into_owned)
}

/// A place the engine names (a path and a byte range of its text as the snapshot read it).
fn location_of(project: &ProjectState, path: &Path, range: TextRange) -> Option<Location> {
    let text = text_of(project, path)?;
    let range = LineIndex::new(&text).range(range);
    Some(Location::new(Uri::from_file_path(path)?, range))
}

/// The project, file index and text of a document position.
struct Context {
    project: usize,
    file: usize,
    text: String,
    offset: usize,
}

fn context(state: &super::Snapshot, uri: &Uri, position: Position) -> Option<Context> {
    let path = path_of(uri)?;
    let project = state.workspace.project_for(&path)?;
    let p = &state.workspace.projects[project];
    let file = p.file_index(&path)?;
    let text = text_of(p, &path)?;
    let offset = LineIndex::new(&text).offset(position);
    Some(Context {
        project,
        file,
        text,
        offset,
    })
}

fn describe_table(catalog: &Catalog, table: &crate::schema::Table) -> Option<String> {
    let mut out = format!(
        "**table {}** — created by `{}` (version {})\n\n",
        table.name,
        table.origin.path().file_name()?.to_string_lossy(),
        table.origin.migration()
    );
    out.push_str("| column | type | |\n|---|---|---|\n");
    for c in &table.columns {
        let mut flags = Vec::new();
        if c.spec.primary_key {
            flags.push("primary key".to_string());
        } else if c.spec.not_null {
            flags.push("not null".to_string());
        }
        if let Some(default) = &c.spec.default {
            flags.push(format!("default {default}"));
        }
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            c.spec.name,
            c.spec.data_type,
            flags.join(", ")
        ));
    }
    let indexes: Vec<String> = catalog
        .indexes_on(&table.name)
        .into_iter()
        .map(|i| format!("`{}` ({})", i.name, i.columns.join(", ")))
        .collect();
    if !indexes.is_empty() {
        out.push_str(&format!("\nIndexes: {}\n", indexes.join(", ")));
    }
    if !table.changed_by.is_empty() {
        let changes: Vec<String> = table
            .changed_by
            .iter()
            .map(|o| o.migration().to_string())
            .collect();
        out.push_str(&format!("\nChanged by versions {}\n", changes.join(", ")));
    }
    Some(out)
}

pub(super) async fn hover(backend: &Backend, params: HoverParams) -> Option<Hover> {
    let state = backend.snapshot();
    let uri = &params.text_document_position_params.text_document.uri;
    let cx = context(&state, uri, params.text_document_position_params.position)?;
    let project = &state.workspace.projects[cx.project];
    let file = &project.set.files[cx.file];
    let index = LineIndex::new(&cx.text);
    let markdown = |value: String| Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: None,
    };
    let line = index.position(cx.offset).line;
    // The first line: what Flyway makes of the file (also under a finding there).
    let identity = (line == 0)
        .then(|| {
            let db_error = state.db_errors.get(&project.key()).map(String::as_str);
            file_identity(project, file, &cx.text, db_error)
        })
        .flatten();
    let with_identity = |text: String| match &identity {
        Some(i) => format!("{i}\n\n---\n\n{text}"),
        None => text,
    };
    // A table name: its definition as of this statement, and the findings of the statement.
    let resolved = crate::navigate::resolve(project, cx.file, cx.offset);
    if let Some((table, catalog)) = resolved
        .as_ref()
        .and_then(|r| Some((r.table.as_ref()?, &r.catalog)))
    {
        if let Some(mut text) = describe_table(catalog, table) {
            let statement = project.analysis(cx.file).and_then(|sql| {
                sql.statements
                    .iter()
                    .map(|s| s.range())
                    .find(|r| r.start <= cx.offset && cx.offset <= r.end)
            });
            let findings: Vec<String> = statement
                .map(|r| {
                    project
                        .diagnostics_for(&file.path)
                        .filter(|d| d.range.start <= r.end && r.start <= d.range.end)
                        .map(|d| format!("- **{}** ({}): {}", d.rule, d.level.name(), d.message))
                        .collect()
                })
                .unwrap_or_default();
            if !findings.is_empty() {
                text.push_str("\n---\n\nFindings in this statement:\n\n");
                text.push_str(&findings.join("\n"));
                text.push('\n');
            }
            return Some(markdown(with_identity(text)));
        }
    }
    // A finding under the cursor: its rule's documentation.
    if let Some(d) = project.diagnostics_for(&file.path).find(|d| {
        (d.range.start <= cx.offset && cx.offset <= d.range.end.max(d.range.start + 1))
            || (d.range.start == d.range.end && index.position(d.range.start).line == line)
    }) {
        let doc = rules::find(d.rule).map_or("", |r| r.doc);
        return Some(markdown(with_identity(format!(
            "**{}** ({})\n\n{}\n\n---\n\n{doc}",
            d.rule,
            d.level.name(),
            d.message
        ))));
    }
    identity.map(markdown)
}

/// The file's Flyway identity and applied state, for the hover on its first line. `db_error`:
/// why the last database read failed (e.g. "database busy: …"), shown when the state is unknown.
fn file_identity(
    project: &ProjectState,
    file: &crate::index::ScriptFile,
    text: &str,
    db_error: Option<&str>,
) -> Option<String> {
    let name = file.name()?;
    let checksum = crate::checksum::checksum_text(text);
    let version = name
        .version
        .as_ref()
        .map_or("—".to_string(), |v| v.raw().to_string());
    let state = match (
        project.applied.database_state(&file.path),
        project.applied.database.as_ref(),
        project.applied.get(&file.path),
    ) {
        (Some(s), Some(db), _) => format!(
            "{}{} on {}",
            s.state,
            s.installed_on
                .as_deref()
                .map(|on| format!(" (installed {on})"))
                .unwrap_or_default(),
            db.source
        ),
        (None, Some(db), _) => format!("not in the history of {}", db.source),
        (None, None, Some(applied)) => {
            format!(
                "applied (in {}), checksum {}",
                applied.source, applied.checksum
            )
        }
        _ => match db_error {
            Some(error) => format!("not known ({error})"),
            None => "not known (no database configured or reachable)".to_string(),
        },
    };
    Some(format!(
            "**Flyway {} migration**\n\n| | |\n|---|---|\n| version | {version} |\n| description | {} |\n| script | `{}` |\n| checksum | {checksum} |\n| state | {state} |",
            name.kind.name().to_lowercase(),
            name.description(),
            file.script
        ))
}

pub(super) async fn definition(
    backend: &Backend,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let state = backend.snapshot();
    let pos = params.text_document_position_params;
    let cx = context(&state, &pos.text_document.uri, pos.position)?;
    let project = &state.workspace.projects[cx.project];
    // Resolved as of this statement: a table renamed or dropped later is still found.
    let resolved = crate::navigate::resolve(project, cx.file, cx.offset)?;
    let origin = resolved
        .table
        .as_ref()
        .map(|t| &t.origin)
        .or(resolved.index.as_ref().map(|i| &i.origin))?;
    let (path, range) =
        crate::navigate::definition(project, origin, std::slice::from_ref(&resolved.name.name));
    location_of(project, &path, range).map(GotoDefinitionResponse::Scalar)
}

pub(super) async fn references(
    backend: &Backend,
    params: ReferenceParams,
) -> Option<Vec<Location>> {
    let state = backend.snapshot();
    let pos = params.text_document_position;
    let cx = context(&state, &pos.text_document.uri, pos.position)?;
    let project = &state.workspace.projects[cx.project];
    let places = crate::navigate::references(
        project,
        cx.file,
        cx.offset,
        params.context.include_declaration,
    );
    // One text and line index per file, however many places it has (a file's places come
    // together).
    let mut out = Vec::new();
    for group in places.chunk_by(|a, b| a.0 == b.0) {
        let path = &group[0].0;
        let (Some(text), Some(uri)) = (text_of(project, path), Uri::from_file_path(path)) else {
            continue;
        };
        let index = LineIndex::new(&text);
        out.extend(
            group
                .iter()
                .map(|(_, range)| Location::new(uri.clone(), index.range(*range))),
        );
    }
    Some(out)
}

const KEYWORDS: &[&str] = &[
    "SELECT",
    "INSERT INTO",
    "UPDATE",
    "DELETE FROM",
    "CREATE TABLE",
    "CREATE TABLE IF NOT EXISTS",
    "CREATE INDEX",
    "CREATE INDEX CONCURRENTLY",
    "CREATE UNIQUE INDEX",
    "ALTER TABLE",
    "ADD COLUMN",
    "DROP COLUMN",
    "DROP TABLE IF EXISTS",
    "DROP INDEX IF EXISTS",
    "RENAME COLUMN",
    "ALTER COLUMN",
    "SET NOT NULL",
    "DROP NOT NULL",
    "SET DEFAULT",
    "PRIMARY KEY",
    "FOREIGN KEY",
    "REFERENCES",
    "NOT NULL",
    "DEFAULT",
    "UNIQUE",
    "CHECK",
    "NOT VALID",
    "VALIDATE CONSTRAINT",
    "CONSTRAINT",
    "IF NOT EXISTS",
    "IF EXISTS",
    "ALGORITHM=INPLACE",
    "ALGORITHM=INSTANT",
    "LOCK=NONE",
    "SET lock_timeout = '5s';",
    "BIGINT",
    "TEXT",
    "TIMESTAMPTZ",
    "VARCHAR",
    "BOOLEAN",
    "JSONB",
];

/// At most this many completion items; beyond, the list is marked incomplete (the client asks
/// again as more is typed).
const MAX_COMPLETIONS: usize = 500;

pub(super) async fn completion(
    backend: &Backend,
    params: CompletionParams,
) -> Option<CompletionResponse> {
    use crate::navigate::Completing;
    let state = backend.snapshot();
    let pos = params.text_document_position;
    let cx = context(&state, &pos.text_document.uri, pos.position)?;
    let project = &state.workspace.projects[cx.project];
    let place = crate::navigate::completion_place(project, cx.file, cx.offset)?;
    let mysql = project.server.dialect() == crate::sql::Dialect::MySql;
    let range = LineIndex::new(&cx.text).range(place.replace);
    let typed = place.typed.to_lowercase();
    // (sort key, label, insert text, kind, detail)
    let mut candidates: Vec<(String, String, String, CompletionItemKind, Option<String>)> =
        Vec::new();
    let tables = || {
        place
            .catalog
            .tables()
            .map(|table| {
                (
                    format!("1{}", table.name.name),
                    table.name.name.to_string(),
                    crate::undo::quote(mysql, &table.name.name),
                    CompletionItemKind::CLASS,
                    Some(format!(
                        "table, created by version {}",
                        table.origin.migration()
                    )),
                )
            })
            .collect::<Vec<_>>()
    };
    match &place.completing {
        Completing::Tables => candidates.extend(tables()),
        Completing::Columns(table) => {
            candidates.extend(table.columns.iter().enumerate().map(|(i, column)| {
                (
                    format!("0{i:05}"),
                    column.spec.name.clone(),
                    crate::undo::quote(mysql, &column.spec.name),
                    CompletionItemKind::FIELD,
                    Some(format!(
                        "{}.{} {}",
                        table.name.name, column.spec.name, column.spec.data_type
                    )),
                )
            }))
        }
        Completing::Nothing => {}
        Completing::Anything => {
            candidates.extend(tables());
            candidates.extend(KEYWORDS.iter().map(|k| {
                (
                    format!("2{k}"),
                    k.to_string(),
                    k.to_string(),
                    CompletionItemKind::KEYWORD,
                    None,
                )
            }));
        }
    }
    candidates.retain(|c| c.1.to_lowercase().starts_with(&typed));
    candidates.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let is_incomplete = candidates.len() > MAX_COMPLETIONS;
    let items = candidates
        .into_iter()
        .take(MAX_COMPLETIONS)
        .map(|(sort, label, insert, kind, detail)| CompletionItem {
            label,
            kind: Some(kind),
            detail,
            sort_text: Some(sort),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, insert))),
            ..CompletionItem::default()
        })
        .collect();
    Some(CompletionResponse::List(CompletionList {
        is_incomplete,
        items,
    }))
}

#[allow(deprecated)]
pub(super) async fn document_symbols(
    backend: &Backend,
    params: DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let state = backend.snapshot();
    let path = path_of(&params.text_document.uri)?;
    let project = &state.workspace.projects[state.workspace.project_for(&path)?];
    let index = project.file_index(&path)?;
    let sql = project.analysis(index)?;
    let sql = &*sql;
    let text = text_of(project, &path)?;
    let lines = LineIndex::new(&text);
    let symbols = sql
        .statements
        .iter()
        .map(|s| {
            let range = s.range();
            let head: String = text[range.start..range.end]
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(80)
                .collect();
            let kind = match &s.parsed.op {
                Op::CreateTable { .. } => SymbolKind::STRUCT,
                Op::CreateIndex { .. } | Op::DropIndex { .. } => SymbolKind::KEY,
                Op::AlterTable { .. } => SymbolKind::FIELD,
                Op::Dml { .. } => SymbolKind::EVENT,
                Op::Routine => SymbolKind::FUNCTION,
                _ => SymbolKind::OBJECT,
            };
            let r = lines.range(range);
            DocumentSymbol {
                name: if head.trim().is_empty() {
                    "statement".into()
                } else {
                    head.trim().to_string()
                },
                detail: None,
                kind,
                tags: None,
                deprecated: None,
                range: r,
                selection_range: r,
                children: None,
            }
        })
        .collect();
    Some(DocumentSymbolResponse::Nested(symbols))
}

fn text_edit_action(
    uri: &Uri,
    index: &LineIndex,
    title: String,
    edits: &[(TextRange, String)],
    diagnostic: Option<Diagnostic>,
) -> CodeActionOrCommand {
    let edits: Vec<TextEdit> = edits
        .iter()
        .map(|(range, text)| TextEdit::new(index.range(*range), text.clone()))
        .collect();
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: diagnostic.map(|d| vec![d]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    })
}

/// An engine action as a code action: edits of this file alone as plain `changes` (what every
/// client applies), anything with renames or new files as ordered `documentChanges`. Edits of
/// other files are not produced by the engine; such an action is dropped rather than sent with
/// positions computed from the wrong text.
fn workspace_action(
    uri: &Uri,
    path: &Path,
    index: &LineIndex,
    action: crate::actions::Action,
    diagnostic: &Diagnostic,
) -> Option<CodeActionOrCommand> {
    use crate::actions::Change;
    if let [Change::Edit {
        path: edited,
        edits,
    }] = action.changes.as_slice()
    {
        if edited != path {
            return None;
        }
        let mut code_action =
            text_edit_action(uri, index, action.title, edits, Some(diagnostic.clone()));
        if let CodeActionOrCommand::CodeAction(a) = &mut code_action {
            a.is_preferred = action.preferred.then_some(true);
        }
        return Some(code_action);
    }
    let options = || {
        Some(CreateFileOptions {
            overwrite: Some(false),
            ignore_if_exists: Some(false),
        })
    };
    let mut operations = Vec::new();
    for change in action.changes {
        match change {
            Change::Edit {
                path: edited,
                edits,
            } => {
                if edited != path {
                    return None;
                }
                operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier {
                        uri: uri.clone(),
                        version: None,
                    },
                    edits: edits
                        .iter()
                        .map(|(range, text)| {
                            OneOf::Left(TextEdit::new(index.range(*range), text.clone()))
                        })
                        .collect(),
                }));
            }
            Change::Rename { from, to } => {
                operations.push(DocumentChangeOperation::Op(ResourceOp::Rename(
                    RenameFile {
                        old_uri: Uri::from_file_path(&from)?,
                        new_uri: Uri::from_file_path(&to)?,
                        options: Some(RenameFileOptions {
                            overwrite: Some(false),
                            ignore_if_exists: Some(false),
                        }),
                        annotation_id: None,
                    },
                )));
            }
            Change::Create {
                path: created,
                text,
            } => {
                let new_uri = Uri::from_file_path(&created)?;
                operations.push(DocumentChangeOperation::Op(ResourceOp::Create(
                    CreateFile {
                        uri: new_uri.clone(),
                        options: options(),
                        annotation_id: None,
                    },
                )));
                if !text.is_empty() {
                    operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                        text_document: OptionalVersionedTextDocumentIdentifier {
                            uri: new_uri,
                            version: None,
                        },
                        edits: vec![OneOf::Left(TextEdit::new(Range::default(), text))],
                    }));
                }
            }
        }
    }
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: action.title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        is_preferred: action.preferred.then_some(true),
        edit: Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(operations)),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    }))
}

fn command_action(
    title: &str,
    command: &str,
    arguments: Vec<serde_json::Value>,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title: title.to_string(),
        kind: Some(CodeActionKind::REFACTOR),
        command: Some(Command {
            title: title.to_string(),
            command: command.to_string(),
            arguments: Some(arguments),
        }),
        ..CodeAction::default()
    })
}

pub(super) async fn code_actions(
    backend: &Backend,
    params: CodeActionParams,
) -> Option<CodeActionResponse> {
    let state = backend.snapshot();
    let uri = &params.text_document.uri;
    let path = path_of(uri)?;
    let project = &state.workspace.projects[state.workspace.project_for(&path)?];
    let file_index = project.file_index(&path)?;
    let file = &project.set.files[file_index];
    let text = text_of(project, &path).unwrap_or_default();
    // Edits are sent without a document version: computed on a snapshot older than the buffer,
    // they would land at the wrong places. None until the buffer's re-check is in (the client
    // asks again as the cursor moves or the findings change).
    if backend
        .documents
        .get(&path)
        .is_some_and(|doc| doc.rope != text.as_str())
    {
        return Some(Vec::new());
    }
    let index = LineIndex::new(&text);
    let start = index.offset(params.range.start);
    let end = index.offset(params.range.end);
    let mut actions = Vec::new();
    for d in project.diagnostics_for(&path) {
        let touches = d.range.start <= end && start <= d.range.end.max(d.range.start);
        let same_line = index.position(d.range.start).line == params.range.start.line;
        if !touches && !same_line {
            continue;
        }
        let lsp = super::proto::diagnostic(d, Some(&index));
        for action in crate::actions::for_diagnostic(project, d, &text) {
            if let Some(action) = workspace_action(uri, &path, &index, action, &lsp) {
                actions.push(action);
            }
        }
        let text_known = project
            .applied
            .get(&d.path)
            .is_some_and(|a| a.text.is_some());
        if d.rule == "applied-migration-edited" && text_known {
            actions.push(command_action(
                "Move the change into a new migration (restore the applied text)",
                CMD_MOVE_CHANGE,
                vec![serde_json::Value::String(uri.to_string())],
            ));
        }
        for action in crate::actions::suppressions(project, d, &text) {
            if let Some(action) = workspace_action(uri, &path, &index, action, &lsp) {
                actions.push(action);
            }
        }
    }
    let uri_arg = serde_json::Value::String(uri.to_string());
    if let Some(name) = file.migration(&[Kind::Versioned]) {
        let has_undo = project
            .set
            .migrations(&[Kind::Undo])
            .any(|(_, u)| u.version == name.version);
        if !has_undo {
            actions.push(command_action(
                "Create matching undo (U) migration",
                CMD_UNDO_MIGRATION,
                vec![uri_arg.clone()],
            ));
        }
    }
    actions.push(command_action(
        "Create next migration",
        CMD_NEXT_MIGRATION,
        vec![uri_arg],
    ));
    if let Some(only) = &params.context.only {
        actions.retain(|action| match action {
            CodeActionOrCommand::CodeAction(a) => a
                .kind
                .as_ref()
                .is_some_and(|kind| only.iter().any(|wanted| kind_matches(kind, wanted))),
            CodeActionOrCommand::Command(_) => false,
        });
    }
    Some(actions)
}

/// LSP's `CodeActionContext.only`: an action is wanted when its kind is a requested kind or one of
/// its sub-kinds (`refactor.extract` under `refactor`); the empty kind asks for every action.
fn kind_matches(kind: &CodeActionKind, wanted: &CodeActionKind) -> bool {
    let (kind, wanted) = (kind.as_str(), wanted.as_str());
    wanted.is_empty()
        || kind == wanted
        || kind
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Creates a file through the client (so it lands in the editor's undo history), then opens it.
async fn create_file(backend: &Backend, path: &Path, text: &str) -> Result<Uri> {
    let uri = Uri::from_file_path(path).ok_or_else(|| Error::invalid_params("bad path"))?;
    let mut operations = vec![DocumentChangeOperation::Op(ResourceOp::Create(
        CreateFile {
            uri: uri.clone(),
            options: Some(CreateFileOptions {
                overwrite: Some(false),
                ignore_if_exists: Some(false),
            }),
            annotation_id: None,
        },
    ))];
    if !text.is_empty() {
        operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: uri.clone(),
                version: None,
            },
            edits: vec![OneOf::Left(TextEdit::new(
                Range::default(),
                text.to_string(),
            ))],
        }));
    }
    let response = backend
        .client
        .apply_edit(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(operations)),
            ..WorkspaceEdit::default()
        })
        .await
        .map_err(|e| Error::invalid_params(format!("the editor did not apply the edit: {e}")))?;
    if !response.applied {
        return Err(Error::invalid_params(format!(
            "the editor refused to create {}: {}",
            path.display(),
            response.failure_reason.unwrap_or_default()
        )));
    }
    let _ = backend
        .client
        .show_document(ShowDocumentParams {
            uri: uri.clone(),
            external: None,
            take_focus: Some(true),
            selection: None,
        })
        .await;
    Ok(uri)
}

fn argument_path(params: &ExecuteCommandParams, i: usize) -> Option<std::path::PathBuf> {
    let text = params.arguments.get(i)?.as_str()?;
    let uri: Uri = text.parse().ok()?;
    path_of(&uri)
}

pub(super) async fn execute_command(
    backend: &Backend,
    params: ExecuteCommandParams,
) -> Result<Option<LSPAny>> {
    match params.command.as_str() {
        CMD_RECHECK => {
            backend.reload_workspace().await;
            Ok(None)
        }
        CMD_FOLDER_STATE => {
            // For status bars: the project's latest version, counts, and the database's view.
            let state = backend.synced_state().await;
            let project = argument_path(&params, 0)
                .and_then(|p| state.workspace.project_for(&p))
                .or_else(|| (!state.workspace.projects.is_empty()).then_some(0));
            let Some(p) = project.map(|i| &state.workspace.projects[i]) else {
                return Ok(Some(serde_json::json!({"migrations": 0})));
            };
            let versioned: Vec<_> = p
                .set
                .migrations(&[Kind::Versioned])
                .filter_map(|(_, n)| n.version.as_ref())
                .collect();
            let latest = versioned.iter().max().map(|v| v.raw().to_string());
            let count = |level: crate::config::Level| {
                p.diagnostics.iter().filter(|d| d.level == level).count()
            };
            let database = p.applied.database.as_ref().map(|db| {
                let states: Vec<&str> = db.files.values().map(|f| f.state).collect();
                serde_json::json!({
                    "source": db.source,
                    "pending": states.iter().filter(|s| **s == "Pending").count(),
                    "failed": states.iter().filter(|s| s.starts_with("Failed")).count(),
                    "applied": states.iter().filter(|s| matches!(**s, "Success" | "Baseline" | "Out of Order")).count(),
                })
            });
            Ok(Some(serde_json::json!({
                "migrations": versioned.len(),
                "latest": latest,
                "errors": count(crate::config::Level::Error),
                "warnings": count(crate::config::Level::Warning),
                "database": database,
                // Why the last read of the database failed ("database busy: …"), if it did.
                "database_error": state.db_errors.get(&p.key()),
            })))
        }
        CMD_VALIDATE | CMD_DRY_RUN => {
            let path = argument_path(&params, 0);
            // An explicit command waits for the first walk of the folders (bounded), so it
            // does not answer "no database configured" for a project not read yet.
            backend.walks_done(std::time::Duration::from_secs(60)).await;
            let summaries = if params.command == CMD_VALIDATE {
                backend.validate_now(path.as_deref(), true).await
            } else {
                backend.dry_run_now(path.as_deref()).await
            };
            if summaries.is_empty() {
                return Err(Error::invalid_params(
                    "no database configured: set `url` in flyway.toml / flyway.conf or the editor settings",
                ));
            }
            Ok(Some(serde_json::Value::Array(summaries)))
        }
        CMD_NEXT_MIGRATION => {
            let description = params
                .arguments
                .get(1)
                .and_then(|v| v.as_str())
                .unwrap_or("new migration")
                .to_string();
            let new_files = {
                let state = backend.synced_state().await;
                let project = argument_path(&params, 0)
                    .and_then(|p| state.workspace.project_for(&p))
                    .or_else(|| (!state.workspace.projects.is_empty()).then_some(0))
                    .ok_or_else(|| {
                        Error::invalid_params("no Flyway migration folder in this workspace")
                    })?;
                let p = &state.workspace.projects[project];
                // Never outside a location, never over an existing file (checked there); the
                // undo migration too in a V/U-paired project.
                crate::scaffold::next_migration_files(p, &description)
                    .map_err(Error::invalid_params)?
            };
            // The undo migration first, so the versioned one is shown last, in front.
            let mut uri = None;
            for new_file in new_files.iter().rev() {
                uri = Some(create_file(backend, &new_file.path, &new_file.text).await?);
            }
            let mut state = backend.state.lock().await;
            for new_file in &new_files {
                if let Some(p) = state.workspace.project_for(&new_file.path) {
                    state.workspace.projects[p].set_text(&new_file.path, &new_file.text);
                }
            }
            backend.publish_all(&mut state).await;
            Ok(uri.map(|u| serde_json::Value::String(u.to_string())))
        }
        CMD_UNDO_MIGRATION => {
            let path = argument_path(&params, 0).ok_or_else(|| {
                Error::invalid_params("expected the URI of a versioned migration")
            })?;
            let (undo_path, text) = {
                let state = backend.synced_state().await;
                let project = state
                    .workspace
                    .project_for(&path)
                    .ok_or_else(|| Error::invalid_params("not in a migration location"))?;
                let p = &state.workspace.projects[project];
                let index = p
                    .file_index(&path)
                    .ok_or_else(|| Error::invalid_params("unknown file"))?;
                let undo_path =
                    crate::scaffold::undo_path(p, &path).map_err(Error::invalid_params)?;
                let sql = p
                    .analysis(index)
                    .ok_or_else(|| Error::invalid_params("the migration could not be read"))?;
                let source = text_of(p, &path).unwrap_or_default();
                let before = p.schema_before(index);
                (
                    undo_path,
                    crate::scaffold::undo_script(&sql, &source, &p.server, &before),
                )
            };
            let uri = create_file(backend, &undo_path, &text).await?;
            let mut state = backend.state.lock().await;
            if let Some(p) = state.workspace.project_for(&undo_path) {
                state.workspace.projects[p].set_text(&undo_path, &text);
            }
            backend.publish_all(&mut state).await;
            Ok(Some(serde_json::Value::String(uri.to_string())))
        }
        CMD_MOVE_CHANGE => {
            let path = argument_path(&params, 0)
                .ok_or_else(|| Error::invalid_params("expected the URI of an edited migration"))?;
            let (applied_text, current_text, new_file) = {
                let state = backend.synced_state().await;
                let project = state
                    .workspace
                    .project_for(&path)
                    .ok_or_else(|| Error::invalid_params("not in a migration location"))?;
                let p = &state.workspace.projects[project];
                let applied = p.applied.get(&path).ok_or_else(|| {
                    Error::invalid_params("this migration is not known to be applied")
                })?;
                let applied_text = applied.text.clone().ok_or_else(|| {
                    Error::invalid_params(format!(
                        "the applied text is not known ({} has only its checksum): set `[flyway-lsp] applied-ref` to the branch it was deployed from",
                        applied.source
                    ))
                })?;
                let index = p
                    .file_index(&path)
                    .ok_or_else(|| Error::invalid_params("unknown file"))?;
                let current_text = text_of(p, &path).unwrap_or_default();
                let sql = p
                    .analysis(index)
                    .ok_or_else(|| Error::invalid_params("the migration could not be read"))?;
                let body = crate::scaffold::changed_statements(&applied_text, &sql, &current_text);
                let version = p.set.files[index]
                    .name()
                    .and_then(|n| n.version.as_ref())
                    .map(|v| v.raw().to_string())
                    .unwrap_or_default();
                let mut new_file =
                    crate::scaffold::next_migration(p, &format!("follow up to {version}"))
                        .map_err(Error::invalid_params)?;
                new_file.text.push_str(&body);
                (applied_text, current_text, new_file)
            };
            let uri =
                Uri::from_file_path(&path).ok_or_else(|| Error::invalid_params("bad path"))?;
            let end = LineIndex::new(&current_text).position(current_text.len());
            let restore = WorkspaceEdit {
                document_changes: Some(DocumentChanges::Operations(vec![
                    DocumentChangeOperation::Edit(TextDocumentEdit {
                        text_document: OptionalVersionedTextDocumentIdentifier {
                            uri,
                            version: None,
                        },
                        edits: vec![OneOf::Left(TextEdit::new(
                            Range::new(Position::new(0, 0), end),
                            applied_text,
                        ))],
                    }),
                ])),
                ..WorkspaceEdit::default()
            };
            let restored = backend.client.apply_edit(restore).await.map_err(|e| {
                Error::invalid_params(format!("the editor did not apply the edit: {e}"))
            })?;
            if !restored.applied {
                return Err(Error::invalid_params(
                    "the editor refused to restore the applied text",
                ));
            }
            let created = create_file(backend, &new_file.path, &new_file.text).await?;
            let mut state = backend.state.lock().await;
            if let Some(p) = state.workspace.project_for(&new_file.path) {
                state.workspace.projects[p].set_text(&new_file.path, &new_file.text);
            }
            backend.publish_all(&mut state).await;
            Ok(Some(serde_json::Value::String(created.to_string())))
        }
        other => Err(Error::invalid_params(format!("unknown command {other}"))),
    }
}

/// Semantic token types in the legend order.
pub(super) const TOKEN_TYPES: &[SemanticTokenType] =
    &[SemanticTokenType::MACRO, SemanticTokenType::COMMENT];

/// Flyway placeholders (`${name}`, or as the project's `placeholderPrefix` / `placeholderSuffix`
/// write them; as macros) and flyway-lsp suppression comments, so editors can highlight what
/// plain SQL grammars do not know.
pub(super) async fn semantic_tokens(
    backend: &Backend,
    params: SemanticTokensParams,
) -> Option<SemanticTokensResult> {
    let state = backend.snapshot();
    let path = path_of(&params.text_document.uri)?;
    let project = &state.workspace.projects[state.workspace.project_for(&path)?];
    // Tokens need no analysis, only the text: an open buffer's as it is now (its re-check may
    // still run), so their positions are of the text the editor shows.
    let buffer = backend.documents.get(&path).map(|d| d.rope.to_string());
    let text = match buffer {
        Some(text) if text.len() as u64 > project.project.config.tool.max_analysis_size() => {
            return None;
        }
        Some(text) => text,
        None => text_of(project, &path)?,
    };
    let dialect = project.server.dialect();
    let index = LineIndex::new(&text);
    let mut data = Vec::new();
    let (mut last_line, mut last_start) = (0u32, 0u32);
    for token in crate::sql::lexer::tokenize_with(&text, dialect, &project.server.placeholders) {
        use crate::sql::lexer::TokenKind;
        let body = token.text(&text);
        let kind = match token.kind {
            TokenKind::Placeholder => 0,
            TokenKind::LineComment | TokenKind::BlockComment
                if body.contains("flyway-lsp-ignore") && !body.contains(['\n', '\r']) =>
            {
                1
            }
            _ => continue,
        };
        let start = index.position(token.start);
        let length: u32 = body.chars().map(|c| c.len_utf16() as u32).sum();
        let delta_line = start.line - last_line;
        let delta_start = if delta_line == 0 {
            start.character - last_start
        } else {
            start.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: kind,
            token_modifiers_bitset: 0,
        });
        last_line = start.line;
        last_start = start.character;
    }
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_action_kinds_match_requested_kinds_and_their_sub_kinds() {
        let kind = |k: &str| CodeActionKind::from(k.to_string());
        assert!(kind_matches(&kind("quickfix"), &kind("quickfix")));
        assert!(kind_matches(&kind("refactor.rewrite"), &kind("refactor")));
        assert!(kind_matches(&kind("refactor"), &kind("")));
        assert!(!kind_matches(&kind("refactor"), &kind("quickfix")));
        assert!(!kind_matches(&kind("quickfix"), &kind("refactor")));
        assert!(!kind_matches(&kind("refactorx"), &kind("refactor")));
        assert!(!kind_matches(&kind("refactor"), &kind("refactor.rewrite")));
    }
}
