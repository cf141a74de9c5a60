// Finding the flyway-lsp binary: the setting, else the binary bundled for this platform, else
// the PATH. Pure (the file system is passed in) so it is unit tested without VS Code.

import * as path from "path";

export interface FileSystem {
  isExecutableFile(p: string): boolean;
}

export type Found =
  | { ok: true; path: string; source: "setting" | "bundled" | "path" }
  | { ok: false; message: string; fix: string };

/** The folder name of the bundled binary for a platform: `linux-x64`, `darwin-arm64`, `win32-x64`. */
export function platformDir(platform: string, arch: string): string {
  return `${platform}-${arch}`;
}

export function binaryName(platform: string): string {
  return platform === "win32" ? "flyway-lsp.exe" : "flyway-lsp";
}

/** Expands `~` and `${workspaceFolder}` in a configured path. */
export function expandPath(configured: string, home: string, workspaceFolder?: string): string {
  let p = configured.trim();
  if (p === "~" || p.startsWith("~/")) {
    p = path.join(home, p.slice(1));
  }
  if (workspaceFolder !== undefined) {
    p = p.split("${workspaceFolder}").join(workspaceFolder);
  }
  return p;
}

export function findServer(options: {
  configured: string;
  extensionPath: string;
  platform: string;
  arch: string;
  envPath: string;
  home: string;
  workspaceFolder?: string;
  fs: FileSystem;
}): Found {
  const name = binaryName(options.platform);
  if (options.configured.trim() !== "") {
    const p = expandPath(options.configured, options.home, options.workspaceFolder);
    if (options.fs.isExecutableFile(p)) {
      return { ok: true, path: p, source: "setting" };
    }
    return {
      ok: false,
      message: `flywayLsp.server.path is set to "${options.configured}", but there is no executable file there.`,
      fix: "Fix the path in the settings, or clear it to use the bundled binary or flyway-lsp on the PATH.",
    };
  }
  const bundled = path.join(
    options.extensionPath,
    "server",
    platformDir(options.platform, options.arch),
    name,
  );
  if (options.fs.isExecutableFile(bundled)) {
    return { ok: true, path: bundled, source: "bundled" };
  }
  const separator = options.platform === "win32" ? ";" : ":";
  for (const dir of options.envPath.split(separator)) {
    if (dir === "") {
      continue;
    }
    const candidate = path.join(dir, name);
    if (options.fs.isExecutableFile(candidate)) {
      return { ok: true, path: candidate, source: "path" };
    }
  }
  return {
    ok: false,
    message: "The flyway-lsp server was not found (no bundled binary for this platform, none on the PATH).",
    fix: "Install it with `cargo install --path server` from the flyway-lsp repository (or `cargo install flyway-lsp`), or set flywayLsp.server.path.",
  };
}
