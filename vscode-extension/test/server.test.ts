import assert from "node:assert/strict";

import { binaryName, expandPath, findServer, platformDir } from "../src/server";

function fsWith(executables: string[]) {
  const set = new Set(executables);
  return { isExecutableFile: (p: string) => set.has(p) };
}

const base = {
  configured: "",
  extensionPath: "/ext",
  platform: "linux",
  arch: "x64",
  envPath: "/usr/local/bin:/home/u/.cargo/bin",
  home: "/home/u",
};

describe("findServer", () => {
  it("prefers the configured path", () => {
    const found = findServer({
      ...base,
      configured: "~/bin/flyway-lsp",
      fs: fsWith(["/home/u/bin/flyway-lsp", "/ext/server/linux-x64/flyway-lsp"]),
    });
    assert.deepEqual(found, { ok: true, path: "/home/u/bin/flyway-lsp", source: "setting" });
  });

  it("says what to fix when the configured path is wrong, without falling back", () => {
    const found = findServer({
      ...base,
      configured: "/nope/flyway-lsp",
      fs: fsWith(["/usr/local/bin/flyway-lsp"]),
    });
    assert.equal(found.ok, false);
    if (!found.ok) {
      assert.ok(found.message.includes("/nope/flyway-lsp"), found.message);
      assert.ok(found.fix.includes("settings"), found.fix);
    }
  });

  it("uses the binary bundled for this platform, then the PATH", () => {
    assert.deepEqual(
      findServer({ ...base, fs: fsWith(["/ext/server/linux-x64/flyway-lsp", "/usr/local/bin/flyway-lsp"]) }),
    { ok: true, path: "/ext/server/linux-x64/flyway-lsp", source: "bundled" });
    assert.deepEqual(findServer({ ...base, fs: fsWith(["/home/u/.cargo/bin/flyway-lsp"]) }), {
      ok: true,
      path: "/home/u/.cargo/bin/flyway-lsp",
      source: "path",
    });
  });

  it("explains how to install when nothing is found", () => {
    const found = findServer({ ...base, fs: fsWith([]) });
    assert.equal(found.ok, false);
    if (!found.ok) {
      assert.ok(found.fix.includes("cargo install --path server"), found.fix);
    }
  });

  it("handles Windows names and separators", () => {
    assert.equal(binaryName("win32"), "flyway-lsp.exe");
    assert.equal(platformDir("darwin", "arm64"), "darwin-arm64");
    const found = findServer({
      ...base,
      platform: "win32",
      envPath: "C:\\tools;C:\\bin",
      fs: fsWith(["C:\\bin/flyway-lsp.exe"]),
    });
    assert.equal(found.ok, true);
  });

  it("expands ~ and ${workspaceFolder}", () => {
    assert.equal(expandPath("${workspaceFolder}/target/release/flyway-lsp", "/h", "/ws"), 
      "/ws/target/release/flyway-lsp",
    );
    assert.equal(expandPath("~", "/h"), "/h");
  });
});
