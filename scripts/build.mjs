// npm run build: the edge worker (worker-build) and, later, the browser package.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
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
  // The same worker on workerd itself (npm start, self-hosting): its config.
  const { writeWorkerdConfig } = await import("./workerd.mjs");
  writeWorkerdConfig();
  log(`✓ edge worker built with worker-build${faults ? " (test build: fault switch on)" : ""}, and its workerd config (${seconds(t)} s)`);
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
 * Replaces the glue's general loader (a path, a URL, a Request, bytes or a
 * module; deprecated call forms; a warning when the server's type stops
 * streaming) with what our loader uses: one `{ module_or_path }` holding
 * fetch()'s promise (checked by SRI), streamed, or read whole when the
 * server's type stops streaming; and the fallback for browsers without
 * TextEncoder.encodeInto (none the bundle targets). About 250 B gzip on every page. Fails the
 * build when the glue is not the one this was written for.
 */
function slimGlue(glue) {
  let js = readFileSync(glue, "utf8");
  const swap = (start, end, body) => {
    const i = js.indexOf(start);
    const j = js.indexOf(end, i);
    if (i < 0 || j < 0 || js.indexOf(start, i + 1) >= 0) {
      throw new Error(`slimming the wasm glue: ${start.trim()} is not where wasm-bindgen ${WASM_BINDGEN_VERSION} puts it`);
    }
    js = js.slice(0, i) + body + js.slice(j);
  };
  swap("async function __wbg_load(module, imports) {", "\nfunction initSync(", `async function __wbg_load(module, imports) {
    if (!module.ok) throw new Error(\`failed to fetch Wasm: \${module.status}\`);
    try {
        return await WebAssembly.instantiateStreaming(module, imports);
    } catch (e) {
        if (module.bodyUsed) throw e;
        return await WebAssembly.instantiate(await module.arrayBuffer(), imports);
    }
}
`);
  // Every browser the bundle targets (ES2020) has TextEncoder.encodeInto.
  swap("if (!('encodeInto' in cachedTextEncoder)) {", "\nlet WASM_VECTOR_LEN", "");
  swap("async function __wbg_init_once(module_or_path) {", "\nexport { initSync", `async function __wbg_init_once({ module_or_path }) {
    const { instance, module } = await __wbg_load(await module_or_path, __wbg_get_imports());
    return __wbg_finalize_init(instance, module);
}
`);
  writeFileSync(glue, js);
}

/** The dashboard's Content-Security-Policy: scripts, styles and requests of
 *  its own origin (uPlot sets styles inline), no frame may hold it. */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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
  const direct = new Map(); // module -> [short, name]: functions the wasm imports straight from a snippet
  for (const [module, name, short] of map.imports) {
    const now = linked.find((i) => i.name === short);
    const key = new RegExp(`(?<=[\\s{,])${esc(name)}(?=:)`, "g");
    const count = (js.match(key) || []).length;
    if (now && count === 0 && new RegExp(`["']${esc(module)}["']:\\s*import\\d+\\b`).test(js)) {
      direct.set(module, [...(direct.get(module) ?? []), [short, name]]);
    } else if (!now || count !== 1) {
      throw new Error(`minifying wasm names: import ${name} is not one key of the glue's imports`);
    } else {
      js = js.replace(key, JSON.stringify(short));
    }
    imported.set(module, now.module);
  }
  // A snippet module the wasm imports from directly: its functions join the import object
  // of the module the minifier merged it into, under their short names.
  for (const [module, pairs] of direct) {
    const into = [...imported].find(([m, short]) => short === imported.get(module) && !direct.has(m))?.[0];
    const own = new RegExp(`\\s*["']${esc(module)}["']:\\s*(import\\d+),?`);
    const ns = js.match(own)?.[1];
    const host = into && new RegExp(`(["']${esc(into)}["']:\\s*)(import\\d+)\\b`);
    if (!ns || !host || !host.test(js)) throw new Error(`minifying wasm names: cannot merge the imports of ${module}`);
    js = js.replace(new RegExp(own.source, "g"), ""); // one entry per imported function
    js = js.replace(host, (_, head, main) => `${head}{ ...${main}, ${pairs.map(([short, name]) => `${JSON.stringify(short)}: ${ns}.${name}`).join(", ")} }`);
    imported.delete(module);
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

/** The script tag for the versioned package, with its integrity hash. */
/**
 * The simple messages (no selectors) of `locales/<lang>/<file>` for every
 * language, `{ lang: { id: text } }`, `{ $x }` kept as `{$x}`: the page's
 * scripts take them so, without a Fluent runtime. A message this reading
 * cannot hold (a selector, a term, an attribute) stops the build.
 */
export function catalogs(file) {
  const out = {};
  for (const lang of readdirSync(join(root, "locales")).filter((d) => existsSync(join(root, "locales", d, file)))) {
    const words = {};
    let id = null;
    for (const line of readFileSync(join(root, "locales", lang, file), "utf8").split("\n")) {
      if (/^\s*(#.*)?$/.test(line)) continue;
      const m = line.match(/^([a-zA-Z][\w-]*)\s*=\s*(.*)$/);
      if (m) {
        id = m[1];
        words[id] = m[2];
      } else if (/^\s+\S/.test(line) && id) {
        words[id] += (words[id] ? " " : "") + line.trim();
      } else {
        throw new Error(`locales/${lang}/${file}: cannot read ${JSON.stringify(line)}`);
      }
      if (/[{][^}$]*[^}]*->|^-|^\s*\./.test(line)) throw new Error(`locales/${lang}/${file}: ${id} is more than a simple message`);
    }
    for (const k of Object.keys(words)) words[k] = words[k].replace(/\{\s*\$(\w+)\s*\}/g, "{$$$1}");
    out[lang] = words;
  }
  return out;
}

export function tagFor(version, hash, origin = "https://EDGE") {
  return `<script async src="${origin}/v/${version}/swap.js" integrity="${hash}" crossorigin="anonymous" data-site="YOUR-SITE" data-region="RU"></script>`;
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
  const wasm = join(process.env.CARGO_TARGET_DIR || join(root, "target"), "wasm32-unknown-unknown", "release", "swap_wasm.wasm");
  await step(wasmBindgen, ["--target", "web", "--no-typescript", "--out-dir", dist, "--out-name", "swap_wasm", wasm]);
  const bg = join(dist, "swap_wasm_bg.wasm");
  slimGlue(join(dist, "swap_wasm.js"));
  // Short names first, then the optimiser: it packs the module better with
  // them (about 140 B gzip less than the other way round, measured).
  minifyNames(bg, join(dist, "swap_wasm.js"));
  await step(join(root, "node_modules", ".bin", "wasm-opt"), [
    // --converge repeats -Oz until nothing shrinks; memory starts zeroed and
    // the first KB is unused (Rust puts its stack and data above 1 MB).
    // -O3 first, then -Oz: 70 B gzip less than -Oz alone on this module (measured).
    "-O3", "-Oz", "--converge", "--zero-filled-memory", "--low-memory-unused", "--strip-debug", "--strip-producers", "--strip-target-features",
    ...WASM_FEATURES, bg, "-o", bg,
  ]);
  // Subresource Integrity: both scripts carry the wasm's hash and fetch it checked.
  const integrity = (file) => `sha384-${createHash("sha384").update(readFileSync(file)).digest("base64")}`;
  const wasmIntegrity = integrity(bg);
  // The ESM entry bundled with the wasm-bindgen glue and the page walk (index.js), and the
  // script tag (swap.js): the same client, glue and walk in one classic script, so a page
  // loads one script and the wasm, in parallel with the lease request.
  const esbuild = join(root, "node_modules", ".bin", "esbuild");
  const js = join(root, "swap-wasm", "js");
  copyFileSync(join(js, "index.js"), join(dist, "entry.js"));
  writeFileSync(join(dist, "tag.js"), readFileSync(join(js, "swap.js"), "utf8").replace('from "./index.js"', 'from "./entry.js"'));
  // The call-back widget: its own file, loaded by the tag only where a site asks for it,
  // with its words from the catalogs (locales/*/callback.ftl) built in.
  await step(esbuild, [join(js, "callback.js"), "--minify", "--target=es2020", "--legal-comments=none",
    "--log-level=warning", `--define:CALLBACK_WORDS=${JSON.stringify(catalogs("callback.ftl"))}`,
    `--outfile=${join(dist, "callback.js")}`]);
  // The client's own members end in `_` (index.js): esbuild shortens them. No
  // name the wasm links by may end so, or the shortened glue would miss it.
  const linked = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(bg)))
    .concat(WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(bg))));
  const clash = linked.find((i) => /[A-Za-z0-9]_$/.test(i.name) || /[A-Za-z0-9]_$/.test(i.module ?? ""));
  if (clash) throw new Error(`the wasm links by a name ending in _ (${clash.name}), which --mangle-props would rename`);
  const common = ["--bundle", "--minify", "--mangle-props=[A-Za-z0-9]_$", "--target=es2020", "--legal-comments=none", "--log-level=warning",
    `--define:WASM_INTEGRITY=${JSON.stringify(wasmIntegrity)}`,
    `--define:CALLBACK_INTEGRITY=${JSON.stringify(integrity(join(dist, "callback.js")))}`];
  await step(esbuild, [join(dist, "entry.js"), ...common, "--format=esm", `--outfile=${join(dist, "index.js")}`]);
  // In the classic script the wasm's place comes from the tag (locate()), never from import.meta.
  await step(esbuild, [join(dist, "tag.js"), ...common, "--format=iife", "--define:import.meta.url=undefined",
    `--outfile=${join(dist, "swap.js")}`]);
  // The glue and its snippets (js/collect.js, the page walk) are bundled into both.
  for (const f of ["entry.js", "tag.js", "swap_wasm.js", "snippets"]) rmSync(join(dist, f), { recursive: true, force: true });
  copyFileSync(join(js, "index.d.ts"), join(dist, "index.d.ts"));
  // The edge serves the package twice: under a versioned path whose files never change
  // (cached for a year, immutable, and what the SRI tag names), and at the root as a
  // short-lived alias of the newest version.
  const version = `${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version}-${
    createHash("sha256").update(readFileSync(join(dist, "swap.js"))).update(readFileSync(bg)).digest("hex").slice(0, 10)}`;
  const pub = join(root, "edge-worker", "public");
  // Earlier versions stay (v/): pages that name them with their hash keep working.
  mkdirSync(pub, { recursive: true });
  for (const f of readdirSync(pub)) if (f !== "v") rmSync(join(pub, f), { recursive: true, force: true });
  mkdirSync(join(pub, "demo"), { recursive: true });
  mkdirSync(join(pub, "v", version), { recursive: true });
  for (const f of readdirSync(dist)) {
    copyFileSync(join(dist, f), join(pub, f));
    copyFileSync(join(dist, f), join(pub, "v", version, f));
  }
  writeFileSync(join(pub, "_headers"), [
    "# Written by npm run build. The versioned package never changes: cached for a year.",
    "/v/*",
    "  Cache-Control: public, max-age=31536000, immutable",
    "  Access-Control-Allow-Origin: *",
    "# The unversioned alias follows new releases: a few minutes.",
    "/swap.js",
    "  Cache-Control: public, max-age=300",
    "  Access-Control-Allow-Origin: *",
    "/index.js",
    "  Cache-Control: public, max-age=300",
    "  Access-Control-Allow-Origin: *",
    "/swap_wasm_bg.wasm",
    "  Cache-Control: public, max-age=300",
    "  Access-Control-Allow-Origin: *",
    "/callback.js",
    "  Cache-Control: public, max-age=300",
    "  Access-Control-Allow-Origin: *",
    "# The dashboard holds an admin key: its own scripts only, never in a frame.",
    "/dashboard/*",
    `  Content-Security-Policy: ${DASHBOARD_CSP}`,
    "  X-Frame-Options: DENY",
    "  Referrer-Policy: no-referrer",
    "  X-Content-Type-Options: nosniff",
    "",
  ].join("\n"));
  const tag = tagFor(version, integrity(join(dist, "swap.js")));
  // The demo pages preload the wasm with the page, checked against the same hash.
  const preload = `<link rel="preload" href="/swap_wasm_bg.wasm" as="fetch" type="application/wasm" crossorigin="anonymous" integrity="${wasmIntegrity}">`;
  for (const f of readdirSync(join(root, "examples", "demo")).filter((f) => f !== "panel.js")) {
    const text = readFileSync(join(root, "examples", "demo", f), "utf8");
    writeFileSync(join(pub, "demo", f), text.replace("<!--calltrack:preload-->", preload));
  }
  // The demo's panel, with its words from the catalogs (locales/*/demo.ftl) built in.
  await step(esbuild, [join(root, "examples", "demo", "panel.js"), "--format=esm", "--target=es2020", "--log-level=warning",
    `--define:DEMO_WORDS=${JSON.stringify(catalogs("demo.ftl"))}`, `--outfile=${join(pub, "demo", "panel.js")}`]);
  // The dashboard: its script (with uPlot) and styles bundled, no CDN.
  const dash = join(root, "edge-worker", "dashboard");
  mkdirSync(join(pub, "dashboard"), { recursive: true });
  await step(esbuild, [join(dash, "app.js"), "--bundle", "--format=esm", "--minify", "--target=es2020", "--loader:.ftl=text",
    "--legal-comments=none", "--log-level=warning", `--outfile=${join(pub, "dashboard", "app.js")}`]);
  await step(esbuild, [join(dash, "app.css"), "--bundle", "--minify", "--log-level=warning",
    `--outfile=${join(pub, "dashboard", "app.css")}`]);
  copyFileSync(join(dash, "index.html"), join(pub, "dashboard", "index.html"));
  const w = sizes(bg);
  const e = sizes(join(dist, "index.js"));
  const l = sizes(join(dist, "swap.js"));
  // The ceiling of what a script-tag page downloads (loader, glue and wasm): 40 KB gzip, read as 40 KiB.
  if (l.gzip + w.gzip > 40 * 1024) {
    throw new Error(`the script tag is ${l.gzip + w.gzip} B gzip (swap.js ${l.gzip} + wasm ${w.gzip}): over the 40 KiB ceiling`);
  }
  log(`✓ browser package built into dist/ (${seconds(t)} s): gzip: script tag ${l.gzip + w.gzip} B (swap.js ${l.gzip} B + wasm ${w.gzip} B); ESM index.js ${e.gzip} B`);
  log(`  the tag (versioned, with Subresource Integrity; EDGE is where the worker runs):\n  ${tag}`);
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
