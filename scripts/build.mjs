// npm run build: the edge worker (worker-build) and, later, the browser package.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  ensureCargoTool, ensureNodeModules, ensureRustTargets, env, fail, log, root, runQuiet, seconds,
  WASM_BINDGEN_VERSION, WORKER_BUILD_VERSION,
} from "./lib.mjs";

/** Builds edge-worker/build/index.js (+ wasm) with worker-build, offline. */
export async function buildWorker() {
  ensureRustTargets(["wasm32-unknown-unknown"]);
  ensureNodeModules();
  const wasmBindgen = ensureCargoTool("wasm-bindgen-cli", WASM_BINDGEN_VERSION, "wasm-bindgen");
  const workerBuild = ensureCargoTool("worker-build", WORKER_BUILD_VERSION, "worker-build");
  const t = Date.now();
  const r = await runQuiet(workerBuild, ["--release"], {
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
  log(`✓ edge worker built with worker-build (${seconds(t)} s)`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await buildWorker();
  } catch (e) {
    fail(e.message);
  }
}
