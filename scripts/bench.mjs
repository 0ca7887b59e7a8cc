// npm run bench: the benchmarks, each printing a comparison with a baseline
// measured in the same run. They never fail on time. Not part of npm test.
import { randomBytes } from "node:crypto";
import { cpus, totalmem } from "node:os";
import { ensureChromium, ensureNodeModules, ensureRustTargets, fail, log, runLive } from "./lib.mjs";

ensureRustTargets(["wasm32-unknown-unknown"]);
ensureNodeModules();
log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);

log("\npool-core: lease, renew, expiry at 1k / 100k / 1M numbers vs a naive pool");
if (runLive("cargo", ["bench", "-q", "-p", "pool-core", "--bench", "pool"]) !== 0) fail("the pool benchmark failed.");
log("\nswap-wasm: scanning a 100 KB page vs the regex approach");
if (runLive("cargo", ["bench", "-q", "-p", "swap-wasm", "--bench", "scan"]) !== 0) fail("the scan benchmark failed.");

log("\npool-core: pool sizing by simulation (reference profile)");
if (runLive("cargo", ["run", "--release", "-q", "-p", "pool-core", "--example", "sizing"]) !== 0) fail("the sizing simulation failed.");

const { buildBrowser, buildWorker } = await import("./build.mjs");
await buildWorker();
await buildBrowser();

log("\nedge-worker: one site's Durable Object under load, next to Node.js + Redis (starts its own workerd and redis-server)");
if (runLive(process.execPath, ["scripts/load.mjs", "--concurrency", "1,50,200", "--seconds", "5"]) !== 0) fail("the load benchmark failed.");

log("\nedge-worker: the insertion mode's rewriter on a 5,000-element page vs lol_html alone, and its memory on a 10 MB page");
if (runLive("cargo", ["bench", "-q", "-p", "edge-worker", "--bench", "insert"]) !== 0) fail("the insertion rewriter benchmark failed.");
log("\nedge-worker: a page through the insertion mode vs straight from its origin (starts its own workerd)");
if (runLive(process.execPath, ["scripts/bench-insertion.mjs", "--requests", "200"]) !== 0) fail("the insertion benchmark failed.");

log("\nfaults, full size");
const { drain, drainScenarios, fuzz, killDuringLoad } = await import("../tests/support/faults.mjs");
const adminKey = randomBytes(16).toString("hex");
console.log("| SIGKILL during a lease load (50 clients, killed after 5 s) | acknowledged | found after restart | lost | held twice | leases left after the fixation |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const shards of [1, 4]) {
  const k = await killDuringLoad({ adminKey, concurrency: 50, killAfterMs: 5000, fixationSecs: 5, shards });
  console.log(`| ${shards === 1 ? "one object" : `${shards} shards`} | ${k.acknowledged} | ${k.found} | ${k.lost} | ${k.duplicates} | ${k.leased_after_fixation} |`);
}
const d = await drain({ adminKey, seconds: 10, poolSize: 300, visitors: 200 });
console.log("\n| pool draining: one client as fast as it can, 200 visitors over 10 s, pool of 300 | attacker requests | attacker leases | attacker refused (429) | visitors with a dynamic number |");
console.log("|---|---:|---:|---:|---:|");
console.log(`| | ${d.attacker.sent} | ${d.attacker.leased} | ${d.attacker.limited} | ${d.visitors_dynamic} of ${d.visitors} (${(d.share * 100).toFixed(0)}%) |`);
console.log("\n| the live-lease cap: an attacker as fast as it can for 10 s, 200 visitors from addresses of their own, pool of 50 (defaults: cap 5 per client, 20 new sessions a minute per client, 600 per site) | attacker requests | refused (429) | numbers the attacker held | visitors leased a number | visitors refused (429) |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of await drainScenarios({ adminKey })) {
  console.log(`| ${r.kind} | ${r.attacker.sent} | ${r.attacker.limited} | ${r.attacker.held} of ${r.pool} | ${r.dynamic} of ${r.visitors} | ${r.refused} |`);
}
const f = await fuzz({ adminKey, iterations: 2000, seed: 42 });
console.log("\n| fuzz: malformed bodies at 7 public and webhook endpoints | requests | answers by status | 5xx | refused requests that changed state |");
console.log("|---|---:|---|---:|---:|");
console.log(`| seed 42 | ${f.iterations} | ${Object.entries(f.byStatus).map(([s, n]) => `${s}: ${n}`).join(", ")} | ${f.fivexx.length} | ${f.changed.length} |`);
for (const x of [...f.fivexx, ...f.changed].slice(0, 10)) console.log(`  ${x}`);

log("\nbrowser: swap time, sizes, time to the tracking number (Chromium)");
process.env.CHROMIUM_PATH = ensureChromium();
if (runLive(process.execPath, ["scripts/bench-browser.mjs"]) !== 0) fail("the browser benchmark failed.");
