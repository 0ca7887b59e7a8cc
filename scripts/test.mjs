// npm test: every test of the project, installing what it lacks first.
// Output stays short: one line per step; a failing step prints its output in full.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildBrowser, buildWorker } from "./build.mjs";
import { ensureChromium, ensureNodeModules, ensureRustTargets, log, root, runQuiet, seconds } from "./lib.mjs";

const totals = { passed: 0, failed: 0 };
const failures = [];

/** Sums the counts of cargo test and node --test output. */
function count(out) {
  let passed = 0, failed = 0;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  for (const m of out.matchAll(/^# pass (\d+)$/gm)) passed += Number(m[1]);
  for (const m of out.matchAll(/^# fail (\d+)$/gm)) failed += Number(m[1]);
  return { passed, failed };
}

async function step(name, cmd, args, opts = {}) {
  const t = Date.now();
  const r = await runQuiet(cmd, args, opts);
  const c = count(r.out);
  totals.passed += c.passed;
  totals.failed += c.failed;
  const tally = c.passed || c.failed ? ` — ${c.passed} passed, ${c.failed} failed` : "";
  if (r.code === 0) {
    log(`✓ ${name} (${seconds(t)} s)${tally}`);
    return true;
  }
  if (!c.failed) totals.failed += 1;
  failures.push(name);
  log(`✗ ${name} (${seconds(t)} s)${tally}\n----- output of: ${cmd} ${args.join(" ")}\n${r.out.trimEnd()}\n-----`);
  return false;
}

const start = Date.now();
log("npm test: checking the toolchain");
ensureRustTargets(["wasm32-unknown-unknown", "thumbv7em-none-eabihf"]);
ensureNodeModules();

const cargo = "cargo";
const wasm = ["--target", "wasm32-unknown-unknown"];
await step("cargo fmt --check", cargo, ["fmt", "--all", "--", "--check"]);
await step("clippy (native, all targets, all features)", cargo,
  ["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"]);
await step("clippy (wasm32)", cargo,
  ["clippy", "-p", "swap-wasm", "-p", "edge-worker", "--all-targets", ...wasm, "--", "-D", "warnings"]);
await step("clippy (wasm32, the worker's test build)", cargo,
  ["clippy", "-p", "edge-worker", "--features", "test-faults", ...wasm, "--", "-D", "warnings"]);
await step("clippy (pool-core for wasm32)", cargo,
  ["clippy", "-p", "pool-core", "--lib", "--features", "serde", ...wasm, "--", "-D", "warnings"]);
await step("Rust unit, property and doc tests", cargo, ["test", "--workspace", "--all-features"]);
await step("pool-core is no_std (thumbv7em-none-eabihf)", cargo,
  ["build", "-q", "-p", "pool-core", "--target", "thumbv7em-none-eabihf"]);
await step("pool-core is no_std with serde", cargo,
  ["build", "-q", "-p", "pool-core", "--features", "serde", "--target", "thumbv7em-none-eabihf"]);
await step("clippy (the page build of swap-wasm: no_std)", cargo,
  ["clippy", "-p", "swap-wasm", "--lib", "--features", "page", ...wasm, "--", "-D", "warnings"]);

await step("fuzz targets: numbers, the scan, site specs, visits, spend (libFuzzer, fixed inputs)", process.execPath,
  [join("scripts", "fuzz.mjs")]);

let built = true;
// The test build of the worker carries the fault switch (tests/atomic.test.mjs); npm start and
// npm run build never do.
for (const [name, build] of [["edge worker build", () => buildWorker({ faults: true })], ["browser package build", buildBrowser]]) {
  const t = Date.now();
  try {
    await build();
  } catch (e) {
    built = false;
    failures.push(name);
    totals.failed += 1;
    log(`✗ ${name} (${seconds(t)} s)\n${e.message}`);
  }
}
process.env.CHROMIUM_PATH = ensureChromium();
if (built) {
  // The runner comes with wasm-bindgen-cli (installed by the builds above) and finds chromedriver.
  await step("wasm tests in Chromium (wasm-bindgen-test)", cargo,
    ["test", "-p", "swap-wasm", "--target", "wasm32-unknown-unknown", "--test", "dom"]);
}

const testFiles = readdirSync(join(root, "tests")).filter((f) => f.endsWith(".test.mjs")).map((f) => join("tests", f));
if (built) {
  await step("integration tests: workerd and Chromium", process.execPath,
    ["--test", "--test-concurrency=1", "--test-reporter=tap", ...testFiles]);
  await step("the API contract, property-based: Schemathesis against workerd (fuzzing and stateful)", process.execPath,
    [join("scripts", "schemathesis.mjs")]);
} else {
  log("- integration tests skipped: a build failed");
}

// The worker the tests ran has the test build's switches (inert without
// TEST_FAULTS=on, but never to be deployed): gone, so that a deploy after
// the tests finds no worker until `npm run build` makes the deployable one.
rmSync(join(root, "edge-worker", "build"), { recursive: true, force: true });
log("- removed the test build from edge-worker/build (npm run build makes the deployable one)");
log(`\nnpm test finished in ${seconds(start)} s`);
if (failures.length) log(`failed steps: ${failures.join(", ")}`);
log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(failures.length ? 1 : 0);
