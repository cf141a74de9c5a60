// The VS Code end-to-end test (run by run.sh, which sets the E2E_* variables): installs the
// packaged extension into code-server, opens a copy of a broken fixture and drives the workbench
// in headless Chromium through Playwright, as a user would:
//   1. the Problems panel lists what `flyway-lsp check --format json` reports for the folder
//      (same files, lines, rule ids and severities);
//   2. the status bar shows the folder's newest version and error count;
//   3. a quick fix chosen from the quick-fix menu (Ctrl+.) changes the file as its title says and
//      its finding goes away;
//   4. "Flyway: New Migration" creates the next versioned migration in the folder's convention,
//      opened pinned (not a preview tab) and saved;
//   5. renaming a migration that `applied-ref` counts as applied, in the explorer, shows the
//      warning the server sends on willRenameFiles, and the findings follow the rename;
//   6. renaming a duplicate version away in the explorer removes the duplicate-version findings.
// It writes E2E_OUT/vscode.png, the workbench with the Problems panel and the status bar (the
// README's screenshot: run.sh copies it to docs/images with UPDATE_SCREENSHOT=1).
// On failure: a screenshot and the panel's rows in E2E_OUT, and code-server's log.
// Touches only its own temporary folder, its own processes and a free port.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const env = process.env;
for (const name of ["E2E_TOOLS", "E2E_OUT", "E2E_CHROMIUM", "E2E_SERVER", "E2E_VSIX", "E2E_FIXTURE"]) {
  if (!env[name]) {
    throw new Error(`${name} is not set: run tests/editors/vscode/run.sh`);
  }
}
const require = createRequire(path.join(env.E2E_TOOLS, "package.json"));
const { chromium } = require("playwright-core");
const codeServer = path.join(env.E2E_TOOLS, "node_modules", "code-server", "out", "node", "entry.js");

/** How long a wait for the workbench may take (the debug server indexes the folder first). */
const TIMEOUT = 30_000;
const started = Date.now();
function log(message) {
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "flyway-lsp-vscode-"));
const project = path.join(root, "project");
const userData = path.join(root, "user-data");
const extensions = path.join(root, "extensions");
fs.cpSync(env.E2E_FIXTURE, project, { recursive: true });
// The first two migrations count as applied: they are in the git reference `applied-ref` names.
const APPLIED = ["V001__create_users.sql", "V002__create_orders.sql"];
fs.appendFileSync(path.join(project, "flyway.toml"), '\n[flyway-lsp]\napplied-ref = "HEAD"\n');
function git(...args) {
  const r = spawnSync("git", ["-C", project, ...args], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) {
    throw new Error(`git ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}`);
  }
}
git("init", "-q");
git("config", "user.email", "ci@example.com");
git("config", "user.name", "ci");
git("add", ...APPLIED.map((f) => `db/migration/${f}`));
git("commit", "-q", "-m", "applied");
const settings = {
  "files.autoSave": "off",
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "git.enabled": false,
  "chat.commandCenter.enabled": false,
  "explorer.confirmDragAndDrop": false,
  "editor.lightbulb.enabled": "on",
  // The Problems panel lists hints too, so it can be compared with every finding of `check`.
  "flywayLsp.diagnostics.hintsAs": "information",
  // The fixture's flyway.toml names a database this test did not create: never connect to it.
  "flywayLsp.database.enabled": "off",
  "flywayLsp.server.path": env.E2E_SERVER,
};
for (const scope of ["User", "Machine"]) {
  fs.mkdirSync(path.join(userData, scope), { recursive: true });
  fs.writeFileSync(path.join(userData, scope, "settings.json"), JSON.stringify(settings, null, 2));
}

let serverProcess;
let browser;
let page;
const serverLog = [];

/** Runs code-server's CLI to completion (the extension install). */
function codeServerCli(args) {
  const r = spawnSync(process.execPath, [codeServer, "--user-data-dir", userData, "--extensions-dir", extensions, ...args], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) {
    throw new Error(`code-server ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what, probe, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) {
        return last;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `flyway-lsp check --format json` on the project as it is on disk: one key per finding. */
function checkFindings() {
  const r = spawnSync(env.E2E_SERVER, ["check", "--format", "json", "--color", "never", "."], {
    cwd: project,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status === null || r.status > 2) {
    throw new Error(`flyway-lsp check failed (${r.status ?? r.signal}): ${r.stderr}`);
  }
  const json = JSON.parse(r.stdout);
  const severity = { error: "error", warning: "warning", info: "info", hint: "info" };
  return {
    json,
    keys: json.diagnostics
      .map((d) => `${path.normalize(d.path).split(path.sep).join("/")}:${d.start.line}: ${severity[d.severity]} ${d.rule}`)
      .sort(),
  };
}

/** Runs a command from the palette by its exact title. */
async function runCommand(title) {
  const input = page.locator(".quick-input-widget .quick-input-box input");
  // The palette can close right after it opened (seen once in CI, after a rename, with a
  // tab's tooltip up): it is opened again, at most three times.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press("F1");
    await input.waitFor({ state: "visible" });
    try {
      await input.fill(`>${title}`, { timeout: 5_000 });
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`command palette closed before "${title}" was typed: opening it again`);
      await page.keyboard.press("Escape");
    }
  }
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  const row = page
    .locator(".quick-input-widget .quick-input-list .monaco-list-row")
    .filter({ has: page.locator(".label-name", { hasText: exact }) })
    .first();
  await row.click({ timeout: TIMEOUT });
}

/** Opens a file of the project by its path, through Quick Open, and waits for its editor tab. */
async function openFile(relative) {
  await maximizePanel(false);
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.waitFor({ state: "visible" });
  await input.fill(relative);
  const name = path.basename(relative);
  const row = page
    .locator(".quick-input-widget .quick-input-list .monaco-list-row")
    .filter({ has: page.locator(".label-name", { hasText: name }) })
    .first();
  await row.click({ timeout: TIMEOUT });
  await page.locator(".tabs-container .tab.active", { hasText: name }).waitFor({ timeout: TIMEOUT });
  await page.locator(".editor-instance .monaco-editor .view-lines").first().waitFor();
}

/** Whether the panel is maximized: its title then offers "Restore Panel Size". */
async function panelMaximized() {
  if (!(await page.locator(".part.panel").isVisible())) {
    return false;
  }
  const actions = page.locator(".part.panel");
  if (await actions.locator(".codicon-panel-restore").first().isVisible()) {
    return true;
  }
  if (await actions.locator(".codicon-panel-maximize").first().isVisible()) {
    return false;
  }
  throw new Error("the panel's title shows neither Maximize nor Restore Panel Size");
}

/** Maximizes the panel (to read the Problems list at once) or restores it (to use an editor). */
async function maximizePanel(wanted) {
  if ((await panelMaximized()) !== wanted) {
    await runCommand("View: Toggle Maximized Panel");
    await waitFor(`the panel to be ${wanted ? "maximized" : "restored"}`, async () => (await panelMaximized()) === wanted);
  }
}

/**
 * The rows of the Problems panel, scrolled through (the list renders only what is visible):
 * `file:line: severity rule` per finding, the file as the panel shows it (folder/name).
 */
async function readProblems() {
  const panel = page.locator(".markers-panel");
  // Focuses the list (opening the panel if needed), so the keys below move through it.
  await runCommand("Problems: Focus on Problems View");
  await panel.waitFor({ state: "visible", timeout: TIMEOUT });
  await maximizePanel(true);
  const list = panel.locator(".monaco-list").first();
  await list.waitFor({ state: "attached", timeout: TIMEOUT });
  const rows = new Map();
  // From the top, a page at a time with the keyboard (focus moves, nothing opens).
  await page.keyboard.press("Home");
  await page.waitForTimeout(100);
  let unchanged = 0;
  for (let i = 0; i < 200 && unchanged < 3; i++) {
    const seen = await list.evaluate((el) =>
      [...el.querySelectorAll(".monaco-list-row")].map((row) => ({
        index: Number(row.getAttribute("data-index")),
        level: Number(row.getAttribute("aria-level")),
        name: row.querySelector(".label-name")?.textContent ?? "",
        description: row.querySelector(".label-description")?.textContent ?? "",
        severity: ["error", "warning", "info"].find((s) => row.querySelector(`.marker-icon .codicon-${s}`)) ?? "",
        code: row.querySelector(".marker-code")?.textContent ?? "",
        line: row.querySelector(".marker-line")?.textContent ?? "",
        text: row.textContent ?? "",
      })),
    );
    const before = rows.size;
    for (const r of seen) {
      rows.set(r.index, r);
    }
    unchanged = rows.size === before ? unchanged + 1 : 0;
    await page.keyboard.press("PageDown");
    await page.waitForTimeout(100);
  }
  const ordered = [...rows.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  const keys = [];
  let file = "";
  for (const r of ordered) {
    if (r.severity === "" && r.name !== "") {
      file = r.description ? `${r.description}/${r.name}` : r.name;
    } else if (r.severity !== "") {
      // (rows without either are a finding's related information)
      const line = /Ln (\d+)/.exec(r.line)?.[1] ?? "?";
      const rule = /\(([^()]+)\)\s*$/.exec(r.code)?.[1] ?? r.code;
      keys.push(`${file}:${line}: ${r.severity} ${rule}`);
    }
  }
  return { keys: keys.sort(), rows: ordered };
}

function difference(a, b) {
  const rest = [...b];
  const only = [];
  for (const k of a) {
    const i = rest.indexOf(k);
    if (i >= 0) {
      rest.splice(i, 1);
    } else {
      only.push(k);
    }
  }
  return only;
}

/** Waits until the Problems panel lists exactly what `check` reports for the folder on disk. */
async function expectProblemsMatchCheck(when) {
  const expected = checkFindings();
  let panel;
  try {
    await waitFor(`the Problems panel to match check (${when})`, async () => {
      panel = await readProblems();
      return JSON.stringify(panel.keys) === JSON.stringify(expected.keys);
    });
  } catch (e) {
    const missing = difference(expected.keys, panel?.keys ?? []);
    const extra = difference(panel?.keys ?? [], expected.keys);
    fs.writeFileSync(path.join(env.E2E_OUT, "problems-panel.json"), JSON.stringify(panel?.rows ?? [], null, 2));
    throw new Error(
      `${e.message}\n  in check, not in the panel:\n    ${missing.join("\n    ") || "-"}\n  in the panel, not in check:\n    ${extra.join("\n    ") || "-"}`,
    );
  }
  log(`Problems panel = check (${when}): ${expected.keys.length} findings`);
  return expected;
}

/** Versioned migrations on disk: `V<digits>__<description>.sql`, with their version. */
function versionedOnDisk() {
  return fs
    .readdirSync(path.join(project, "db", "migration"))
    .map((f) => /^V(\d+)__.+\.sql$/.exec(f))
    .filter(Boolean)
    .map((m) => ({ name: m[0], raw: m[1], version: Number(m[1]) }));
}

/** The extension's status bar item shows the newest version and the error count of `check`. */
async function expectStatus(checked, when) {
  const newest = versionedOnDisk().sort((a, b) => b.version - a.version)[0];
  const errors = checked.json.summary.errors;
  const wanted = [`Flyway: V${newest.raw}`, errors > 0 ? `${errors} error${errors === 1 ? "" : "s"}` : ""];
  const item = page.locator(".part.statusbar .statusbar-item", { hasText: "Flyway:" });
  let text = "";
  await waitFor(`the status bar to show ${wanted.join(" … ")} (${when})`, async () => {
    text = (await item.first().textContent()) ?? "";
    return wanted.every((w) => text.includes(w));
  });
  log(`status bar (${when}): ${text.trim()}`);
}

/** A project file's text on disk. */
function onDisk(relative) {
  return fs.readFileSync(path.join(project, relative), "utf8");
}

/** The texts of the rows of an open menu or list (for failure messages). */
async function texts(locator) {
  return (await locator.allTextContents()).map((t) => t.trim()).filter(Boolean);
}

/**
 * 3. A quick fix chosen from the quick-fix menu (Ctrl+. on the finding: the light bulb stays
 * hidden in headless Chromium) changes the file as its title says, and its finding goes away.
 */
async function expectQuickFix() {
  const relative = "db/migration/V2__add_orders_index.sql";
  const finding = `${relative}:1: warning require-if-not-exists`;
  const title = "Add IF NOT EXISTS";
  if (!checkFindings().keys.includes(finding)) {
    throw new Error(`the fixture should have the finding ${finding}`);
  }
  const before = onDisk(relative);
  const wanted = before.replace(/^CREATE INDEX /, "CREATE INDEX IF NOT EXISTS ");
  if (wanted === before) {
    throw new Error(`${relative} should start with CREATE INDEX: ${JSON.stringify(before)}`);
  }
  await openFile(relative);
  await page.keyboard.press("Control+Home");
  const rows = page.locator(".action-widget .monaco-list-row");
  const item = rows.filter({ hasText: title }).first();
  let offered = [];
  try {
    await waitFor(`the quick-fix menu to offer "${title}"`, async () => {
      if (await item.isVisible()) {
        return true;
      }
      // The actions come once the server has checked the open file: ask again.
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+.");
      await item.waitFor({ state: "visible", timeout: 2_000 }).catch(() => {});
      offered = await texts(rows);
      return item.isVisible();
    });
  } catch (e) {
    throw new Error(`${e.message}\n  the menu offered: ${offered.join(" | ") || "nothing"}`);
  }
  // Chosen with the keyboard, as the menu is meant to be used (a click lands on its pointer block).
  const focused = page.locator(".action-widget .monaco-list-row.focused");
  await waitFor(`"${title}" to be focused in the menu`, async () => {
    if (((await focused.textContent().catch(() => "")) ?? "").includes(title)) {
      return true;
    }
    await page.keyboard.press("ArrowDown");
    return false;
  });
  await page.keyboard.press("Enter");
  await runCommand("File: Save");
  let text = before;
  try {
    await waitFor(`${relative} to be saved as the fix says`, async () => {
      text = onDisk(relative);
      return text === wanted;
    });
  } catch (e) {
    throw new Error(`${e.message}\n  wanted: ${JSON.stringify(wanted)}\n  on disk: ${JSON.stringify(text)}`);
  }
  const after = await expectProblemsMatchCheck(`after the quick fix "${title}"`);
  if (after.keys.includes(finding)) {
    throw new Error(`the quick fix "${title}" left its finding: ${finding}`);
  }
  log(`quick fix "${title}": ${relative} changed, ${finding} gone`);
}

/**
 * 4. "Flyway: New Migration" creates the next versioned migration in the folder's convention
 * (the newest version plus one, zero-padded as the folder pads, a snake_case description),
 * opens it pinned (a preview tab would be replaced by the next click) and saves it.
 */
async function expectNewMigration() {
  const folder = path.join(project, "db", "migration");
  const newest = versionedOnDisk().sort((a, b) => b.version - a.version)[0];
  const name = `V${String(newest.version + 1).padStart(newest.raw.length, "0")}__add_orders_coupon.sql`;
  const before = new Set(fs.readdirSync(folder));
  await maximizePanel(false);
  await runCommand("Flyway: New Migration");
  const widget = page.locator(".quick-input-widget", { hasText: "Description of the new migration" });
  await widget.waitFor({ state: "visible" });
  const input = widget.locator(".quick-input-box input");
  await input.fill("Add orders coupon");
  await input.press("Enter");
  let created = [];
  try {
    await waitFor(`${name} to be created`, async () => {
      created = fs.readdirSync(folder).filter((f) => !before.has(f));
      return created.length > 0;
    });
  } catch (e) {
    throw new Error(`${e.message}\n  notifications: ${(await texts(page.locator(".notification-toast"))).join(" | ") || "-"}`);
  }
  if (created.length !== 1 || created[0] !== name) {
    throw new Error(`New Migration created ${created.join(", ")}; wanted ${name}`);
  }
  const tab = page.locator(".tabs-container .tab.active", { hasText: name });
  await tab.waitFor({ timeout: TIMEOUT });
  await waitFor(`${name} to be saved (its tab not dirty)`, async () => !(await tab.evaluate((el) => el.classList.contains("dirty"))));
  // A preview tab's label is in italics.
  if ((await tab.locator(".monaco-icon-label.italic").count()) > 0) {
    throw new Error(`${name} opened in a preview tab`);
  }
  // Saved with the file's header comment (the server's template for a project without one).
  const text = fs.readFileSync(path.join(folder, name), "utf8");
  if (!text.startsWith(`-- ${name}: add orders coupon, `)) {
    throw new Error(`${name} on disk: ${JSON.stringify(text)}`);
  }
  // The same look sees a preview tab: a single click in the explorer opens one.
  const other = "V010__add_orders_discount.sql";
  await page.locator(".explorer-folders-view .monaco-list-row", { hasText: other }).first().click();
  const preview = page.locator(".tabs-container .tab.active", { hasText: other });
  await preview.waitFor({ timeout: TIMEOUT });
  await waitFor(`${other} in a preview tab`, async () => (await preview.locator(".monaco-icon-label.italic").count()) > 0);
  const checked = await expectProblemsMatchCheck("after New Migration");
  await expectStatus(checked, "after New Migration");
  log(`New Migration: ${name} created, opened pinned, saved`);
}

/**
 * 5. Renaming an applied migration in the explorer: the editor asks the server first
 * (willRenameFiles) and shows its warning; the findings then follow the rename.
 */
/** Renames a migration in the explorer (F2 on the file revealed there) as a user would. */
async function renameInExplorer(from, to) {
  await openFile(`db/migration/${from}`);
  await runCommand("File: Reveal Active File in Explorer View");
  const row = page.locator(".explorer-folders-view .monaco-list-row.selected", { hasText: from });
  await row.waitFor({ state: "visible" });
  await page.keyboard.press("F2");
  const input = page.locator(".explorer-folders-view .monaco-inputbox input");
  await input.waitFor({ state: "visible" });
  await input.fill(to);
  await input.press("Enter");
}

async function expectRenameWarning() {
  const from = APPLIED[0];
  const to = from.replace("create_users", "create_user_table");
  await openFile(`db/migration/${from}`);
  // The code lens shows the state applied-ref gives the file.
  const lens = page.locator(".editor-instance .monaco-editor .codelens-decoration", { hasText: "applied in HEAD" });
  await lens.first().waitFor({ state: "visible", timeout: TIMEOUT });
  await renameInExplorer(from, to);
  const warning = `${from} is applied (in HEAD)`;
  const toasts = page.locator(".notifications-toasts .notification-toast");
  try {
    await waitFor(`the warning "${warning} …"`, () => toasts.filter({ hasText: warning }).first().isVisible());
  } catch (e) {
    throw new Error(`${e.message}\n  notifications: ${(await texts(toasts)).join(" | ") || "-"}`);
  }
  await waitFor(`${to} on disk`, () => fs.existsSync(path.join(project, "db", "migration", to)));
  await expectProblemsMatchCheck(`after renaming ${from} to ${to}`);
  log(`rename of applied ${from}: warning shown, findings follow`);
}

/**
 * 6. A rename in the explorer that ends a duplicate version: V2 (a second version 2 beside
 * V002) becomes V003, and the duplicate-version findings go.
 */
async function expectRenameUpdatesFindings() {
  const from = "V2__add_orders_index.sql";
  const to = "V003__add_orders_index.sql";
  const duplicates = (keys) => keys.filter((k) => k.endsWith(" duplicate-version"));
  if (duplicates(checkFindings().keys).length === 0) {
    throw new Error(`the folder should have duplicate-version findings before renaming ${from}`);
  }
  await renameInExplorer(from, to);
  await waitFor(`${to} on disk`, () => fs.existsSync(path.join(project, "db", "migration", to)));
  const checked = await expectProblemsMatchCheck(`after renaming ${from} to ${to}`);
  if (duplicates(checked.keys).length > 0) {
    throw new Error(`duplicate-version findings after renaming ${from} to ${to}: ${duplicates(checked.keys).join(", ")}`);
  }
  log(`rename of ${from} to ${to}: the duplicate-version findings went`);
}

/**
 * The README's screenshot: an editor with findings, the Problems panel and the status bar, once
 * the status bar shows the folder's state as `check` sees it.
 */
async function screenshot() {
  await openFile("db/migration/V013__create_audit_log.sql");
  await runCommand("Problems: Focus on Problems View");
  await expectStatus(checkFindings(), "for the screenshot");
  await page.locator(".markers-panel .monaco-list-row").first().waitFor({ state: "visible" });
  // No tooltip in the picture: the mouse rests on the editor's empty lower part.
  await page.mouse.move(800, 400);
  await page.waitForTimeout(1_000);
  const shot = path.join(env.E2E_OUT, "vscode.png");
  await page.screenshot({ path: shot });
  log(`screenshot: ${shot} (${fs.statSync(shot).size} bytes)`);
}

async function main() {
  log(`installing ${path.basename(env.E2E_VSIX)}`);
  codeServerCli(["--install-extension", env.E2E_VSIX]);

  const port = await freePort();
  serverProcess = spawn(
    process.execPath,
    [
      codeServer,
      "--auth", "none",
      "--bind-addr", `127.0.0.1:${port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--disable-getting-started-override",
      "--user-data-dir", userData,
      "--extensions-dir", extensions,
      project,
    ],
    {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...env, PATH: `${path.dirname(env.E2E_SERVER)}${path.delimiter}${env.PATH}` },
    },
  );
  for (const stream of [serverProcess.stdout, serverProcess.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (d) => serverLog.push(d));
  }
  await waitFor("code-server's /healthz", async () => {
    if (serverProcess.exitCode !== null) {
      throw new Error(`code-server exited (${serverProcess.exitCode})`);
    }
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return res.ok;
  });
  log(`code-server listening on 127.0.0.1:${port}`);

  browser = await chromium.launch({ executablePath: env.E2E_CHROMIUM, headless: true });
  // First the README's screenshot's size (a PNG under 200 KB), then a tall window in which the
  // maximized Problems panel lists every finding at once.
  const context = await browser.newContext({ viewport: { width: 1120, height: 700 } });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(project)}`);
  await page.locator(".monaco-workbench .part.statusbar").waitFor({ timeout: 60_000 });
  log("workbench loaded");
  await screenshot();
  await page.setViewportSize({ width: 1600, height: 2400 });

  // 1. The Problems panel lists what `check` reports.
  const initial = await expectProblemsMatchCheck("on opening the folder");
  if (initial.json.diagnostics.length < 5) {
    throw new Error(`the fixture should have findings: ${initial.json.diagnostics.length}`);
  }
  // 2. The status bar: the newest version and the error count of the folder.
  await expectStatus(initial, "on opening the folder");
  // 3. A quick fix.
  await expectQuickFix();
  // 4. New Migration.
  await expectNewMigration();
  // 5. Renaming an applied migration.
  await expectRenameWarning();
  // 6. A rename that ends a duplicate version.
  await expectRenameUpdatesFindings();
}

let failed = false;
try {
  await main();
  log("PASS");
} catch (e) {
  failed = true;
  process.stderr.write(`FAIL: ${e.stack ?? e}\n`);
  if (page) {
    const shot = path.join(env.E2E_OUT, "failure.png");
    await page.screenshot({ path: shot }).catch(() => {});
    process.stderr.write(`screenshot: ${shot}\n`);
  }
  fs.writeFileSync(path.join(env.E2E_OUT, "code-server.log"), serverLog.join(""));
  process.stderr.write(`code-server log: ${path.join(env.E2E_OUT, "code-server.log")}\n`);
} finally {
  await browser?.close().catch(() => {});
  if (serverProcess && serverProcess.exitCode === null) {
    try {
      process.kill(-serverProcess.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
