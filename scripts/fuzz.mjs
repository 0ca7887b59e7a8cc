// npm run fuzz [-- SECONDS]: the fuzz targets of fuzz/ (cargo fuzz, libFuzzer).
// Without SECONDS (as npm test runs them): a fixed number of inputs per target from a
// fixed seed, the same inputs on every machine, about 10 to 20 s each here, so that a
// run that passed once passes again. With SECONDS: each target for that long, from a
// new seed, to look further. It runs on the machine's own (stable) toolchain: libFuzzer's
// coverage instrumentation without a sanitizer (`-s none`; the code fuzzed has no
// unsafe code), and installs cargo-fuzz once into the cache. A crash fails the run and
// leaves its input in fuzz/artifacts/<target>/; `cargo fuzz run -s none <target> <that
// file>` replays it.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureCargoTool, fail, log, root, runLive } from "./lib.mjs";

const secs = process.argv[2] === undefined ? null : Number(process.argv[2]);
if (secs !== null && !(Number.isFinite(secs) && secs > 0)) fail("usage: npm run fuzz [-- SECONDS]");
// Inputs per target in the fixed run (the scanner is the slowest per input).
const RUNS = { numbers: 3_000_000, scan: 500_000, site_spec: 1_500_000, spend: 1_000_000, visit: 1_500_000 };
const cargoFuzz = ensureCargoTool("cargo-fuzz", "0.13.2", "cargo-fuzz");
const dir = join(root, "fuzz");
const targets = readdirSync(join(dir, "fuzz_targets"))
  .filter((f) => f.endsWith(".rs") && f !== "regions.rs")
  .map((f) => f.slice(0, -3))
  .sort();
// One target dir beside the project's (the instrumented build differs from the plain one).
const common = ["fuzz"];
const targetDir = ["--target-dir", join(root, "target", "fuzz")];
const env = { ...process.env, PATH: `${join(cargoFuzz, "..")}:${process.env.PATH}` };
const build = ["-s", "none", "-O", ...targetDir];
let code = runLive("cargo", [...common, "build", ...build], { cwd: dir, env });
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
  code = runLive("cargo", [...common, "run", ...build, t, corpus, join(dir, "seeds", t),
    "--", ...bound, "-max_len=4096", "-rss_limit_mb=2048"], { cwd: dir, env });
  if (code !== 0) failed.push(t);
}
if (failed.length) fail(`fuzz targets that crashed: ${failed.join(", ")} (inputs in fuzz/artifacts/)`);
log(`fuzz: ${targets.length} targets, no crash`);
