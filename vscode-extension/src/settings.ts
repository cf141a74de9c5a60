// The extension's settings as the server's settings, shaped like flyway.toml:
// {"flyway": {...}, "flyway-lsp": {...}}. Empty values mean "from the config file" and are left
// out. Passwords are never settings: the server gets FLYWAY_PASSWORD in its environment.

export interface ExtensionSettings {
  locations?: string[];
  environment?: string;
  dialect?: string;
  serverVersion?: string;
  conventions?: {
    descriptionCase?: string;
    undoPairs?: boolean | null;
    hashSuffix?: boolean | null;
  };
  rules?: Record<string, string>;
  database?: {
    enabled?: boolean | null;
    interval?: number;
  };
}

const LEVELS = new Set(["error", "warning", "info", "hint", "off"]);

export interface ServerSettings {
  flyway?: Record<string, unknown>;
  "flyway-lsp"?: Record<string, unknown>;
}

/** Settings the server understands; invalid rule levels are reported, not sent. */
export function toServerSettings(settings: ExtensionSettings): {
  value: ServerSettings;
  problems: string[];
} {
  const problems: string[] = [];
  const flyway: Record<string, unknown> = {};
  const tool: Record<string, unknown> = {};
  const locations = (settings.locations ?? []).map((l) => l.trim()).filter((l) => l !== "");
  if (locations.length > 0) {
    flyway.locations = locations;
  }
  if (settings.environment && settings.environment.trim() !== "") {
    flyway.environment = settings.environment.trim();
  }
  if (settings.dialect && settings.dialect !== "") {
    tool.dialect = settings.dialect;
  }
  if (settings.serverVersion && settings.serverVersion.trim() !== "") {
    tool["server-version"] = settings.serverVersion.trim();
  }
  const conventions: Record<string, unknown> = {};
  const c = settings.conventions ?? {};
  if (c.descriptionCase && c.descriptionCase !== "") {
    conventions["description-case"] = c.descriptionCase;
  }
  if (typeof c.undoPairs === "boolean") {
    conventions["undo-pairs"] = c.undoPairs;
  }
  if (typeof c.hashSuffix === "boolean") {
    conventions["hash-suffix"] = c.hashSuffix;
  }
  if (Object.keys(conventions).length > 0) {
    tool.conventions = conventions;
  }
  const rules: Record<string, string> = {};
  for (const [rule, level] of Object.entries(settings.rules ?? {})) {
    if (LEVELS.has(level)) {
      rules[rule] = level;
    } else {
      problems.push(
        `flywayLsp.rules: "${rule}" has level "${level}"; use one of error, warning, info, hint, off`,
      );
    }
  }
  if (Object.keys(rules).length > 0) {
    tool.rules = rules;
  }
  const db = settings.database ?? {};
  if (typeof db.enabled === "boolean") {
    tool.database = db.enabled;
  }
  if (typeof db.interval === "number" && db.interval > 0) {
    tool["database-interval"] = Math.floor(db.interval);
  }
  const value: ServerSettings = {};
  if (Object.keys(flyway).length > 0) {
    value.flyway = flyway;
  }
  if (Object.keys(tool).length > 0) {
    value["flyway-lsp"] = tool;
  }
  return { value, problems };
}

/** The server's environment: the caller's, plus the stored password if there is one. */
export function serverEnvironment(
  base: Record<string, string | undefined>,
  password: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined) {
      env[k] = v;
    }
  }
  if (password !== undefined && password !== "") {
    env.FLYWAY_PASSWORD = password;
  }
  return env;
}
