// The baselines the edge is measured against, services a team would write
// instead, with the same routes and bodies as the edge's leasing API and the
// same pool, so the load generator drives all alike. `npm run bench` only.
//
// - startBaseline: Node.js leasing from Redis with a Lua script (the usual
//   do-it-yourself design), Redis's append-only file fsynced on every write.
// - startFileBaseline: plain Node.js, the pool in memory, every change
//   appended to a file and fsynced with group commit (the writes that arrive
//   while one fsync runs share the next), no reply before its write is on
//   disk: the edge's durability promise at its simplest.
//
// - startFloor: the runtime's floor, not a service: a Worker and a Durable
//   Object in plain JavaScript on the same workerd, the object answering at
//   once (`/v1/sites/load/public`) or after one SQLite insert (every other
//   POST), so the edge's figures can be read against what workerd itself
//   does on this machine.
//
//   start...({ numbers, fixationSecs }) -> { url, stop() }
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { freePort } from "../tests/support/workerd.mjs";
import { workerdBin } from "./workerd.mjs";

// KEYS: free list, lease hash (session -> number), expiry zset (session -> ms)
// ARGV: session, now ms, fixation ms. Expired leases go back to the free list first.
const LEASE = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[2])
for _, s in ipairs(expired) do
  local n = redis.call('HGET', KEYS[2], s)
  if n then redis.call('RPUSH', KEYS[1], n) end
  redis.call('HDEL', KEYS[2], s)
  redis.call('ZREM', KEYS[3], s)
end
local n = redis.call('HGET', KEYS[2], ARGV[1])
if not n then
  n = redis.call('LPOP', KEYS[1])
  if not n then return false end
  redis.call('HSET', KEYS[2], ARGV[1], n)
end
redis.call('ZADD', KEYS[3], ARGV[2] + ARGV[3], ARGV[1])
return n
`;
const RELEASE = `
local n = redis.call('HGET', KEYS[2], ARGV[1])
if not n then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('RPUSH', KEYS[1], n)
return 1
`;

export async function startBaseline({ redisServer, numbers, fixationSecs = 1800 }) {
  const dir = mkdtempSync(join(tmpdir(), "calltrack-redis-"));
  const redisPort = await freePort();
  // Durable like the edge: every write appended and fsynced before the reply.
  const redis = spawn(redisServer, ["--port", String(redisPort), "--bind", "127.0.0.1", "--dir", dir,
    "--appendonly", "yes", "--appendfsync", "always", "--save", ""], { stdio: "ignore" });
  const client = createClient({ url: `redis://127.0.0.1:${redisPort}` });
  client.on("error", () => {});
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      break;
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const keys = ["free", "leases", "expiry"];
  await client.del(keys);
  for (let i = 0; i < numbers.length; i += 1000) await client.rPush("free", numbers.slice(i, i + 1000));
  const lease = await client.scriptLoad(LEASE);
  const release = await client.scriptLoad(RELEASE);
  const fix = String(fixationSecs * 1000);
  return serve({
    lease: async (id, now) => (await client.evalSha(lease, { keys, arguments: [id, String(now), fix] })) ?? null,
    release: (id) => client.evalSha(release, { keys, arguments: [id] }),
    async stop() {
      await client.quit().catch(() => {});
      redis.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** The plain Node.js service: memory, an append-only file, fsync with group commit. */
export async function startFileBaseline({ numbers, fixationSecs = 1800 }) {
  const dir = mkdtempSync(join(tmpdir(), "calltrack-file-"));
  const file = await open(join(dir, "leases.log"), "a");
  const free = [...numbers];
  const leases = new Map(); // session -> { number, until }
  let queue = [];
  let flushing = false;
  // One write and one fsync for everything queued; what arrives meanwhile waits for the next.
  async function flush() {
    flushing = true;
    while (queue.length) {
      const batch = queue;
      queue = [];
      try {
        await file.write(batch.map((b) => b.line).join(""));
        await file.datasync();
        for (const b of batch) b.resolve();
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    flushing = false;
  }
  const durable = (record) =>
    new Promise((resolve, reject) => {
      queue.push({ line: `${JSON.stringify(record)}\n`, resolve, reject });
      if (!flushing) flush();
    });
  const expire = (now) => {
    for (const [id, l] of leases) {
      if (l.until > now) continue;
      leases.delete(id);
      free.push(l.number);
    }
  };
  let sweep = 0;
  return serve({
    async lease(id, now) {
      if (now - sweep > 1000) (sweep = now), expire(now);
      let l = leases.get(id);
      if (!l) {
        const number = free.shift();
        if (!number) return null;
        l = { number, until: 0 };
        leases.set(id, l);
      }
      l.until = now + fixationSecs * 1000;
      await durable({ op: "lease", id, number: l.number, until: l.until });
      return l.number;
    },
    async release(id) {
      const l = leases.get(id);
      if (!l) return;
      leases.delete(id);
      free.push(l.number);
      await durable({ op: "release", id, number: l.number });
    },
    async stop() {
      await file.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** The leasing API's routes over `lease(id, now) -> number | null` and `release(id)`. */
async function serve({ lease, release, stop }) {
  const reply = (res, status, body) => {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json" }).end(text);
  };
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", async () => {
      try {
        const parts = new URL(req.url, "http://x").pathname.split("/").filter(Boolean);
        if (req.method === "GET" && parts[0] === "healthz") return reply(res, 200, { status: "ok" });
        if (req.method !== "POST" || parts[0] !== "v1" || parts[3] !== "sessions") return reply(res, 404, { error: "no such route" });
        const now = Date.now();
        if (parts.length === 4) {
          const body = JSON.parse(raw || "{}");
          if (!/^[0-9a-f]{32}$/.test(body.session_id ?? "")) return reply(res, 422, { error: "session_id" });
          const n = await lease(body.session_id, now);
          return reply(res, 201, { session_id: body.session_id, numbers: [{ number: n ?? "+74990009999", kind: n ? "dynamic" : "fallback" }] });
        }
        const [, , , , id, action] = parts;
        if (action === "heartbeat") {
          const n = await lease(id, now);
          return reply(res, 200, { session_id: id, numbers: [{ number: n, kind: "dynamic" }] });
        }
        if (action === "release") {
          await release(id);
          return reply(res, 204);
        }
        return reply(res, 404, { error: "no such route" });
      } catch (e) {
        reply(res, 500, { error: String(e.message) });
      }
    });
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.close();
      await stop();
    },
  };
}

const FLOOR_WORKER = `import { DurableObject } from "cloudflare:workers";
export class Floor extends DurableObject {
  constructor(state, env) {
    super(state, env);
    this.sql = state.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, at INTEGER)");
  }
  async fetch(req) {
    if (req.method === "POST") {
      const body = await req.text();
      this.sql.exec("INSERT OR REPLACE INTO t (id, at) VALUES (?, ?)", crypto.randomUUID(), Date.now());
      return new Response(JSON.stringify({ ok: true, n: body.length }), { status: req.url.endsWith("/sessions") ? 201 : 200, headers: { "content-type": "application/json" } });
    }
    return new Response('{"ok":true}', { headers: { "content-type": "application/json" } });
  }
}
export default {
  async fetch(req, env) {
    if (new URL(req.url).pathname === "/healthz") return new Response('{"status":"ok"}');
    return env.FLOOR.get(env.FLOOR.idFromName("load")).fetch(req);
  },
};
`;

/** The runtime's floor: a plain JavaScript Worker and Durable Object on workerd. */
export async function startFloor() {
  const dir = mkdtempSync(join(tmpdir(), "calltrack-floor-"));
  mkdirSync(join(dir, "state"));
  writeFileSync(join(dir, "worker.js"), FLOOR_WORKER);
  const port = await freePort();
  writeFileSync(join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w), (name = "state", disk = (path = "state", writable = true))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2026-04-20",
  bindings = [(name = "FLOOR", durableObjectNamespace = "Floor")],
  durableObjectNamespaces = [(className = "Floor", uniqueKey = "calltrack-floor", enableSql = true)],
  durableObjectStorage = (localDisk = "state"),
);
`);
  const child = spawn(workerdBin(), ["serve", "config.capnp", `--directory-path=state=${join(dir, "state")}`], { cwd: dir, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (i > 100) throw new Error("the floor's workerd did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
