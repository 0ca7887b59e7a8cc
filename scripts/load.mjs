// A bounded load generator: the edge worker on a local workerd, next to the
// do-it-yourself baseline (Node.js + Redis with a Lua script), same pool and
// workloads, in the same run. Traffic goes to 127.0.0.1 only and stops after
// --seconds or --max requests per row.
//
//   node scripts/load.mjs [--concurrency 1,50,200] [--seconds 5] [--max 20000] [--no-redis]
//
// Workloads, all on one site (one Durable Object on the edge):
// - healthz: the ceiling (no object, no storage);
// - new session: each leases a number (every 2nd also releases an old one,
//   so the pool never runs dry);
// - heartbeat: renewals of live sessions;
// - mixed: what a site sees: 1 new session, 4 heartbeats, 1 release in 6.
// Client and server share this machine: ratios matter more than the figures.
import { randomBytes } from "node:crypto";
import { startWorker } from "../tests/support/workerd.mjs";
import { ensureRedis } from "./lib.mjs";
import { startBaseline } from "./redis-baseline.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1] ?? ""]] : acc), []),
);
const levels = String(args.concurrency ?? "1,50,200").split(",").map(Number);
const seconds = Number(args.seconds ?? 5);
const maxRequests = Number(args.max ?? 20000);
const withRedis = !("no-redis" in args);
const ADMIN_KEY = randomBytes(16).toString("hex");
const POOL = Array.from({ length: 5000 }, (_, i) => `+7499${String(1000000 + i).padStart(7, "0")}`);

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
          if (!(await op())) errors++;
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

/** The workloads against one service (the edge or the baseline). */
function workloads(base) {
  const api = `${base}/v1/sites/load`;
  const live = [];
  const post = async (path, body) => {
    const r = await fetch(`${api}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await r.arrayBuffer();
    return r.status;
  };
  const create = async () => {
    const id = randomBytes(16).toString("hex");
    const status = await post("/sessions", { session_id: id, url: "http://load.test/?gclid=x" });
    if (status === 201) live.push(id);
    return status === 201;
  };
  const release = async () => {
    const id = live.shift();
    return id ? (await post(`/sessions/${id}/release`)) === 204 : true;
  };
  let k = 0;
  const heartbeat = async () => {
    if (live.length === 0) return create();
    const id = live[k++ % live.length];
    return (await post(`/sessions/${id}/heartbeat`, {})) === 200;
  };
  let m = 0;
  return {
    healthz: async () => (await fetch(`${base}/healthz`).then(async (r) => (await r.arrayBuffer(), r.ok))),
    lease: async () => {
      const ok = await create();
      if (live.length % 2 === 0) await release();
      return ok;
    },
    heartbeat,
    mixed: async () => {
      const step = m++ % 6;
      if (step === 0) return create();
      if (step === 5) return release();
      return heartbeat();
    },
  };
}

const rows = [];
const edge = await startWorker({ vars: { ADMIN_KEY } });
const services = [];
try {
  const put = await fetch(`${edge.url}/v1/sites/load`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      origins: ["http://load.test"],
      region: "RU",
      targets: [{ number: "+74951234567", pool: POOL, fallback: "+74990009999" }],
      cooldown_secs: 0,
      limits: { sessions_per_client_per_minute: 1_000_000, sessions_per_site_per_minute: 1_000_000 },
    }),
  });
  if (!put.ok) throw new Error(`site: ${put.status} ${await put.text()}`);
  services.push(["edge (workerd, Durable Object, SQLite)", edge.url]);
  let baseline;
  if (withRedis) {
    baseline = await startBaseline({ redisServer: ensureRedis(), numbers: POOL });
    services.push(["baseline (Node.js + Redis, Lua, AOF fsync always)", baseline.url]);
  }
  try {
    for (const [service, url] of services) {
      const w = workloads(url);
      for (const c of levels) {
        for (const name of ["healthz", "lease", "heartbeat", "mixed"]) {
          process.stderr.write(`load: ${service.split(" ")[0]} ${name} at ${c} clients ...\n`);
          rows.push({ service, name, c, ...(await run(c, w[name])) });
        }
      }
    }
  } finally {
    await baseline?.stop();
  }
} finally {
  await edge.stop();
}

const label = {
  healthz: "healthz (the ceiling)",
  lease: "new session (lease; every 2nd releases one)",
  heartbeat: "heartbeat",
  mixed: "mixed (1 new : 4 heartbeats : 1 release)",
};
console.log(`\none site, ${seconds} s per row, at most ${maxRequests} requests per row`);
console.log("| service | request | clients | requests/s | p50 ms | p99 ms | requests | errors |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(`| ${r.service.split(" (")[0]} | ${label[r.name]} | ${r.c} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.n} | ${r.errors} |`);
}
const get = (service, name, c) => rows.find((r) => r.service.startsWith(service) && r.name === name && r.c === c);
console.log("\n| clients | edge lease / edge ceiling | edge lease / baseline lease | edge mixed / baseline mixed |");
console.log("|---:|---:|---:|---:|");
for (const c of levels) {
  const e = get("edge", "lease", c);
  const h = get("edge", "healthz", c);
  const b = get("baseline", "lease", c);
  const em = get("edge", "mixed", c);
  const bm = get("baseline", "mixed", c);
  const ratio = (x, y) => (x && y && y.rps ? `${(x.rps / y.rps).toFixed(2)}x` : "n/a");
  console.log(`| ${c} | ${ratio(e, h)} | ${ratio(e, b)} | ${ratio(em, bm)} |`);
}
