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
    undoPairs?: ThreeState;
    hashSuffix?: ThreeState;
  };
  rules?: Record<string, string>;
  database?: {
    enabled?: ThreeState;
    interval?: number;
  };
}

/**
 * A setting that is on, off, or left to the config file: `"on"` / `"off"` / `"config"` from the
 * Settings editor; `true` / `false` / `null` as earlier versions wrote them into settings.json.
 */
export type ThreeState = "config" | "on" | "off" | boolean | null;

/** The value to send, or undefined to leave it to the config file. */
export function threeState(value: ThreeState | undefined): boolean | undefined {
  if (value === true || value === "on") {
    return true;
  }
  if (value === false || value === "off") {
    return false;
  }
  return undefined;
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
  const undoPairs = threeState(c.undoPairs);
  if (undoPairs !== undefined) {
    conventions["undo-pairs"] = undoPairs;
  }
  const hashSuffix = threeState(c.hashSuffix);
  if (hashSuffix !== undefined) {
    conventions["hash-suffix"] = hashSuffix;
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
  const enabled = threeState(db.enabled);
  if (enabled !== undefined) {
    tool.database = enabled;
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
