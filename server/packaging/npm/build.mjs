#!/usr/bin/env node
// Builds the npm packages of flyway-lsp, in the esbuild / Biome layout: a small launcher package
// (`flyway-lsp`, whose `flyway-lsp` command runs the binary) that lists one package per platform
// as optionalDependencies; npm installs only the one whose `os` and `cpu` match.
//
//   node build.mjs platform --version V --platform linux-x64 --binary PATH --out DIR
//   node build.mjs launcher --version V --out DIR
//
// Each writes the package folder under DIR/packages/ and its `npm pack` tarball into DIR.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");

/** Platforms with a release binary: npm's `os`-`cpu` names. */
export const PLATFORMS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64"];

const description =
  "Checks Flyway SQL migration folders (PostgreSQL, MySQL/MariaDB); language server for editors";

function parse(argv) {
  const [command, ...rest] = argv;
  const options = {};
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith("--") || rest[i + 1] === undefined) {
      throw new Error(`expected --name value pairs, got ${rest[i]}`);
    }
    options[rest[i].slice(2)] = rest[i + 1];
  }
  return { command, options };
}

function required(options, name) {
  if (!options[name]) throw new Error(`--${name} is required`);
  return options[name];
}

function common(version) {
  return {
    version,
    description,
    license: "MIT OR Apache-2.0",
    keywords: ["flyway", "sql", "migrations", "lint", "language-server"],
  };
}

function write(dir, files) {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  for (const license of fs.readdirSync(root).filter((n) => n.startsWith("LICENSE"))) {
    fs.copyFileSync(path.join(root, license), path.join(dir, license));
  }
}

function pack(dir, out) {
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", path.resolve(out)], {
    cwd: dir,
    encoding: "utf8",
  }).trim();
  console.log(path.join(out, name.split("\n").pop()));
}

function platformPackage(options) {
  const version = required(options, "version");
  const platform = required(options, "platform");
  if (!PLATFORMS.includes(platform)) throw new Error(`unknown platform ${platform}`);
  const [os, cpu] = platform.split("-");
  const exe = os === "win32" ? "flyway-lsp.exe" : "flyway-lsp";
  const dir = path.join(required(options, "out"), "packages", `flyway-lsp-${platform}`);
  write(dir, {
    "package.json": JSON.stringify(
      {
        name: `flyway-lsp-${platform}`,
        ...common(version),
        description: `The ${platform} binary of flyway-lsp (installed by the flyway-lsp package)`,
        os: [os],
        cpu: [cpu],
        files: [`bin/${exe}`],
        preferUnplugged: true,
      },
      null,
      2,
    ) + "\n",
    "README.md": `# flyway-lsp-${platform}\n\nThe ${platform} binary of [flyway-lsp](https://www.npmjs.com/package/flyway-lsp). Install \`flyway-lsp\`, not this package.\n`,
  });
  const binary = path.join(dir, "bin", exe);
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  fs.copyFileSync(required(options, "binary"), binary);
  fs.chmodSync(binary, 0o755);
  pack(dir, options.out);
}

const launcher = `#!/usr/bin/env node
// Runs the flyway-lsp binary of this platform, from the optional dependency npm installed for it
// (or FLYWAY_LSP_BINARY when set).
"use strict";
const { spawnSync } = require("node:child_process");

function binary() {
  if (process.env.FLYWAY_LSP_BINARY) return process.env.FLYWAY_LSP_BINARY;
  const platform = \`\${process.platform}-\${process.arch}\`;
  const exe = process.platform === "win32" ? "flyway-lsp.exe" : "flyway-lsp";
  try {
    return require.resolve(\`flyway-lsp-\${platform}/bin/\${exe}\`);
  } catch {
    console.error(
      \`flyway-lsp: no binary for \${platform}: the package flyway-lsp-\${platform} is not installed \` +
        "(no release for this platform, or npm was told to omit optional dependencies). " +
        "Install with cargo instead: cargo install --locked flyway-lsp",
    );
    process.exit(3);
  }
}

const result = spawnSync(binary(), process.argv.slice(2), { stdio: "inherit", windowsHide: true });
if (result.error) {
  console.error(\`flyway-lsp: cannot run \${result.error.path || "the binary"}: \${result.error.code || result.error.message}\`);
  process.exit(3);
}
if (result.signal) {
  process.kill(process.pid, result.signal);
}
process.exit(result.status ?? 1);
`;

function launcherPackage(options) {
  const version = required(options, "version");
  const dir = path.join(required(options, "out"), "packages", "flyway-lsp");
  write(dir, {
    "package.json": JSON.stringify(
      {
        name: "flyway-lsp",
        ...common(version),
        bin: { "flyway-lsp": "bin/flyway-lsp.js" },
        files: ["bin/flyway-lsp.js"],
        engines: { node: ">=18" },
        optionalDependencies: Object.fromEntries(PLATFORMS.map((p) => [`flyway-lsp-${p}`, version])),
      },
      null,
      2,
    ) + "\n",
    "bin/flyway-lsp.js": launcher,
    "README.md": [
      "# flyway-lsp",
      "",
      description + ".",
      "",
      "```sh",
      "npx flyway-lsp check db/migration",
      "```",
      "",
      "This package runs the prebuilt binary of your platform (installed as an optional dependency).",
      "",
    ].join("\n"),
  });
  fs.chmodSync(path.join(dir, "bin/flyway-lsp.js"), 0o755);
  pack(dir, options.out);
}

try {
  const { command, options } = parse(process.argv.slice(2));
  if (command === "platform") platformPackage(options);
  else if (command === "launcher") launcherPackage(options);
  else throw new Error("usage: build.mjs platform|launcher --version V --out DIR [...]");
} catch (err) {
  console.error(`build.mjs: ${err.message}`);
  process.exit(2);
}
