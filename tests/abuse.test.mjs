// What stops one client from holding a pool, on a real workerd with real
// Durable Object storage: the live-lease cap per client (an IPv4 address,
// an IPv6 /64), counted for new sessions, resumes and heartbeats alike, and
// kept across a restart of the runtime.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, sessionId, siteSpec, until } from "./support/api.mjs";
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
    // No key: no such site (404); a key: not a key of it (401), as for a site that exists.
    const expected = replies.map((_, i) => (i % 6 === 4 ? 401 : 404));
    assert.deepEqual(replies.map((r) => r.status), expected);
    assert.equal(replies[0].body.error.message, "no such site");
    // The directory of sites answers for them: no ghost's object is started,
    // so the runtime opens no database for it (workerd keeps a file for
    // every object it starts), and nothing else is written.
    const after = files(w.state);
    const added = [...after].filter(([f]) => !before.has(f));
    assert.deepEqual(added.map(([f, size]) => `${f}: ${size}`), []);
    // A key that is not the deployment's does not create a site either.
    const made = await call(w, "PUT", "/v1/sites/ghost-x", { body: siteSpec(), key: "not-the-deployment-key", template: null });
    assert.equal(made.status, 401);
    assert.deepEqual([...files(w.state)].filter(([f]) => !before.has(f)), []);
    // The deployment's key creates one, and the site is listed at once.
    await createSite(w, "ghost-made", siteSpec());
    assert.equal((await call(w, "GET", "/v1/sites/ghost-made/public", { template: null })).status, 200);
    // Deleted, it is unlisted: the name is a ghost again.
    assert.equal((await call(w, "DELETE", "/v1/sites/ghost-made", { key: ADMIN_KEY, template: null })).status, 204);
    assert.equal((await call(w, "GET", "/v1/sites/ghost-made/public", { template: null })).status, 404);
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

test("leads from browsers are limited per client and per site; a key's are not", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY } });
  try {
    await createSite(w, "forms", siteSpec({ limits: { ...LOOSE, leads_per_client_per_minute: 3, leads_per_site_per_minute: 5 } }));
    const lead = (headers, i, key) => call(w, "POST", "/v1/sites/forms/leads", { body: { phone: `+7916000${String(i).padStart(4, "0")}` }, headers, key, template: "/v1/sites/{site}/leads" });
    const one = await Promise.all([1, 2, 3, 4].map((i) => lead(from("203.0.113.10"), i)));
    assert.deepEqual(one.map((r) => r.status).sort(), [201, 201, 201, 429]);
    const refused = one.find((r) => r.status === 429);
    assert.equal(refused.body.error.code, "rate_limited");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    // Another client: within the site's five.
    assert.equal((await lead(from("203.0.113.11"), 5)).status, 201);
    assert.equal((await lead(from("203.0.113.11"), 6)).status, 201);
    assert.equal((await lead(from("203.0.113.12"), 7)).status, 429, "the site's five are taken");
    // A server key is not limited; nothing of the refused ones was stored.
    assert.equal((await lead({}, 8, ADMIN_KEY)).status, 201);
    const stored = await call(w, "GET", "/v1/sites/forms/leads", { key: ADMIN_KEY, template: "/v1/sites/{site}/leads" });
    assert.equal(stored.body.leads.length, 6);
  } finally {
    await w.stop();
  }
});

test("the demo's call button takes ten calls a minute from one client", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY, DEMO_SITES: "demo" } });
  try {
    await createSite(w, "demo", siteSpec());
    const s = await newSession(w, "demo", {}, from("203.0.113.90"));
    const press = () => call(w, "POST", "/v1/sites/demo/demo/call", { body: { session_id: s.body.session_id }, headers: from("203.0.113.90"), template: null });
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await press()).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(201));
    assert.deepEqual(statuses.slice(10), [429, 429]);
    const elsewhere = await call(w, "POST", "/v1/sites/demo/demo/call", { body: { session_id: s.body.session_id }, headers: from("203.0.113.91"), template: null });
    assert.equal(elsewhere.status, 201);
  } finally {
    await w.stop();
  }
});

test("the integrator's view of a pool: who holds which number until when, read only", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY } });
  try {
    await createSite(w, "view", siteSpec({ pool: 3, limits: LOOSE }));
    const a = await newSession(w, "view", {}, from("203.0.113.1"));
    const b = await newSession(w, "view", {}, from("203.0.113.2"));
    assert.equal((await call(w, "POST", `/v1/sites/view/sessions/${b.body.session_id}/release`, { template: null })).status, 204);
    const T = "/v1/sites/{site}/pools/{target}/leases";
    const r = await call(w, "GET", `/v1/sites/view/pools/${encodeURIComponent("+74951234567")}/leases`, { key: ADMIN_KEY, template: T });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const byState = {};
    for (const n of r.body.numbers) (byState[n.state] ??= []).push(n);
    assert.equal(byState.leased.length, 1);
    assert.equal(byState.leased[0].session_id, a.body.session_id);
    assert.equal(byState.leased[0].number, a.body.numbers[0].number);
    assert.equal(byState.leased[0].expires_at, a.body.numbers[0].expires_at);
    assert.equal(byState.cooling.length, 1);
    assert.equal(byState.cooling[0].number, b.body.numbers[0].number);
    assert.ok(byState.cooling[0].until > Date.now());
    assert.equal(byState.free.length, 1);
    // Reading changed nothing; a stranger's target is not found; no key, no view.
    const again = await call(w, "GET", `/v1/sites/view/pools/${encodeURIComponent("+74951234567")}/leases`, { key: ADMIN_KEY, template: T });
    assert.deepEqual(again.body, r.body);
    assert.equal((await call(w, "GET", "/v1/sites/view/pools/74990000000/leases", { key: ADMIN_KEY, template: T })).status, 404);
    assert.equal((await call(w, "GET", `/v1/sites/view/pools/${encodeURIComponent("+74951234567")}/leases`, { template: T })).status, 401);
  } finally {
    await w.stop();
  }
});

/** Every byte of the state folder's files, as one string (latin1: bytes as they are). */
function bytesOf(dir) {
  return [...files(dir).keys()].map((f) => readFileSync(f).toString("latin1")).join("\n");
}

test("integration secrets are sealed at rest with the deployment's key, opened with the old one after a rotation", async () => {
  const dir = mkdtempSync(join(tmpdir(), "calltrack-sealed-"));
  const k1 = randomBytes(32).toString("base64");
  const k2 = randomBytes(32).toString("base64");
  const TOKEN = `twilio-token-${randomBytes(8).toString("hex")}`;
  const HOOK = `hook-secret-${randomBytes(8).toString("hex")}`;
  let w = await startWorker({ vars: { ADMIN_KEY, SECRETS_KEY: k1 }, persistTo: dir });
  try {
    await createSite(w, "vault", siteSpec({ integrations: { twilio: { auth_token: TOKEN }, webhooks: [{ url: "http://127.0.0.1:9/h", secret: HOOK }] } }));
    await w.stop();
    // On disk: neither secret, in any page of the database or its log.
    const disk = bytesOf(dir);
    assert.ok(disk.includes("sealed:v1:"), "sealed values stored");
    assert.ok(!disk.includes(TOKEN) && !disk.includes(HOOK), "a secret in clear on disk");
    // Rotated: the new key seals, the old one still opens; the secrets work (Twilio's signature checks with the token).
    w = await startWorker({ vars: { ADMIN_KEY, SECRETS_KEY: k2, SECRETS_KEY_OLD: k1 }, persistTo: dir });
    const url = `${w.url}/v1/sites/vault/twilio/voice`;
    const params = { CallSid: "CA-SEALED", From: "+79160000001", To: "+74991000000", CallStatus: "ringing" };
    const { twilioSignature } = await import("./support/twilio.mjs");
    const voice = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSignature(TOKEN, url, params) }, body: new URLSearchParams(params).toString() });
    assert.equal(voice.status, 200, await voice.text());
    const got = await call(w, "GET", "/v1/sites/vault", { key: ADMIN_KEY, template: "/v1/sites/{site}" });
    assert.equal(got.body.integrations.twilio.auth_token, "(hidden)");
    // Without any key that opens them, the site says so, and nothing leaks.
    await w.stop();
    w = await startWorker({ vars: { ADMIN_KEY }, persistTo: dir });
    const locked = await call(w, "GET", "/v1/sites/vault", { key: ADMIN_KEY, template: null });
    assert.equal(locked.status, 500);
    assert.ok(!JSON.stringify(locked.body).includes(TOKEN));
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a resting number moves to another shard only once its rest is over: a late call from its last holder is never a new visitor's", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  try {
    const spec = siteSpec({ pool: 8, shards: 1, cooldown_secs: 600, limits: LOOSE });
    await createSite(w, "rest", spec);
    const admin = (path, opts = {}) => call(w, opts.method ?? "GET", `/v1/sites/rest${path}`, { key: ADMIN_KEY, template: null, ...opts });
    const clock = (ms) => admin("/_test/clock", { method: "POST", body: { advance_ms: ms } });
    // Eight visitors hold the eight numbers, and leave: every number rests for ten minutes.
    for (let i = 0; i < 8; i++) {
      const s = await newSession(w, "rest", {}, from(`198.51.100.${i + 1}`));
      assert.equal(s.body.numbers[0].kind, "dynamic");
      assert.equal((await call(w, "POST", `/v1/sites/rest/sessions/${s.body.session_id}/release`, { template: null })).status, 204);
    }
    const grown = await admin("", { method: "PUT", body: { ...spec, shards: 4 } });
    assert.equal(grown.status, 200, JSON.stringify(grown.body));
    assert.ok((await admin("/pools")).body.moving?.moving > 0);
    // A minute on (the coordinator looks for arrived numbers): none has, all still rest.
    await clock(61_000);
    await until(async () => (await admin("/pools")).body.pools[0].cooling === 8, "the numbers resting");
    // New visitors land in every shard: none is leased a resting number there.
    for (let i = 0; i < 8; i++) {
      const during = await newSession(w, "rest", {}, from(`203.0.113.${50 + i}`));
      assert.equal(during.body.numbers[0].kind, "fallback", "no resting number leased in its new shard");
    }
    // The rest over, the numbers arrive, the move ends, and they are leased again.
    const done = await until(async () => {
      await clock(61_000 * 10);
      const p = (await admin("/pools")).body;
      return !p.moving && p;
    }, "the move ends");
    assert.equal(done.pools[0].total, 8);
    const after = await newSession(w, "rest", {}, from("203.0.113.70"));
    assert.equal(after.body.numbers[0].kind, "dynamic");
  } finally {
    await w.stop();
  }
});
