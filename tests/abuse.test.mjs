// What stops one client from holding a pool, on a real workerd with real
// Durable Object storage: the live-lease cap per client (an IPv4 address,
// an IPv6 /64), counted for new sessions, resumes and heartbeats alike, and
// kept across a restart of the runtime.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, sessionId, siteSpec } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

// The rate limit on new sessions is raised far out of the way: the cap alone must hold.
const LOOSE = { sessions_per_client_per_minute: 100000, sessions_per_site_per_minute: 100000 };
const from = (address) => ({ "x-real-ip": address });
const dynamic = (replies) => replies.filter((r) => r.body.numbers?.[0]?.kind === "dynamic");

test("one address holds at most a tenth of a pool of 50, however many sessions, resumes and heartbeats it sends", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY } });
  try {
    await createSite(w, "drain", siteSpec({ pool: 50, limits: LOOSE }));
    const attacker = from("203.0.113.66");
    const ids = Array.from({ length: 120 }, () => sessionId());
    const first = await Promise.all(ids.map((id) => newSession(w, "drain", { session_id: id }, attacker)));
    assert.ok(first.every((r) => r.status === 201), `statuses: ${[...new Set(first.map((r) => r.status))]}`);
    assert.equal(dynamic(first).length, 5, "the default cap of a pool of 50 is 5");
    // Past the cap: the fallback, never another pool number.
    assert.ok(first.filter((r) => r.body.numbers[0].kind !== "dynamic").every((r) => r.body.numbers[0].number === "+74990009999"));
    // Resuming every session (a page load with the same id) and a heartbeat
    // of each take nothing more.
    const resumed = await Promise.all(ids.map((id) => newSession(w, "drain", { session_id: id }, attacker)));
    assert.equal(dynamic(resumed).length, 5);
    const beats = await Promise.all(ids.map((id) => call(w, "POST", `/v1/sites/drain/sessions/${id}/heartbeat`, { body: {}, headers: attacker })));
    assert.ok(beats.every((r) => r.status === 200));
    assert.equal(dynamic(beats).length, 5);
    const pools = await call(w, "GET", "/v1/sites/drain/pools", { key: ADMIN_KEY });
    assert.equal(pools.body.pools[0].leased, 5, JSON.stringify(pools.body.pools[0]));
    // Real visitors, each from an address of its own, are leased numbers.
    const real = await Promise.all(Array.from({ length: 40 }, (_, i) => newSession(w, "drain", {}, from(`198.51.100.${i + 1}`))));
    assert.equal(dynamic(real).length, 40);
  } finally {
    await w.stop();
  }
});

test("an IPv6 client is its /64: rotating its addresses gains nothing, the next /64 is another client", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY } });
  try {
    await createSite(w, "six", siteSpec({ pool: 50, limits: LOOSE }));
    const rotating = await Promise.all(
      Array.from({ length: 100 }, (_, i) => newSession(w, "six", {}, from(`2001:db8:aa:bb:${((i * 7919) % 65536).toString(16)}::${(i + 1).toString(16)}`))),
    );
    assert.equal(dynamic(rotating).length, 5);
    const mapped = await newSession(w, "six", {}, from("::ffff:203.0.113.5"));
    assert.equal(mapped.body.numbers[0].kind, "dynamic");
    const neighbour = await newSession(w, "six", {}, from("2001:db8:aa:bc::1"));
    assert.equal(neighbour.body.numbers[0].kind, "dynamic", "another /64 is another client");
  } finally {
    await w.stop();
  }
});

test("the cap written in the site's limits holds, and holds after the runtime restarts", async () => {
  const dir = mkdtempSync(join(tmpdir(), "calltrack-abuse-"));
  let w = await startWorker({ vars: { ADMIN_KEY }, persistTo: dir });
  try {
    await createSite(w, "kept", siteSpec({ pool: 20, limits: { ...LOOSE, live_leases_per_client: 2 } }));
    const me = from("203.0.113.77");
    const before = await Promise.all(Array.from({ length: 6 }, () => newSession(w, "kept", {}, me)));
    assert.equal(dynamic(before).length, 2);
    await w.stop("SIGKILL");
    w = await startWorker({ vars: { ADMIN_KEY }, persistTo: dir });
    // Loaded again from storage, the object still counts the two held numbers.
    const after = await Promise.all(Array.from({ length: 6 }, () => newSession(w, "kept", {}, me)));
    assert.equal(dynamic(after).length, 0);
    const config = await call(w, "GET", "/v1/sites/kept", { key: ADMIN_KEY });
    assert.equal(config.body.limits.live_leases_per_client, 2);
    const zero = await call(w, "PUT", "/v1/sites/kept", {
      key: ADMIN_KEY,
      body: siteSpec({ pool: 20, limits: { ...LOOSE, live_leases_per_client: 0 } }),
    });
    assert.equal(zero.status, 422);
    assert.match(JSON.stringify(zero.body), /live_leases_per_client/);
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every file under `dir`, with its size. */
function files(dir) {
  const out = new Map();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const p = join(e.parentPath ?? e.path, e.name);
      out.set(p, statSync(p).size);
    }
  }
  return out;
}

test("requests naming sites that do not exist write nothing", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY } });
  try {
    await createSite(w, "real", siteSpec());
    const before = files(w.state);
    const names = Array.from({ length: 60 }, (_, i) => `ghost-${i}`);
    const replies = await Promise.all(names.flatMap((s) => [
      newSession(w, s, {}, from("203.0.113.1")),
      call(w, "GET", `/v1/sites/${s}/public`, { template: null }),
      call(w, "POST", `/v1/sites/${s}/leads`, { body: { phone: "+79161112233" }, template: null }),
      call(w, "POST", `/v1/sites/${s}/sessions/${sessionId()}/heartbeat`, { body: {}, template: null }),
      call(w, "GET", `/v1/sites/${s}/calls`, { key: "not-a-key-of-any-site", template: null }),
      call(w, "POST", `/v1/sites/${s}/twilio/voice`, { raw: "To=%2B74990000001", headers: { "content-type": "application/x-www-form-urlencoded" }, template: null }),
    ]));
    assert.ok(replies.every((r) => [401, 403, 404].includes(r.status)), `statuses: ${[...new Set(replies.map((r) => r.status))]}`);
    // The runtime opens an object's database when the object starts (an
    // empty file of one page); nothing is written into it: no table, no
    // write-ahead log. (The site object's own database holds its tables.)
    const after = files(w.state);
    const added = [...after].filter(([f]) => !before.has(f));
    assert.ok(added.length > 0, "the ghosts' objects were started");
    const written = added.filter(([f, size]) => (f.endsWith(".sqlite") && size > 4096) || (f.endsWith(".sqlite-wal") && size > 0));
    assert.deepEqual(written.map(([f, size]) => `${f}: ${size}`), []);
  } finally {
    await w.stop();
  }
});

test("a key issued for a day stops working after it", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  try {
    await createSite(w, "brief", siteSpec());
    const k = await call(w, "POST", "/v1/sites/brief/keys", { body: { scope: "admin", expires_in_days: 1 }, key: ADMIN_KEY, template: "/v1/sites/{site}/keys" });
    assert.equal((await call(w, "GET", "/v1/sites/brief", { key: k.body.key, template: "/v1/sites/{site}" })).status, 200);
    const moved = await call(w, "POST", "/v1/sites/brief/_test/clock", { body: { advance_ms: 25 * 3_600_000 }, key: ADMIN_KEY, template: null });
    assert.equal(moved.status, 200);
    assert.equal((await call(w, "GET", "/v1/sites/brief", { key: k.body.key, template: "/v1/sites/{site}" })).status, 401);
    const list = await call(w, "GET", "/v1/sites/brief/keys", { key: ADMIN_KEY, template: "/v1/sites/{site}/keys" });
    assert.equal(list.body.keys[0].expired, true);
  } finally {
    await w.stop();
  }
});
