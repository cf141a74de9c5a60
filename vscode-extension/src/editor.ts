// Editor-side choices that do not need VS Code to be decided, so they are unit tested: which
// documents the client sends, how hints are shown, what the user is told when the server is
// missing, and what the status bar says.

/**
 * Language ids of SQL documents from VS Code and other extensions (`pgsql`: Microsoft's
 * PostgreSQL extension; `postgres`: ckolkman.vscode-postgres; `mysql`, `sql-bigquery`, …).
 * The server decides by path: only files inside a migration location get findings, whatever the
 * language mode.
 */
export const SQL_LANGUAGE_IDS = [
  "sql",
  "pgsql",
  "postgres",
  "postgresql",
  "plpgsql",
  "mysql",
  "mariadb",
  "sql-bigquery",
  "snowflake-sql",
  "jinja-sql",
];

export function documentSelector(): { scheme: string; language: string }[] {
  return SQL_LANGUAGE_IDS.map((language) => ({ scheme: "file", language }));
}

/** VS Code's `DiagnosticSeverity` values (the enum is not importable outside VS Code). */
export const SEVERITY = { Error: 0, Warning: 1, Information: 2, Hint: 3 } as const;

/** `flywayLsp.diagnostics.hintsAs`: hints shown as information, or left as hints. */
export function showHints<T extends { severity: number }>(diagnostics: T[], hintsAs: string | undefined): T[] {
  if (hintsAs !== "information") {
    return diagnostics;
  }
  for (const d of diagnostics) {
    if (d.severity === SEVERITY.Hint) {
      d.severity = SEVERITY.Information;
    }
  }
  return diagnostics;
}

/**
 * A pulled diagnostic report (`textDocument/diagnostic`, or one file of `workspace/diagnostic`)
 * with its hint-level findings shown as [`showHints`] says; `unchanged` reports carry none.
 */
export function reportWithHints<R>(report: R, hintsAs: string | undefined): R {
  const full = report as unknown as { kind?: string; items?: { severity: number }[] } | null | undefined;
  if (full && full.kind === "full" && Array.isArray(full.items)) {
    showHints(full.items, hintsAs);
  }
  return report;
}

/** The one message shown when no server binary is found, with its buttons. */
export function missingServerMessage(found: { message: string; fix: string }): {
  text: string;
  actions: string[];
} {
  return { text: `${found.message} ${found.fix}`, actions: ["Open Settings", "Copy Install Command"] };
}

export const INSTALL_COMMAND = "cargo install --path server";

/** What a command says when the server is not running, instead of doing nothing. */
export function notRunningText(missing: { message: string } | undefined): string {
  if (missing) {
    return `Flyway: this needs the flyway-lsp server. ${missing.message} Set flywayLsp.server.path or install it (${INSTALL_COMMAND}).`;
  }
  return "Flyway: the flyway-lsp server is not running (it is starting, or it stopped: see Flyway: Show Server Output, or run Flyway: Restart Server).";
}

export function missingServerStatus(): { text: string; tooltip: string } {
  return {
    text: "$(error) Flyway: server missing",
    tooltip: "The flyway-lsp server was not found: click to set flywayLsp.server.path",
  };
}

/** How a document the server asks to show (a new migration) is opened: pinned, never a preview tab. */
export function showOptions(params: { takeFocus?: boolean }): { preview: false; preserveFocus: boolean } {
  return { preview: false, preserveFocus: params.takeFocus === false };
}

/** The URI a create command answered with (the new file), if it answered with one. */
export function createdUri(result: unknown): string | undefined {
  return typeof result === "string" && result.startsWith("file:") ? result : undefined;
}

/** The status bar's click: a quick pick of what can be done, each saying what it runs. */
export function statusActions(serverRunning: boolean): { label: string; detail: string; command: string }[] {
  if (!serverRunning) {
    return [
      { label: "Open Settings", detail: "Set flywayLsp.server.path", command: "flywayLsp.openServerSettings" },
      { label: "Restart Server", detail: "Look for the server again and start it", command: "flywayLsp.restartServer" },
      { label: "Show Server Output", detail: "The extension's log", command: "flywayLsp.showOutput" },
    ];
  }
  return [
    { label: "Validate Against Database", detail: "Read flyway_schema_history and run Flyway's validate", command: "flywayLsp.validateDatabase" },
    { label: "Dry-run Pending Migrations", detail: "Run the pending migrations in a temporary server", command: "flywayLsp.dryRun" },
    { label: "New Migration", detail: "Create the next versioned migration", command: "flywayLsp.newMigration" },
    { label: "Show Server Output", detail: "The server's log", command: "flywayLsp.showOutput" },
  ];
}
