//! Editor conveniences read from the model: folding and selection ranges (statements, `$$`
//! bodies, `BEGIN … END` blocks, comments: [`crate::sql::blocks`]), code lenses with a
//! migration's Flyway state and the commands that act on it, and inlay hints with the version a
//! file name resolves to when it is written unusually. Each converts at the edge.

use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::*;

use super::proto::LineIndex;
use super::{path_of, Backend, CMD_DRY_RUN, CMD_VALIDATE};
use crate::diagnostic::TextRange;
use crate::naming::Kind;
use crate::sql::blocks::{blocks, Block, BlockKind};
use crate::sql::lexer::{Token, TokenKind};
use crate::workspace::ProjectState;

/// The project holding a document, and the path.
fn project_of<'a>(state: &'a super::Snapshot, uri: &Uri) -> Option<(&'a ProjectState, PathBuf)> {
    let path = path_of(uri)?;
    let project = &state.workspace.projects[state.workspace.project_for(&path)?];
    Some((project, path))
}

/// A script's text and blocks, when it was analysed (a file over `max-analysis-size` is not).
fn script_blocks(project: &ProjectState, path: &Path) -> Option<(String, Vec<Block>)> {
    let index = project.file_index(path)?;
    let sql = project.analysis(index)?;
    let sql = &*sql;
    let text = project.file(path)?.text()?.to_string();
    let found = blocks(&text, sql.dialect, &sql.placeholders);
    Some((text, found))
}

pub(super) async fn folding_ranges(
    backend: &Backend,
    params: FoldingRangeParams,
) -> Option<Vec<FoldingRange>> {
    let state = backend.snapshot();
    let (project, path) = project_of(&state, &params.text_document.uri)?;
    let (text, found) = script_blocks(project, &path)?;
    let lines = LineIndex::new(&text);
    let mut ranges: Vec<FoldingRange> = Vec::new();
    for block in found {
        let start = lines.position(block.range.start).line;
        let end = lines.position(block.range.end).line;
        // Blocks are outer first: an inner block on the same lines folds nothing more.
        if end <= start
            || ranges
                .iter()
                .any(|r| (r.start_line, r.end_line) == (start, end))
        {
            continue;
        }
        ranges.push(FoldingRange {
            start_line: start,
            end_line: end,
            kind: Some(match block.kind {
                BlockKind::Comment => FoldingRangeKind::Comment,
                _ => FoldingRangeKind::Region,
            }),
            ..FoldingRange::default()
        });
    }
    Some(ranges)
}

pub(super) async fn selection_ranges(
    backend: &Backend,
    params: SelectionRangeParams,
) -> Option<Vec<SelectionRange>> {
    let state = backend.snapshot();
    let (project, path) = project_of(&state, &params.text_document.uri)?;
    let (text, found) = script_blocks(project, &path)?;
    let index = project.file_index(&path)?;
    let sql = project.analysis(index)?;
    let sql = &*sql;
    let lines = LineIndex::new(&text);
    let answer = params
        .positions
        .iter()
        .map(|&position| {
            let offset = lines.offset(position);
            // Outermost first: the whole script, then each block holding the position.
            let mut chain: Vec<TextRange> = vec![TextRange::new(0, text.len())];
            chain.extend(
                found
                    .iter()
                    .filter(|b| b.range.start <= offset && offset <= b.range.end)
                    .map(|b| b.range),
            );
            chain.sort_by_key(|r| std::cmp::Reverse(r.end - r.start));
            // The token under the cursor, within the innermost statement (inside a dollar
            // quote, the body's own token).
            let statement = found
                .iter()
                .filter(|b| b.kind == BlockKind::Statement)
                .find(|b| b.range.start <= offset && offset <= b.range.end);
            if let Some(token) = statement.and_then(|s| token_at(&text, s.range, offset, sql)) {
                chain.push(token);
            }
            chain.dedup();
            let mut selection: Option<SelectionRange> = None;
            for range in chain {
                selection = Some(SelectionRange {
                    range: lines.range(range),
                    parent: selection.map(Box::new),
                });
            }
            selection.unwrap_or(SelectionRange {
                range: Range::new(position, position),
                parent: None,
            })
        })
        .collect();
    Some(answer)
}

/// The innermost non-blank token of `within` holding `offset`, looking into dollar quotes.
fn token_at(
    text: &str,
    within: TextRange,
    offset: usize,
    sql: &crate::sql::analysis::SqlFile,
) -> Option<TextRange> {
    let body = text.get(within.start..within.end)?;
    let token = crate::sql::lexer::tokenize_with(body, sql.dialect, &sql.placeholders)
        .into_iter()
        .map(|t| Token {
            start: t.start + within.start,
            end: t.end + within.start,
            ..t
        })
        .filter(|t| !t.text(text).trim().is_empty())
        .find(|t| t.start <= offset && offset <= t.end)?;
    let range = TextRange::new(token.start, token.end);
    if token.kind == TokenKind::DollarString && !token.unterminated {
        let tag = token.text(text)[1..].find('$').map(|i| i + 2)?;
        if token.end - token.start >= 2 * tag {
            let inner = TextRange::new(token.start + tag, token.end - tag);
            if inner.start <= offset && offset <= inner.end {
                return token_at(text, inner, offset, sql).or(Some(range));
            }
        }
    }
    Some(range)
}

/// A lens that only says something (clients show a lens without a command id as text).
fn label(range: Range, title: String) -> CodeLens {
    CodeLens {
        range,
        command: Some(Command::new(title, String::new(), None)),
        data: None,
    }
}

/// What is known of a migration's Flyway state: from the database's history when it was read,
/// else from `applied-ref`. None when neither is known.
fn flyway_state(project: &ProjectState, path: &Path, checksum: Option<i32>) -> Option<String> {
    if let Some(state) = project.applied.database_state(path) {
        let on = state.installed_on.as_deref();
        return Some(match (state.state, on) {
            ("Success", Some(on)) => format!("Flyway: applied on {on}"),
            ("Success", None) => "Flyway: applied".into(),
            ("Pending", _) => "Flyway: pending".into(),
            (failed, Some(on)) if failed.starts_with("Failed") => {
                format!("Flyway: failed on {on}")
            }
            (failed, None) if failed.starts_with("Failed") => "Flyway: failed".into(),
            (other, Some(on)) => format!("Flyway: {other} (applied on {on})"),
            (other, None) => format!("Flyway: {other}"),
        });
    }
    let reference = project.project.config.tool.applied_ref.as_deref()?;
    Some(match project.git_applied.get(path) {
        Some(applied) if checksum.is_some_and(|c| c != applied.checksum) => {
            format!("Flyway: applied in {reference}, edited since")
        }
        Some(_) => format!("Flyway: applied in {reference}"),
        None => format!("Flyway: pending (not in {reference})"),
    })
}

/// Whether the project has a database the validate and dry-run commands can talk to.
fn has_database(project: &ProjectState) -> bool {
    project.project.config.tool.database != Some(false)
        && matches!(
            crate::database::settings::DbSettings::from_config(&project.project.config),
            Ok(Some(_))
        )
}

pub(super) async fn code_lenses(
    backend: &Backend,
    params: CodeLensParams,
) -> Option<Vec<CodeLens>> {
    let state = backend.snapshot();
    let uri = params.text_document.uri;
    let (project, path) = project_of(&state, &uri)?;
    let file = project.file(&path)?;
    if file
        .migration(&[Kind::Versioned, Kind::Repeatable])
        .is_none()
    {
        return Some(Vec::new());
    }
    let first_line = Range::new(Position::new(0, 0), Position::new(0, 0));
    let mut lenses = Vec::new();
    let status = flyway_state(project, &path, file.checksum());
    let pending = project
        .applied
        .database_state(&path)
        .is_some_and(|s| s.state == "Pending");
    if let Some(status) = status {
        lenses.push(label(first_line, status));
    }
    if has_database(project) {
        let argument = serde_json::Value::String(uri.to_string());
        lenses.push(CodeLens {
            range: first_line,
            command: Some(Command::new(
                "Validate".into(),
                CMD_VALIDATE.into(),
                Some(vec![argument.clone()]),
            )),
            data: None,
        });
        if pending {
            // Flyway runs pending migrations in order: a dry-run of this one is one of them all.
            lenses.push(CodeLens {
                range: first_line,
                command: Some(Command::new(
                    "Dry-run pending migrations".into(),
                    CMD_DRY_RUN.into(),
                    Some(vec![argument]),
                )),
                data: None,
            });
        }
    }
    Some(lenses)
}

/// The version a name resolves to, when the name writes it otherwise (`1_1` is 1.1; `001`
/// orders as 1).
fn resolved_version(written: &str, version: &crate::version::Version) -> Option<String> {
    let normalized = version.normalized();
    if written == normalized || version.special().is_some() {
        return None;
    }
    Some(if version.raw() == normalized {
        format!("version {normalized}")
    } else {
        format!("version {} (= {normalized})", version.raw())
    })
}

pub(super) async fn inlay_hints(
    backend: &Backend,
    params: InlayHintParams,
) -> Option<Vec<InlayHint>> {
    let state = backend.snapshot();
    let (project, path) = project_of(&state, &params.text_document.uri)?;
    let file = project.file(&path)?;
    let hint = file
        .migration(&[Kind::Versioned, Kind::Undo, Kind::Baseline])
        .and_then(|name| {
            let label = resolved_version(&name.version_text, name.version.as_ref()?)?;
            Some((name, label))
        });
    let Some((name, label)) = hint else {
        return Some(Vec::new());
    };
    // At the end of the first line, where the migration starts.
    let text = file.text().unwrap_or_default();
    let first_line_end = text.find(['\n', '\r']).unwrap_or(text.len());
    let position = LineIndex::new(&text).position(first_line_end);
    if position < params.range.start || position > params.range.end {
        return Some(Vec::new());
    }
    Some(vec![InlayHint {
        position,
        label: InlayHintLabel::String(label),
        kind: None,
        text_edits: None,
        tooltip: Some(InlayHintTooltip::String(format!(
            "{} resolves to this version: Flyway orders and compares it so",
            name.file_name
        ))),
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::Version;

    #[test]
    fn only_unusual_versions_get_a_hint() {
        let hint = |text: &str| resolved_version(text, &Version::parse(text).unwrap());
        assert_eq!(hint("1"), None);
        assert_eq!(hint("1.2.3"), None);
        assert_eq!(hint("1_1").as_deref(), Some("version 1.1"));
        assert_eq!(hint("001").as_deref(), Some("version 001 (= 1)"));
        assert_eq!(hint("1_0").as_deref(), Some("version 1.0 (= 1)"));
        assert_eq!(
            hint("2026_11_30_1200").as_deref(),
            Some("version 2026.11.30.1200")
        );
    }
}
