// A bounded load generator against the edge worker on a local workerd.
// Traffic goes to 127.0.0.1 only, stops after --seconds or --max requests.
//
//   node scripts/load.mjs [--concurrency 1,50,200] [--seconds 5] [--max 20000]
//
// It starts its own workerd (fresh state), creates a site with a large pool
// and high limits, and prints requests/s and p50/p99 latency for /healthz
// (the ceiling), new sessions (each leases a number) and heartbeats, all to
// one site, i.e. one Durable Object. Client and server share this machine.
import { randomBytes } from "node:crypto";
import { startWorker } from "../tests/support/workerd.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const levels = String(args.concurrency ?? "1,50,200").split(",").map(Number);
const seconds = Number(args.seconds ?? 5);
const maxRequests = Number(args.max ?? 20000);
const ADMIN_KEY = randomBytes(16).toString("hex");

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] : 0;
}

/** Runs `op` from `concurrency` loops until the time or request budget is spent. */
async function run(concurrency, op) {
  const lat = [];
  let errors = 0;
  let issued = 0;
  const end = Date.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end && issued < maxRequests) {
        issued++;
        const t = performance.now();
        try {
          const ok = await op();
          if (!ok) errors++;
        } catch {
          errors++;
        }
        lat.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { rps: lat.length / elapsed, p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length, errors };
}

const w = await startWorker({ vars: { ADMIN_KEY } });
try {
  const pool = Array.from({ length: 5000 }, (_, i) => `+7499${String(1000000 + i).padStart(7, "0")}`);
  const put = await fetch(`${w.url}/v1/sites/load`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      origins: ["http://load.test"],
      region: "RU",
      targets: [{ number: "+74951234567", pool, fallback: "+74990009999" }],
      cooldown_secs: 0,
      limits: { sessions_per_client_per_minute: 1_000_000, sessions_per_site_per_minute: 1_000_000 },
    }),
  });
  if (!put.ok) throw new Error(`site: ${put.status} ${await put.text()}`);
  const healthz = async () => (await fetch(`${w.url}/healthz`)).ok;
  const ids = [];
  const lease = async () => {
    const id = randomBytes(16).toString("hex");
    const r = await fetch(`${w.url}/v1/sites/load/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: id, url: "http://load.test/?gclid=x" }),
    });
    await r.arrayBuffer();
    if (r.status === 201) {
      ids.push(id);
      // Keep the pool from running dry: release every other new session.
      if (ids.length % 2 === 0) {
        const old = ids.shift();
        await (await fetch(`${w.url}/v1/sites/load/sessions/${old}/release`, { method: "POST" })).arrayBuffer();
      }
    }
    return r.status === 201;
  };
  let k = 0;
  const heartbeat = async () => {
    const id = ids[k++ % ids.length];
    const r = await fetch(`${w.url}/v1/sites/load/sessions/${id}/heartbeat`, { method: "POST" });
    await r.arrayBuffer();
    return r.ok;
  };
  const rows = [];
  for (const c of levels) {
    for (const [name, op] of [["healthz (ceiling)", healthz], ["new session (lease; every 2nd also releases)", lease], ["heartbeat", heartbeat]]) {
      process.stderr.write(`load: ${name} at ${c} clients ...\n`);
      const r = await run(c, op);
      rows.push({ name, c, ...r });
    }
  }
  console.log(`\none site (one Durable Object), ${seconds} s per row, at most ${maxRequests} requests`);
  console.log("| request | clients | requests/s | p50 ms | p99 ms | requests | errors |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.c} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.n} | ${r.errors} |`);
  }
} finally {
  await w.stop();
}
