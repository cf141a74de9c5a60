import assert from "node:assert/strict";

import { statusText } from "../src/status";

describe("statusText", () => {
  it("shows the latest version and the database's pending count", () => {
    const { text, tooltip } = statusText({
      migrations: 42,
      latest: "42",
      errors: 0,
      warnings: 1,
      database: { source: "the default environment's database postgresql://u@h:5432/app", pending: 2, failed: 0, applied: 40 },
    });
    assert.equal(text, "$(database) Flyway: V42, 2 pending");
    assert.ok(tooltip.includes("40 applied, 2 pending, 0 failed"), tooltip);
  });

  it("says up to date, failed and errors", () => {
    assert.equal(
      statusText({ migrations: 3, latest: "3", errors: 0, database: { source: "db", pending: 0, failed: 0, applied: 3 } }).text,
    "$(database) Flyway: V3, up to date");
    assert.equal(
      statusText({ migrations: 3, latest: "3", errors: 2, database: { source: "db", pending: 1, failed: 1, applied: 1 } }).text,
    "$(database) Flyway: V3, 1 failed, 1 pending, 2 errors");
    assert.equal(statusText({ migrations: 3, latest: "1.1", errors: 1 }).text, "$(database) Flyway: V1.1, 1 error");
  });

  it("is plain without migrations", () => {
    assert.equal(statusText(undefined).text, "Flyway");
    assert.equal(statusText({ migrations: 0 }).text, "Flyway");
  });
  it("says once, quietly, that the database cannot be reached", () => {
    const { text, tooltip } = statusText({
      migrations: 2,
      latest: "2",
      errors: 0,
      database_error: "cannot connect to 127.0.0.1:1: connection refused",
    });
    assert.equal(text, "$(warning) Flyway: V2, database unreachable");
    assert.ok(tooltip.includes("connection refused"), tooltip);
  });
});
