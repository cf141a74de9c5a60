"""The language server as a third-party client sees it: pytest-lsp / pygls speak LSP to the real
binary (FLYWAY_LSP_BIN, default target/debug/flyway-lsp) over stdio."""

import asyncio
import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("FLYWAY_LSP_BIN", str(ROOT / "target" / "debug" / "flyway-lsp"))
PROJECT = ROOT / "fixtures" / "postgres-snake" / "broken"
MIGRATIONS = PROJECT / "db" / "migration"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "serve"]))
async def client(lsp_client: LanguageClient):
    # The server registers its file watchers dynamically; accept, as VS Code does.
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams):
        return None

    # VS Code's capabilities include semantic-token refreshes (sent after the first folder walk);
    # answer them as VS Code does.
    @lsp_client.feature(types.WORKSPACE_SEMANTIC_TOKENS_REFRESH)
    def semantic_tokens_refresh(params: None):
        return None

    # VS Code pulls diagnostics (it declares textDocument/diagnostic and refresh support): the
    # server asks it to pull again when findings change (pytest-lsp answers the refresh itself).

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=PROJECT.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=PROJECT.as_uri(), name="broken")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def diagnostics_for(client: LanguageClient, path: pathlib.Path, accept=bool):
    """The file's findings, pulled (`textDocument/diagnostic`) until `accept` takes them."""
    previous = None
    items = []
    for _ in range(200):
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
                previous_result_id=previous,
            )
        )
        if report.kind == "full":
            items = report.items
            previous = report.result_id
        if accept(items):
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"no acceptable diagnostics for {path}: {items}")


@pytest.mark.asyncio
async def test_unopened_files_get_folder_diagnostics(client: LanguageClient):
    found = await diagnostics_for(client, MIGRATIONS / "V2__add_orders_index.sql")
    codes = sorted(d.code for d in found)
    assert "duplicate-version" in codes
    assert "inconsistent-padding" in codes
    dup = next(d for d in found if d.code == "duplicate-version")
    assert dup.severity == types.DiagnosticSeverity.Error
    assert dup.range.start == types.Position(line=0, character=0)


@pytest.mark.asyncio
async def test_open_change_hover_and_actions(client: LanguageClient):
    path = MIGRATIONS / "V012__add_orders_priority.sql"
    uri = path.as_uri()
    await diagnostics_for(client, path)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="sql", version=1, text=path.read_text()
            )
        )
    )
    # Replace the BEGIN on line 2 (0-based 1) by a COMMIT before the rest: a migration
    # committed half-way is no longer atomic (the trailing COMMIT alone risks nothing).
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=1, character=0),
                        end=types.Position(line=2, character=0),
                    ),
                    text="ALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\n",
                )
            ],
        )
    )
    found = await diagnostics_for(
        client, path, lambda d: [x.code for x in d].count("transaction-in-migration") == 1
    )
    codes = [d.code for d in found]
    assert codes.count("transaction-in-migration") == 1  # only the mid-migration COMMIT
    assert "add-column-not-null-without-default" in codes

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=3),
        )
    )
    assert hover is not None and "Why is this bad?" in hover.contents.value

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=5, character=0),
                end=types.Position(line=5, character=5),
            ),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    titles = [a.title for a in actions]
    # Not in place: the file has other statements (Flyway refuses to mix them); the move is
    # offered instead, as one edit that removes the statement here and creates the new file.
    assert not any(t.startswith("Add CONCURRENTLY") for t in titles), titles
    move = next(a for a in actions if a.title.startswith("Move to a migration of its own"))
    kinds = [getattr(c, "kind", "edit") for c in move.edit.document_changes]
    assert kinds == ["edit", "create", "edit"], kinds
    assert "Create next migration" in titles


@pytest.mark.asyncio
async def test_pulled_not_pushed_and_unchanged_by_result_id(client: LanguageClient):
    path = MIGRATIONS / "V2__add_orders_index.sql"
    await diagnostics_for(client, path, lambda d: len(d) > 0)
    report = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    full = {r.uri: r for r in report.items}
    assert path.as_uri() in full
    again = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(
            previous_result_ids=[
                types.PreviousResultId(uri=path.as_uri(), value=full[path.as_uri()].result_id)
            ]
        )
    )
    mine = next(r for r in again.items if r.uri == path.as_uri())
    assert mine.kind == "unchanged"


@pytest.mark.asyncio
async def test_folding_inlay_hints_and_lenses(client: LanguageClient):
    path = MIGRATIONS / "V013__create_audit_log.sql"
    await diagnostics_for(client, path, lambda d: len(d) > 0)
    document = types.TextDocumentIdentifier(uri=path.as_uri())
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=document)
    )
    assert [(f.start_line, f.end_line) for f in folds] == [(1, 5)]  # the CREATE TABLE
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=document,
            range=types.Range(
                start=types.Position(line=0, character=0),
                end=types.Position(line=20, character=0),
            ),
        )
    )
    assert [h.label for h in hints] == ["version 013 (= 13)"]
    # The fixture's database cannot be read and there is no applied-ref: its state is unknown,
    # so only the Validate lens (which says why the database cannot be read).
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=document)
    )
    assert [(l.command.title, l.command.command) for l in lenses] == [
        ("Validate", "flyway-lsp.validateDatabase")
    ]
