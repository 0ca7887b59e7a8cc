// npm run bench: the benchmarks, each printing a comparison with a baseline
// measured in the same run. They never fail on time.
import { ensureRustTargets, fail, log, runLive } from "./lib.mjs";

ensureRustTargets([]);
log("pool-core: lease, renew, expiry at 1k / 100k / 1M numbers vs a naive pool");
if (runLive("cargo", ["bench", "-q", "-p", "pool-core", "--bench", "pool"]) !== 0) fail("the pool benchmark failed.");
log("\nswap-wasm: scanning a 100 KB page vs the regex approach");
if (runLive("cargo", ["bench", "-q", "-p", "swap-wasm", "--bench", "scan"]) !== 0) fail("the scan benchmark failed.");

log("\npool-core: pool sizing by simulation (reference profile)");
if (runLive("cargo", ["run", "--release", "-q", "-p", "pool-core", "--example", "sizing"]) !== 0) fail("the sizing simulation failed.");

log("\nedge-worker: one site's Durable Object under load (starts its own workerd)");
const { buildWorker } = await import("./build.mjs");
await buildWorker();
if (runLive(process.execPath, ["scripts/load.mjs", "--concurrency", "1,50,200", "--seconds", "5"]) !== 0) fail("the load benchmark failed.");
