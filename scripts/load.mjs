// A bounded load generator: the edge worker on a local workerd (run directly,
// and through `wrangler dev`), next to the services a team would write
// instead (Node.js + Redis with a Lua script; plain Node.js appending to a
// file with group-commit fsync), same pool and workloads, in the same run.
// Traffic goes to 127.0.0.1 only and stops after --seconds or --max requests
// per row.
//
//   node scripts/load.mjs [--concurrency 1,50,200] [--seconds 5] [--max 20000]
//                         [--services workerd,workerd4,wrangler,redis,file,floor]
//
// Workloads, all on one site (one Durable Object on the edge):
// - healthz: the ceiling (no object, no storage);
// - site config: the page's public config (the object, no storage write);
// - new session: each leases a number (every 2nd also releases an old one,
//   so the pool never runs dry);
// - heartbeat: renewals of live sessions;
// - mixed: what a site sees: 1 new session, 4 heartbeats, 1 release in 6.
// Client and server share this machine: ratios matter more than the figures.
import { randomBytes } from "node:crypto";
import { startWorker } from "../tests/support/workerd.mjs";
import { ensureRedis } from "./lib.mjs";
import { startBaseline, startFileBaseline, startFloor } from "./baselines.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1] ?? ""]] : acc), []),
);
const levels = String(args.concurrency ?? "1,50,200").split(",").map(Number);
const seconds = Number(args.seconds ?? 5);
const maxRequests = Number(args.max ?? 20000);
const wanted = String(args.services ?? "workerd,workerd4,wrangler,redis,file,floor").split(",");
const ADMIN_KEY = randomBytes(16).toString("hex");
const POOL = Array.from({ length: 5000 }, (_, i) => `+7499${String(1000000 + i).padStart(7, "0")}`);

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] : 0;
}

/**
 * Runs `op` from `concurrency` loops until the time or request budget is
 * spent, after half a second of the same load that is not counted (a warm
 * runtime and JIT, for every service alike).
 */
async function run(concurrency, op) {
  const lat = [];
  let errors = 0;
  let issued = 0;
  const warm = Date.now() + 500;
  const end = warm + seconds * 1000;
  let t0 = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end && issued < maxRequests) {
        const counted = Date.now() >= warm;
        if (counted) {
          issued++;
          t0 ||= performance.now();
        }
        const t = performance.now();
        let ok = false;
        try {
          ok = await op();
        } catch {}
        if (!counted) continue;
        if (!ok) errors++;
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
    config: async () => (await fetch(`${api}/public`).then(async (r) => (await r.arrayBuffer(), r.ok))),
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

const SITE = {
  origins: ["http://load.test"],
  region: "RU",
  targets: [{ number: "+74951234567", pool: POOL, fallback: "+74990009999" }],
  cooldown_secs: 0,
  limits: { sessions_per_client_per_minute: 1_000_000, sessions_per_site_per_minute: 1_000_000 },
};

/** Each service in turn, started for its rows and stopped after them. */
const SERVICES = [
  ["workerd", "edge, workerd (npm start, self-hosting)", () => edge("workerd")],
  ["workerd4", "edge, workerd, the site in 4 shards", () => edge("workerd", 4)],
  ["wrangler", "edge, wrangler dev", () => edge("wrangler")],
  ["redis", "Node.js + Redis (Lua, AOF fsync always)", () => startBaseline({ redisServer: ensureRedis(), numbers: POOL })],
  ["file", "Node.js + file (fsync, group commit)", () => startFileBaseline({ numbers: POOL })],
  ["floor", "workerd's floor: a JS Durable Object (answers; one insert per POST)", () => startFloor()],
];

async function edge(via, shards = 1) {
  const w = await startWorker({ vars: { ADMIN_KEY }, via });
  const put = await fetch(`${w.url}/v1/sites/load`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ ...SITE, shards }),
  });
  if (!put.ok) throw new Error(`site: ${put.status} ${await put.text()}`);
  return w;
}

const rows = [];
for (const [key, service, start] of SERVICES) {
  if (!wanted.includes(key)) continue;
  const s = await start();
  try {
    const w = workloads(s.url);
    const names = {
      redis: ["healthz", "lease", "heartbeat", "mixed"],
      file: ["healthz", "lease", "heartbeat", "mixed"],
      floor: ["healthz", "config", "lease"],
    }[key] ?? ["healthz", "config", "lease", "heartbeat", "mixed"];
    for (const c of levels) {
      for (const name of names) {
        process.stderr.write(`load: ${key} ${name} at ${c} clients ...\n`);
        rows.push({ key, service, name, c, ...(await run(c, w[name])) });
      }
    }
  } finally {
    await s.stop();
  }
}

const label = {
  healthz: "healthz (the ceiling)",
  config: "site config (the object, no write)",
  lease: "new session (lease; every 2nd releases one)",
  heartbeat: "heartbeat",
  mixed: "mixed (1 new : 4 heartbeats : 1 release)",
};
console.log(`\none site, ${seconds} s per row, at most ${maxRequests} requests per row`);
console.log("| service | request | clients | requests/s | p50 ms | p99 ms | requests | errors |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(`| ${r.service} | ${label[r.name]} | ${r.c} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.n} | ${r.errors} |`);
}
const get = (key, name, c) => rows.find((r) => r.key === key && r.name === name && r.c === c);
const ratio = (x, y) => (x && y && y.rps ? `${(x.rps / y.rps).toFixed(2)}x` : "n/a");
console.log("\nRatios of requests/s, same run (the goals: lease and heartbeat >= 1x Redis and >= 0.5x file; p99 of a lease < 50 ms at 50 clients; the floor: workerd's own JS object, one insert per POST):");
console.log("| edge | clients | lease / ceiling | lease / Redis | lease / file | lease / floor | heartbeat / Redis | heartbeat / file | lease p99 ms | floor p99 ms |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const via of ["workerd", "workerd4", "wrangler"]) {
  for (const c of levels) {
    const e = get(via, "lease", c);
    if (!e) continue;
    const hb = get(via, "heartbeat", c);
    const floor = get("floor", "lease", c);
    console.log(`| ${via} | ${c} | ${ratio(e, get(via, "healthz", c))} | ${ratio(e, get("redis", "lease", c))} | ${ratio(e, get("file", "lease", c))} | ${ratio(e, floor)} | ${ratio(hb, get("redis", "heartbeat", c))} | ${ratio(hb, get("file", "heartbeat", c))} | ${e.p99.toFixed(1)} | ${floor ? floor.p99.toFixed(1) : "n/a"} |`);
  }
}
