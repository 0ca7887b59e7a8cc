// The sizing command prints its table, and refuses bad flags with exit 2.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const root = new URL("..", import.meta.url).pathname;
const run = (...args) =>
  spawnSync("cargo", ["run", "-q", "-p", "pool-core", "--example", "sizing", "--", ...args], { cwd: root, encoding: "utf8" });

test("the sizing command prints accuracy by pool size and fixation, and a recommendation", () => {
  const r = run("--visits-per-day", "300", "--days", "2", "--release-share", "0", "--fixation-mins", "15,30", "--target", "0.9");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^traffic: 300 visits\/day for 2 days/m);
  assert.match(r.stdout, /numbers \| fixation  15 min \| fixation  30 min \|/);
  assert.match(r.stdout, /<- peak pages open \(rule of thumb\)/);
  for (const p of ["least-recently-released + cooldown", "first free", "random free"]) assert.match(r.stdout, new RegExp(p.replace("+", "\\+")));
  assert.match(r.stdout, /^recommended: fixation \d+ min with \d+ numbers$/m);
  // The same seed, the same table.
  assert.equal(run("--visits-per-day", "300", "--days", "2", "--release-share", "0", "--fixation-mins", "15,30", "--target", "0.9").stdout, r.stdout);
});

test("bad flags: a message and exit 2", () => {
  for (const args of [["--colour", "red"], ["--call-share", "3"], ["--days"], ["--visits-per-day", "many"]]) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(" "));
    assert.match(r.stderr, /^sizing: /);
  }
});
