// The status bar text from the server's `flyway-lsp.folderState` answer.

export interface FolderState {
  migrations: number;
  latest?: string | null;
  errors?: number;
  warnings?: number;
  database?: { source: string; pending: number; failed: number; applied: number } | null;
  /** Why the last background read of the database failed: said here, not as a message each time. */
  database_error?: string | null;
}

export function statusText(state: FolderState | undefined): { text: string; tooltip: string } {
  if (!state || state.migrations === 0) {
    return { text: "Flyway", tooltip: "No Flyway migrations in this workspace" };
  }
  const parts: string[] = [`V${state.latest ?? "?"}`];
  const tooltip: string[] = [`${state.migrations} versioned migration(s), latest V${state.latest ?? "?"}`];
  if (state.database) {
    if (state.database.failed > 0) {
      parts.push(`${state.database.failed} failed`);
    }
    if (state.database.pending > 0) {
      parts.push(`${state.database.pending} pending`);
    }
    if (state.database.failed === 0 && state.database.pending === 0) {
      parts.push("up to date");
    }
    tooltip.push(
      `${state.database.source}: ${state.database.applied} applied, ${state.database.pending} pending, ${state.database.failed} failed`,
    );
  }
  if (state.database_error) {
    parts.push("database unreachable");
    tooltip.push(`Database: ${state.database_error}\nClick to validate again or configure it.`);
  }
  const errors = state.errors ?? 0;
  if (errors > 0) {
    parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  }
  tooltip.push(`${errors} error(s), ${state.warnings ?? 0} warning(s)`);
  const icon = state.database_error ? "$(warning)" : "$(database)";
  return { text: `${icon} Flyway: ${parts.join(", ")}`, tooltip: tooltip.join("\n") };
}
