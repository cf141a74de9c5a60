// The VS Code side: starts `flyway-lsp serve`, maps settings, binds the palette commands to the
// server's commands, and keeps a status bar item. The logic worth testing lives in server.ts,
// settings.ts and status.ts.

import * as fs from "fs";
import * as os from "os";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from "vscode-languageclient/node";

import {
  INSTALL_COMMAND,
  createdUri,
  documentSelector,
  missingServerMessage,
  missingServerStatus,
  notRunningText,
  reportWithHints,
  showHints,
  showOptions,
  statusActions,
} from "./editor";
import { findServer } from "./server";
import { ExtensionSettings, serverEnvironment, toServerSettings } from "./settings";
import { FolderState, statusText } from "./status";

const PASSWORD_KEY = "flywayLsp.databasePassword";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let statusItem: vscode.StatusBarItem;
/** Set while no server binary is found: what commands and the status bar say. */
let missing: { message: string; fix: string } | undefined;
let statusTimer: ReturnType<typeof setTimeout> | undefined;

/** `flywayLsp.diagnostics.hintsAs`, read when findings arrive (a change applies at once). */
function hintsAs(): string | undefined {
  return vscode.workspace.getConfiguration("flywayLsp").get<string>("diagnostics.hintsAs");
}

function readSettings(): ExtensionSettings {
  const c = vscode.workspace.getConfiguration("flywayLsp");
  return {
    locations: c.get<string[]>("locations"),
    environment: c.get<string>("environment"),
    dialect: c.get<string>("dialect"),
    serverVersion: c.get<string>("serverVersion"),
    conventions: {
      descriptionCase: c.get<string>("conventions.descriptionCase"),
      undoPairs: c.get<boolean | null>("conventions.undoPairs"),
      hashSuffix: c.get<boolean | null>("conventions.hashSuffix"),
    },
    rules: c.get<Record<string, string>>("rules"),
    database: {
      enabled: c.get<boolean | null>("database.enabled"),
      interval: c.get<number>("database.interval"),
    },
  };
}

const realFs = {
  isExecutableFile(p: string): boolean {
    try {
      const stat = fs.statSync(p);
      if (!stat.isFile()) {
        return false;
      }
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};

async function start(context: vscode.ExtensionContext): Promise<void> {
  const found = findServer({
    configured: vscode.workspace.getConfiguration("flywayLsp").get<string>("server.path") ?? "",
    extensionPath: context.extensionPath,
    platform: process.platform,
    arch: process.arch,
    envPath: process.env.PATH ?? "",
    home: os.homedir(),
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    fs: realFs,
  });
  if (!found.ok) {
    // Shown without waiting for an answer: activation and every command go on meanwhile.
    missing = found;
    const status = missingServerStatus();
    statusItem.text = status.text;
    statusItem.tooltip = status.tooltip;
    statusItem.show();
    const { text, actions } = missingServerMessage(found);
    void vscode.window.showErrorMessage(text, ...actions).then(async (choice) => {
      if (choice === "Open Settings") {
        await vscode.commands.executeCommand("workbench.action.openSettings", "flywayLsp.server.path");
      } else if (choice === "Copy Install Command") {
        await vscode.env.clipboard.writeText(INSTALL_COMMAND);
      }
    });
    return;
  }
  missing = undefined;
  output.appendLine(`flyway-lsp: using ${found.path} (${found.source})`);
  const password = await context.secrets.get(PASSWORD_KEY);
  const { value, problems } = toServerSettings(readSettings());
  for (const problem of problems) {
    void vscode.window.showWarningMessage(problem);
  }
  const serverOptions: ServerOptions = {
    command: found.path,
    args: ["serve"],
    options: { env: serverEnvironment(process.env, password) },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    initializationOptions: value,
    middleware: {
      handleDiagnostics(uri, diagnostics, next) {
        next(uri, showHints(diagnostics, hintsAs()));
      },
      // VS Code pulls diagnostics (the server pushes only to clients that do not).
      async provideDiagnostics(document, previousResultId, token, next) {
        return reportWithHints(await next(document, previousResultId, token), hintsAs());
      },
      async provideWorkspaceDiagnostics(resultIds, token, resultReporter, next) {
        const report = await next(resultIds, token, (chunk) => {
          chunk?.items.forEach((item) => reportWithHints(item, hintsAs()));
          resultReporter(chunk);
        });
        report?.items.forEach((item) => reportWithHints(item, hintsAs()));
        return report;
      },
      window: {
        // New migrations open pinned: a preview tab would be replaced by the next click.
        async showDocument(params, token, next) {
          if (params.external) {
            return next(params, token);
          }
          try {
            const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(params.uri));
            const selection = params.selection
              ? new vscode.Range(
                  params.selection.start.line,
                  params.selection.start.character,
                  params.selection.end.line,
                  params.selection.end.character,
                )
              : undefined;
            await vscode.window.showTextDocument(document, { ...showOptions(params), selection });
            return { success: true };
          } catch {
            return { success: false };
          }
        },
      },
    },
    outputChannel: output,
    synchronize: {
      fileEvents: [
        // Flyway compares suffixes without regard to case (V1__x.SQL is a migration), and a
        // script's settings are in a .conf beside it; the server registers its own watchers for
        // configured sqlMigrationSuffixes.
        vscode.workspace.createFileSystemWatcher("**/*.{[sS][qQ][lL],[cC][oO][nN][fF]}"),
        vscode.workspace.createFileSystemWatcher(
          "**/{flyway.toml,flyway.user.toml,flyway.conf,flyway-lsp.toml}",
        ),
      ],
    },
  };
  client = new LanguageClient("flywayLsp", "Flyway (flyway-lsp)", serverOptions, clientOptions);
  client.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      void refreshStatus();
    }
  });
  await client.start();
}

async function runServerCommand(command: string, args: unknown[]): Promise<unknown> {
  if (!client) {
    void vscode.window.showErrorMessage(notRunningText(missing));
    return undefined;
  }
  try {
    return await client.sendRequest("workspace/executeCommand", { command, arguments: args });
  } catch (error) {
    void vscode.window.showErrorMessage(`flyway-lsp: ${String((error as Error).message ?? error)}`);
    return undefined;
  }
}

/** A file the server created through an edit is still unsaved in the editor: save it. */
async function saveCreated(result: unknown): Promise<void> {
  const uri = createdUri(result);
  const wanted = uri ? vscode.Uri.parse(uri).toString() : undefined;
  const document = wanted ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === wanted) : undefined;
  if (document?.isDirty) {
    await document.save();
  }
}

function activeUri(): string | undefined {
  return vscode.window.activeTextEditor?.document.uri.toString();
}

async function refreshStatus(): Promise<void> {
  if (!client) {
    // Missing or stopped: the status bar already says so; nothing to ask a server.
    return;
  }
  const state = (await runServerCommand("flyway-lsp.folderState", activeUri() ? [activeUri()] : [])) as
    | FolderState
    | undefined;
  const { text, tooltip } = statusText(state);
  statusItem.text = text;
  statusItem.tooltip = tooltip;
  statusItem.show();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Flyway (flyway-lsp)", { log: true });
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  statusItem.command = "flywayLsp.statusActions";
  context.subscriptions.push(output, statusItem);

  const register = (name: string, run: () => Promise<unknown>) =>
    context.subscriptions.push(vscode.commands.registerCommand(name, run));

  register("flywayLsp.newMigration", async () => {
    const description = await vscode.window.showInputBox({
      prompt: "Description of the new migration",
      placeHolder: "add orders table",
    });
    if (description === undefined || description.trim() === "") {
      return;
    }
    await saveCreated(
      await runServerCommand("flyway-lsp.createNextMigration", [activeUri() ?? null, description]),
    );
    await refreshStatus();
  });
  register("flywayLsp.createUndoMigration", async () => {
    const uri = activeUri();
    if (!uri) {
      void vscode.window.showWarningMessage("Open the versioned (V) migration to undo first.");
      return;
    }
    await saveCreated(await runServerCommand("flyway-lsp.createUndoMigration", [uri]));
  });
  register("flywayLsp.validateDatabase", async () => {
    await runServerCommand("flyway-lsp.validateDatabase", activeUri() ? [activeUri()] : []);
    await refreshStatus();
  });
  register("flywayLsp.dryRun", async () => {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Flyway: dry-run of the pending migrations" },
      () => runServerCommand("flyway-lsp.dryRunPending", activeUri() ? [activeUri()] : []),
    );
  });
  register("flywayLsp.setDatabasePassword", async () => {
    const password = await vscode.window.showInputBox({
      prompt: "Database password (kept in VS Code's SecretStorage, passed to the server as FLYWAY_PASSWORD)",
      password: true,
    });
    if (password === undefined) {
      return;
    }
    await context.secrets.store(PASSWORD_KEY, password);
    await vscode.commands.executeCommand("flywayLsp.restartServer");
  });
  register("flywayLsp.restartServer", async () => {
    if (client) {
      await client.stop();
      client = undefined;
    }
    await start(context);
  });
  register("flywayLsp.showOutput", async () => output.show(true));
  register("flywayLsp.openServerSettings", () =>
    Promise.resolve(vscode.commands.executeCommand("workbench.action.openSettings", "flywayLsp.server.path")),
  );
  register("flywayLsp.statusActions", async () => {
    const picked = await vscode.window.showQuickPick(statusActions(client !== undefined), {
      title: typeof statusItem.tooltip === "string" ? statusItem.tooltip.split("\n")[0] : "Flyway",
      placeHolder: "Flyway: choose an action",
    });
    if (picked) {
      await vscode.commands.executeCommand(picked.command);
    }
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("flywayLsp.server.path")) {
        await vscode.commands.executeCommand("flywayLsp.restartServer");
      } else if (e.affectsConfiguration("flywayLsp") && client) {
        const { value } = toServerSettings(readSettings());
        await client.sendNotification("workspace/didChangeConfiguration", { settings: value });
      }
    }),
    vscode.workspace.onDidSaveTextDocument(() => void refreshStatus()),
    vscode.window.onDidChangeActiveTextEditor(() => void refreshStatus()),
    // Counts follow the findings as they are published while typing (at most every 500 ms).
    vscode.languages.onDidChangeDiagnostics(() => {
      if (statusTimer === undefined) {
        statusTimer = setTimeout(() => {
          statusTimer = undefined;
          void refreshStatus();
        }, 500);
      }
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
