import assert from "node:assert/strict";

import { serverEnvironment, threeState, toServerSettings } from "../src/settings";

describe("toServerSettings", () => {
  it("sends nothing for defaults, so config files decide", () => {
    assert.deepEqual(
      toServerSettings({
        locations: [],
        environment: "",
        dialect: "",
        serverVersion: "",
        conventions: { descriptionCase: "", undoPairs: null, hashSuffix: null },
        rules: {},
        database: { enabled: null, interval: 0 },
      }),
    { value: {}, problems: [] });
  });

  it("maps every setting to the flyway.toml shape the server reads", () => {
    const { value, problems } = toServerSettings({
      locations: [" filesystem:db/migration "],
      environment: "staging",
      dialect: "mysql",
      serverVersion: "8.0.32",
      conventions: { descriptionCase: "PascalCase", undoPairs: true, hashSuffix: false },
      rules: { "version-gap": "error", "prefer-bigint-key": "off" },
      database: { enabled: true, interval: 30.7 },
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(value, {
      flyway: { locations: ["filesystem:db/migration"], environment: "staging" },
      "flyway-lsp": {
        dialect: "mysql",
        "server-version": "8.0.32",
        conventions: { "description-case": "PascalCase", "undo-pairs": true, "hash-suffix": false },
        rules: { "version-gap": "error", "prefer-bigint-key": "off" },
        database: true,
        "database-interval": 30,
      },
    });
  });

  it("reads three-state settings from the Settings editor and from older settings.json", () => {
    assert.equal(threeState("on"), true);
    assert.equal(threeState(true), true);
    assert.equal(threeState("off"), false);
    assert.equal(threeState(false), false);
    assert.equal(threeState("config"), undefined);
    assert.equal(threeState(null), undefined);
    assert.equal(threeState(undefined), undefined);
    const { value } = toServerSettings({
      conventions: { undoPairs: "off", hashSuffix: "config" },
      database: { enabled: "on" },
    });
    assert.deepEqual(value, { "flyway-lsp": { conventions: { "undo-pairs": false }, database: true } });
  });

  it("reports a bad rule level instead of sending it", () => {
    const { value, problems } = toServerSettings({ rules: { "version-gap": "fatal" } });
    assert.deepEqual(value, {});
    assert.ok(problems[0].includes("version-gap"), problems[0]);
  });
});

describe("serverEnvironment", () => {
  it("passes the stored password as FLYWAY_PASSWORD and nothing else new", () => {
    assert.deepEqual(serverEnvironment({ PATH: "/bin", UNSET: undefined }, "s3cret"), {
      PATH: "/bin",
      FLYWAY_PASSWORD: "s3cret",
    });
    assert.deepEqual(serverEnvironment({ PATH: "/bin" }, undefined), { PATH: "/bin" });
  });
});
