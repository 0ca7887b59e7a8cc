// npm run fuzz [-- SECONDS]: the fuzz targets of fuzz/ (cargo fuzz, libFuzzer).
// Without SECONDS (as npm test runs them): a fixed number of inputs per target from a
// fixed seed, the same inputs on every machine, about 10 to 20 s each here, so that a
// run that passed once passes again. With SECONDS: each target for that long, from a
// new seed, to look further. It needs a nightly Rust toolchain (libFuzzer's
// instrumentation) and installs cargo-fuzz once into the cache. A crash fails the run
// and leaves its input in fuzz/artifacts/<target>/; `cargo +nightly fuzz run <target>
// <that file>` replays it.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureCargoTool, fail, have, log, root, runLive } from "./lib.mjs";

const secs = process.argv[2] === undefined ? null : Number(process.argv[2]);
if (secs !== null && !(Number.isFinite(secs) && secs > 0)) fail("usage: npm run fuzz [-- SECONDS]");
// Inputs per target in the fixed run (the scanner is the slowest per input).
const RUNS = { numbers: 1_000_000, scan: 150_000, site_spec: 400_000, spend: 250_000, visit: 400_000 };
const toolchains = have("rustup", ["toolchain", "list"]) || "";
if (!/^nightly/m.test(toolchains)) {
  fail("the fuzz targets need a nightly Rust toolchain (libFuzzer's instrumentation): `rustup toolchain install nightly`");
}
const cargoFuzz = ensureCargoTool("cargo-fuzz", "0.13.2", "cargo-fuzz");
const dir = join(root, "fuzz");
const targets = readdirSync(join(dir, "fuzz_targets"))
  .filter((f) => f.endsWith(".rs") && f !== "regions.rs")
  .map((f) => f.slice(0, -3))
  .sort();
// One target dir beside the project's (the instrumented build differs from the plain one).
const common = ["+nightly", "fuzz"];
const targetDir = ["--target-dir", join(root, "target", "fuzz")];
const env = { ...process.env, PATH: `${join(cargoFuzz, "..")}:${process.env.PATH}` };
let code = runLive("cargo", [...common, "build", "-O", ...targetDir], { cwd: dir, env });
if (code !== 0) fail("the fuzz targets did not build");
let failed = [];
for (const t of targets) {
  // The seeds committed in fuzz/seeds/<target>; what the run finds goes to a scratch corpus.
  const corpus = join(root, "target", "fuzz", "corpus", t);
  const bound = secs === null
    ? [`-runs=${RUNS[t] ?? 200_000}`, "-seed=1", "-max_total_time=300"]
    : [`-max_total_time=${secs}`];
  log(`• fuzzing ${t}: ${secs === null ? `${RUNS[t] ?? 200_000} inputs from seed 1` : `${secs} s`}`);
  // A fresh scratch corpus for the fixed run, so that it starts from the seeds alone.
  if (secs === null) rmSync(corpus, { recursive: true, force: true });
  mkdirSync(corpus, { recursive: true });
  code = runLive("cargo", [...common, "run", "-O", ...targetDir, t, corpus, join(dir, "seeds", t),
    "--", ...bound, "-max_len=4096", "-rss_limit_mb=2048"], { cwd: dir, env });
  if (code !== 0) failed.push(t);
}
if (failed.length) fail(`fuzz targets that crashed: ${failed.join(", ")} (inputs in fuzz/artifacts/)`);
log(`fuzz: ${targets.length} targets, no crash`);
