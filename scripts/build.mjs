// npm run build: the edge worker (worker-build) and, later, the browser package.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import {
  ensureCargoTool, ensureNodeModules, ensureRustTargets, env, fail, log, root, runQuiet, seconds,
  WASM_BINDGEN_VERSION, WORKER_BUILD_VERSION,
} from "./lib.mjs";

/** Builds edge-worker/build/index.js (+ wasm) with worker-build, offline. */
/** Builds the edge worker; `faults` adds the test-only fault switch (never for a deployment). */
export async function buildWorker({ faults = false } = {}) {
  ensureRustTargets(["wasm32-unknown-unknown"]);
  ensureNodeModules();
  const wasmBindgen = ensureCargoTool("wasm-bindgen-cli", WASM_BINDGEN_VERSION, "wasm-bindgen");
  const workerBuild = ensureCargoTool("worker-build", WORKER_BUILD_VERSION, "worker-build");
  const t = Date.now();
  const r = await runQuiet(workerBuild, ["--release", ...(faults ? ["--", "--features", "test-faults"] : [])], {
    cwd: join(root, "edge-worker"),
    env: {
      ...env,
      // worker-build would download these from GitHub; use the pinned local ones.
      WASM_BINDGEN_BIN: wasmBindgen,
      WASM_OPT_BIN: join(root, "node_modules", ".bin", "wasm-opt"),
      ESBUILD_BIN: join(root, "node_modules", ".bin", "esbuild"),
      CARGO_TARGET_DIR: join(root, "target"),
    },
  });
  const out = join(root, "edge-worker", "build", "index.js");
  if (r.code !== 0 || !existsSync(out)) {
    throw new Error(`${r.out.trimEnd()}\nthe edge worker did not build (output above).`);
  }
  log(`✓ edge worker built with worker-build${faults ? " (test build: fault switch on)" : ""} (${seconds(t)} s)`);
  return out;
}

async function step(cmd, args, opts) {
  const r = await runQuiet(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${r.out.trimEnd()}\n${cmd} ${args.join(" ")} failed (output above).`);
}

/** Size of a file, raw and gzip -9. */
export function sizes(path) {
  const b = readFileSync(path);
  return { raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
}

const WASM_FEATURES = [
  "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
  "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue",
];

/**
 * Shortens the wasm's import and export names (wasm-bindgen's
 * `__wbg_getAttribute_c7b80d4010284561` and the like, in both files, which
 * esbuild cannot rename) with binaryen's minifier, and rewrites the glue to
 * match. Fails the build if the glue does not use every name exactly as
 * expected, rather than ship a module that cannot link.
 */
function minifyNames(bg, glue) {
  const map = JSON.parse(execFileSync(join(root, "node_modules", ".bin", "wasm-opt"),
    [...WASM_FEATURES, "--minify-imports-and-exports-and-modules", bg, "-o", bg], { encoding: "utf8" }));
  const linked = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(bg)));
  let js = readFileSync(glue, "utf8");
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const imported = new Map();
  for (const [module, name, short] of map.imports) {
    const now = linked.find((i) => i.name === short);
    const key = new RegExp(`(?<=[\\s{,])${esc(name)}(?=:)`, "g");
    if (!now || (js.match(key) || []).length !== 1) throw new Error(`minifying wasm names: import ${name} is not one key of the glue's imports`);
    js = js.replace(key, JSON.stringify(short));
    imported.set(module, now.module);
  }
  for (const [module, short] of imported) {
    const key = new RegExp(`(["'])${esc(module)}\\1(?=:)`, "g");
    if ((js.match(key) || []).length !== 1) throw new Error(`minifying wasm names: module ${module} is not one key of the glue's imports`);
    js = js.replace(key, JSON.stringify(short));
  }
  // The glue reads exports as `wasm.name`; any other way would be missed.
  if (/\bwasm\s*\[/.test(js)) throw new Error("minifying wasm names: the glue indexes its exports");
  for (const [name, short] of map.exports) {
    if (!/^[A-Za-z_$][\w$]*$/.test(short)) throw new Error(`minifying wasm names: ${short} is not an identifier`);
    js = js.replace(new RegExp(`(?<=\\bwasm\\.)${esc(name)}\\b`, "g"), short);
  }
  writeFileSync(glue, js);
}

/**
 * Builds dist/: the browser module (wasm-bindgen --target web, wasm-opt -Oz),
 * the ESM entry with its types, and the script-tag loader.
 */
export async function buildBrowser() {
  ensureRustTargets(["wasm32-unknown-unknown"]);
  ensureNodeModules();
  const wasmBindgen = ensureCargoTool("wasm-bindgen-cli", WASM_BINDGEN_VERSION, "wasm-bindgen");
  const t = Date.now();
  await step("cargo", ["build", "-q", "-p", "swap-wasm", "--release", "--features", "page", "--target", "wasm32-unknown-unknown"]);
  const dist = join(root, "dist");
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const wasm = join(root, "target", "wasm32-unknown-unknown", "release", "swap_wasm.wasm");
  await step(wasmBindgen, ["--target", "web", "--no-typescript", "--out-dir", dist, "--out-name", "swap_wasm", wasm]);
  const bg = join(dist, "swap_wasm_bg.wasm");
  await step(join(root, "node_modules", ".bin", "wasm-opt"), [
    // --converge repeats -Oz until nothing shrinks; memory starts zeroed and
    // the first KB is unused (Rust puts its stack and data above 1 MB).
    "-Oz", "--converge", "--zero-filled-memory", "--low-memory-unused", "--strip-debug", "--strip-producers", "--strip-target-features",
    ...WASM_FEATURES, bg, "-o", bg,
  ]);
  minifyNames(bg, join(dist, "swap_wasm.js"));
  // The ESM entry bundled with the wasm-bindgen glue, and the loader, both minified.
  const esbuild = join(root, "node_modules", ".bin", "esbuild");
  const js = join(root, "swap-wasm", "js");
  copyFileSync(join(js, "index.js"), join(dist, "entry.js"));
  await step(esbuild, [join(dist, "entry.js"), "--bundle", "--format=esm", "--minify", "--target=es2020",
    "--legal-comments=none", "--log-level=warning", `--outfile=${join(dist, "index.js")}`]);
  await step(esbuild, [join(js, "swap.js"), "--minify", "--target=es2020", "--log-level=warning",
    `--outfile=${join(dist, "swap.js")}`]);
  // The glue and its snippets (js/collect.js, the page walk) are bundled into index.js.
  for (const f of ["entry.js", "swap_wasm.js", "snippets"]) rmSync(join(dist, f), { recursive: true, force: true });
  copyFileSync(join(js, "index.d.ts"), join(dist, "index.d.ts"));
  // The edge serves the package and the demo pages as static assets.
  const pub = join(root, "edge-worker", "public");
  rmSync(pub, { recursive: true, force: true });
  mkdirSync(join(pub, "demo"), { recursive: true });
  for (const f of readdirSync(dist)) copyFileSync(join(dist, f), join(pub, f));
  for (const f of readdirSync(join(root, "examples", "demo"))) copyFileSync(join(root, "examples", "demo", f), join(pub, "demo", f));
  // The dashboard: its script (with uPlot) and styles bundled, no CDN.
  const dash = join(root, "edge-worker", "dashboard");
  mkdirSync(join(pub, "dashboard"), { recursive: true });
  await step(esbuild, [join(dash, "app.js"), "--bundle", "--format=esm", "--minify", "--target=es2020",
    "--legal-comments=none", "--log-level=warning", `--outfile=${join(pub, "dashboard", "app.js")}`]);
  await step(esbuild, [join(dash, "app.css"), "--bundle", "--minify", "--log-level=warning",
    `--outfile=${join(pub, "dashboard", "app.css")}`]);
  copyFileSync(join(dash, "index.html"), join(pub, "dashboard", "index.html"));
  const w = sizes(bg);
  const e = sizes(join(dist, "index.js"));
  const l = sizes(join(dist, "swap.js"));
  log(`✓ browser package built into dist/ (${seconds(t)} s): gzip: wasm ${w.gzip} B, index.js ${e.gzip} B, swap.js ${l.gzip} B; ${w.gzip + e.gzip + l.gzip} B in all`);
  return dist;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const only = process.argv[2];
    if (!only || only === "worker") await buildWorker();
    if (!only || only === "browser") await buildBrowser();
  } catch (e) {
    fail(e.message);
  }
}
