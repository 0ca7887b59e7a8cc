// The npm package holds exactly the built browser files.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
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

test("the page scripts use no regular-expression lookbehind (Safari before 16.4 cannot compile one; the es2020 build target does not see it)", () => {
  const root = new URL("..", import.meta.url).pathname;
  for (const f of ["swap.js", "index.js", "callback.js"]) {
    const js = readFileSync(`${root}/dist/${f}`, "utf8");
    assert.ok(js.length > 1000, `dist/${f} is built`);
    assert.ok(!/\(\?<[=!]/.test(js), `dist/${f} holds a lookbehind: ${js.match(/.{40}\(\?<[=!].{40}/)?.[0]}`);
  }
});
