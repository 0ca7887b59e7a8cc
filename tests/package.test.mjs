// The npm package holds exactly the built browser files.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";

test("npm pack contains dist/ (loader, ESM entry with its glue, types, wasm, call-back widget) and nothing else", () => {
  const root = new URL("..", import.meta.url).pathname;
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--loglevel=error"], { cwd: root, encoding: "utf8" });
  const files = JSON.parse(out)[0].files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    "README.md",
    "dist/callback.js",
    "dist/index.d.ts",
    "dist/index.js",
    "dist/swap.js",
    "dist/swap_wasm_bg.wasm",
    "package.json",
  ]);
});
