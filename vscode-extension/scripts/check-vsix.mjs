// Checks a packaged .vsix (a zip): the manifest's fields and commands, and that the bundle is in
// and the sources and node_modules are not. Exits non-zero with a reason on any mismatch.
import { readFileSync } from "node:fs";
import { inflateRawSync } from "node:zlib";

const file = process.argv[2] ?? "flyway-lsp.vsix";
const zip = readFileSync(file);

// End of central directory: signature 0x06054b50, within the last 64 KiB.
let eocd = -1;
for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
  if (zip.readUInt32LE(i) === 0x06054b50) {
    eocd = i;
    break;
  }
}
if (eocd < 0) {
  fail(`${file} is not a zip archive`);
}
const count = zip.readUInt16LE(eocd + 10);
let offset = zip.readUInt32LE(eocd + 16);
const entries = new Map();
for (let n = 0; n < count; n++) {
  if (zip.readUInt32LE(offset) !== 0x02014b50) {
    fail("broken central directory");
  }
  const method = zip.readUInt16LE(offset + 10);
  const compressed = zip.readUInt32LE(offset + 20);
  const nameLength = zip.readUInt16LE(offset + 28);
  const extraLength = zip.readUInt16LE(offset + 30);
  const commentLength = zip.readUInt16LE(offset + 32);
  const local = zip.readUInt32LE(offset + 42);
  const name = zip.toString("utf8", offset + 46, offset + 46 + nameLength);
  entries.set(name, { method, compressed, local });
  offset += 46 + nameLength + extraLength + commentLength;
}

function read(name) {
  const entry = entries.get(name);
  if (!entry) {
    fail(`${name} is missing from ${file}`);
  }
  const nameLength = zip.readUInt16LE(entry.local + 26);
  const extraLength = zip.readUInt16LE(entry.local + 28);
  const start = entry.local + 30 + nameLength + extraLength;
  const data = zip.subarray(start, start + entry.compressed);
  return entry.method === 8 ? inflateRawSync(data) : data;
}

function fail(message) {
  console.error(`check-vsix: ${message}`);
  process.exit(1);
}

const manifest = JSON.parse(read("extension/package.json").toString("utf8"));
const expectCommands = [
  "flywayLsp.newMigration",
  "flywayLsp.createUndoMigration",
  "flywayLsp.validateDatabase",
  "flywayLsp.dryRun",
  "flywayLsp.restartServer",
  "flywayLsp.showOutput",
];
const commands = manifest.contributes.commands.map((c) => c.command);
for (const c of expectCommands) {
  if (!commands.includes(c)) {
    fail(`command ${c} is not contributed`);
  }
}
if (manifest.main !== "./dist/extension.js") {
  fail(`main is ${manifest.main}`);
}
if (!manifest.activationEvents.some((e) => e.includes("flyway.toml"))) {
  fail("no activation on flyway.toml");
}
// One configuration object or an array of titled sections (the Settings editor's groups).
const sections = [manifest.contributes.configuration].flat();
const settings = sections.flatMap((section) => Object.keys(section.properties ?? {}));
if (manifest.contributes.configuration && settings.length === 0) {
  fail("no settings are contributed");
}
if (settings.some((s) => /password/i.test(s))) {
  fail("a password setting is contributed; passwords belong in SecretStorage or FLYWAY_PASSWORD");
}
const bundle = read("extension/dist/extension.js").toString("utf8");
if (!bundle.includes("flyway-lsp.createNextMigration") || !bundle.includes("vscode-languageclient") && !bundle.includes("LanguageClient")) {
  fail("dist/extension.js does not look like the bundled extension");
}
for (const name of entries.keys()) {
  if (name.startsWith("extension/src/") || name.includes("node_modules/") || name.endsWith(".ts") || name.startsWith("extension/test/")) {
    fail(`${name} should not be packaged`);
  }
}
read("extension/LICENSE.txt");
if (![...entries.keys()].some((n) => n.toLowerCase() === "extension/readme.md")) {
  fail("the README is not packaged");
}
console.log(`check-vsix: ${file} ok (${entries.size} files, ${commands.length} commands, ${settings.length} settings, bundle ${bundle.length} bytes)`);
