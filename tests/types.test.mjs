// The package's types (swap-wasm/js/index.d.ts, shipped as dist/index.d.ts)
// compiled by tsc, strict, against a consumer that uses every export.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

const root = new URL("..", import.meta.url).pathname;

test("tsc accepts index.d.ts and a consumer of every export", () => {
  const r = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tests", "types")], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test("tsc rejects what the types forbid (the check is real)", () => {
  const r = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tests", "types", "tsconfig.misuse.json")], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /misuse\.ts\(3,\d+\): error TS2322/);
});
