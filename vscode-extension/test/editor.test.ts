import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import {
  SEVERITY,
  documentSelector,
  missingServerMessage,
  notRunningText,
  reportWithHints,
  showHints,
  showOptions,
  createdUri,
  statusActions,
} from "../src/editor";

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));

describe("documentSelector", () => {
  it("covers the SQL language modes of other extensions, on disk only", () => {
    const selector = documentSelector();
    for (const language of ["sql", "pgsql", "postgres", "mysql", "sql-bigquery"]) {
      assert.ok(
        selector.some((s) => s.language === language && s.scheme === "file"),
        language,
      );
    }
    assert.ok(selector.every((s) => s.scheme === "file"));
  });
});

describe("showHints", () => {
  const found = () => [{ severity: SEVERITY.Hint }, { severity: SEVERITY.Warning }];
  it("leaves hints as hints by default", () => {
    assert.deepEqual(showHints(found(), "hint"), found());
    assert.deepEqual(showHints(found(), undefined), found());
  });
  it("shows hints as information when asked, nothing else changed", () => {
    assert.deepEqual(showHints(found(), "information"), [
      { severity: SEVERITY.Information },
      { severity: SEVERITY.Warning },
    ]);
  });
});

describe("no server", () => {
  it("one message with the fix and a way to settings", () => {
    const m = missingServerMessage({ message: "not found.", fix: "Install it with cargo." });
    assert.equal(m.text, "not found. Install it with cargo.");
    assert.ok(m.actions.includes("Open Settings"));
  });
  it("commands say why they cannot run", () => {
    assert.ok(notRunningText({ message: "not found." }).includes("not found."));
    assert.ok(notRunningText(undefined).includes("Restart Server"));
  });
});

describe("settings manifest", () => {
  const sections: { id: string; title: string; properties: Record<string, Record<string, unknown>> }[] =
    manifest.contributes.configuration;
  const all = Object.assign({}, ...sections.map((s) => s.properties)) as Record<string, Record<string, unknown>>;

  it("every section has a title and every setting a markdown description", () => {
    for (const s of sections) {
      assert.ok(s.title && s.id, JSON.stringify(s.id));
    }
    for (const [key, p] of Object.entries(all)) {
      assert.equal(typeof p.markdownDescription, "string", key);
      assert.equal(p.description, undefined, key);
    }
  });

  it("every enum has a description and a label for each choice", () => {
    const enums: [string, Record<string, unknown>][] = [];
    for (const [key, p] of Object.entries(all)) {
      enums.push([key, p]);
      if (p.additionalProperties) {
        enums.push([`${key} (values)`, p.additionalProperties as Record<string, unknown>]);
      }
    }
    let count = 0;
    for (const [key, p] of enums) {
      if (!Array.isArray(p.enum)) {
        continue;
      }
      count++;
      const n = p.enum.length;
      assert.equal((p.enumDescriptions as string[] | undefined)?.length, n, `${key} enumDescriptions`);
      for (const d of p.enumDescriptions as string[]) {
        assert.ok(d.trim() !== "", key);
      }
      if ((p.enum as string[]).includes("")) {
        assert.equal((p.enumItemLabels as string[] | undefined)?.length, n, `${key}: label the blank choice`);
      }
    }
    assert.ok(count >= 6, `${count} enums`);
  });

  it("three-state settings are choices the Settings editor can change", () => {
    for (const key of [
      "flywayLsp.conventions.undoPairs",
      "flywayLsp.conventions.hashSuffix",
      "flywayLsp.database.enabled",
    ]) {
      assert.equal(all[key].type, "string", key);
      assert.deepEqual(all[key].enum, ["config", "on", "off"], key);
      assert.equal(all[key].default, "config", key);
    }
  });

  it("the server path cannot come from a repository's workspace settings", () => {
    assert.equal(all["flywayLsp.server.path"].scope, "machine");
  });

  it("settings live under their section's id, so the UI does not repeat 'Flyway Lsp ›'", () => {
    for (const s of sections) {
      for (const key of Object.keys(s.properties)) {
        const category = key.slice(0, key.lastIndexOf("."));
        assert.ok(category === s.id || category.startsWith(`${s.id}.`), key);
      }
    }
  });
});

describe("new files", () => {
  it("open pinned, with the focus unless the server says otherwise", () => {
    assert.deepEqual(showOptions({ takeFocus: true }), { preview: false, preserveFocus: false });
    assert.deepEqual(showOptions({}), { preview: false, preserveFocus: false });
    assert.deepEqual(showOptions({ takeFocus: false }), { preview: false, preserveFocus: true });
  });
  it("the created file is the command's answer", () => {
    assert.equal(createdUri("file:///p/db/U2__x.sql"), "file:///p/db/U2__x.sql");
    assert.equal(createdUri(undefined), undefined);
    assert.equal(createdUri({ error: "x" }), undefined);
  });
});

describe("status bar click", () => {
  it("offers the actions, each a contributed or registered command", () => {
    const contributed = new Set(manifest.contributes.commands.map((c: { command: string }) => c.command));
    const running = statusActions(true).map((a) => a.command);
    assert.deepEqual(running, [
      "flywayLsp.validateDatabase",
      "flywayLsp.dryRun",
      "flywayLsp.newMigration",
      "flywayLsp.showOutput",
    ]);
    for (const c of running) {
      assert.ok(contributed.has(c), c);
    }
    assert.ok(statusActions(false).some((a) => a.command === "flywayLsp.restartServer"));
  });
});

describe("reportWithHints", () => {
  it("shows the hints of a full pulled report as information, and leaves unchanged ones", () => {
    const full = { kind: "full", resultId: "a", items: [{ severity: SEVERITY.Hint }, { severity: SEVERITY.Warning }] };
    assert.equal(reportWithHints(full, "information"), full);
    assert.deepEqual(
      full.items.map((d) => d.severity),
      [SEVERITY.Information, SEVERITY.Warning],
    );
    const hinted = { kind: "full", resultId: "b", items: [{ severity: SEVERITY.Hint }] };
    reportWithHints(hinted, "hint");
    assert.equal(hinted.items[0].severity, SEVERITY.Hint);
    const unchanged = { kind: "unchanged", resultId: "c" };
    assert.deepEqual(reportWithHints(unchanged, "information"), { kind: "unchanged", resultId: "c" });
    assert.equal(reportWithHints(undefined, "information"), undefined);
  });
});
