// The API contract on a real workerd: every route and error path, each reply
// checked against edge-worker/openapi.yaml.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, sessionId, siteSpec } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

let w;
before(async () => {
  w = await startWorker({ vars: { ADMIN_KEY } });
});
after(async () => {
  await w?.stop();
});

const S = "/v1/sites/{site}";

describe("sites", () => {
  test("creating needs the deployment key", async () => {
    const spec = siteSpec();
    assert.equal((await call(w, "PUT", "/v1/sites/keys-a", { body: spec, template: S })).status, 401);
    assert.equal((await call(w, "PUT", "/v1/sites/keys-a", { body: spec, key: "wrong", template: S })).status, 401);
    const r = await call(w, "PUT", "/v1/sites/keys-a", { body: spec, key: ADMIN_KEY, template: S });
    assert.equal(r.status, 201);
    assert.equal(r.body.targets[0].number, "+74951234567");
    const again = await call(w, "PUT", "/v1/sites/keys-a", { body: spec, key: ADMIN_KEY, template: S });
    assert.equal(again.status, 200);
    const got = await call(w, "GET", "/v1/sites/keys-a", { key: ADMIN_KEY, template: S });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, r.body);
  });

  test("an invalid config is 422 listing every bad field", async () => {
    const spec = siteSpec({ fixation_secs: 0, region: "XX", exhaustion: "panic" });
    spec.targets[0].pool.push("not a number");
    const r = await call(w, "PUT", "/v1/sites/bad-config", { body: spec, key: ADMIN_KEY, template: S });
    assert.equal(r.status, 422);
    const paths = r.body.error.fields.map((f) => f.path);
    for (const p of ["region", "fixation_secs", "exhaustion", "targets[0].pool[3]"]) assert.ok(paths.includes(p), `${p} in ${paths}`);
    // Nothing was stored.
    assert.equal((await call(w, "GET", "/v1/sites/bad-config", { key: ADMIN_KEY, template: S })).status, 404);
  });

  test("bad bodies: 400, 413, 415, unknown fields 422", async () => {
    const put = (opts) => call(w, "PUT", "/v1/sites/bodies", { key: ADMIN_KEY, template: S, ...opts });
    assert.equal((await put({ raw: "{", headers: { "content-type": "application/json" } })).status, 400);
    assert.equal((await put({ raw: "{}", headers: { "content-type": "text/plain" } })).status, 415);
    assert.equal((await put({ raw: JSON.stringify({ name: "x".repeat(4_300_000) }), headers: { "content-type": "application/json" } })).status, 413);
    assert.equal((await put({ body: { ...siteSpec(), colour: "red" } })).status, 422);
    assert.equal((await put({ body: { targets: "many" } })).status, 422);
  });

  test("site ids, unknown routes and methods", async () => {
    assert.equal((await call(w, "GET", "/v1/sites/Bad%20Id", { key: ADMIN_KEY })).status, 400);
    assert.equal((await call(w, "GET", "/v1/sites/none-such", { key: ADMIN_KEY, template: S })).status, 404);
    assert.equal((await call(w, "GET", "/v1/nothing")).status, 404);
    // A 405 says which methods the route takes (RFC 9110: Allow), each of them.
    const allowed = async (method, path, allow) => {
      const r = await call(w, method, path, { key: ADMIN_KEY });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get("allow"), allow, `${method} ${path}`);
    };
    await allowed("PATCH", "/v1/sites/keys-a", "PUT, GET, HEAD, DELETE");
    await allowed("GET", "/v1/sites/keys-a/sessions", "POST, OPTIONS");
    await allowed("DELETE", "/v1/sites/keys-a/calls", "POST, GET, HEAD");
    await allowed("POST", "/healthz", "GET, HEAD");
    await allowed("PUT", "/v1/numbering/RU", "GET, HEAD");
  });

  test("per-site keys: issued once, stored hashed, scoped", async () => {
    await createSite(w, "scoped", siteSpec());
    const K = "/v1/sites/{site}/keys";
    assert.equal((await call(w, "POST", "/v1/sites/scoped/keys", { body: { scope: "root" }, key: ADMIN_KEY, template: K })).status, 422);
    const admin = await call(w, "POST", "/v1/sites/scoped/keys", { body: { scope: "admin", label: "ops" }, key: ADMIN_KEY, template: K });
    assert.equal(admin.status, 201);
    const server = await call(w, "POST", "/v1/sites/scoped/keys", { body: { scope: "server" }, key: admin.body.key, template: K });
    assert.equal(server.status, 201);
    assert.notEqual(admin.body.key, server.body.key);
    // The site admin key reads the site; a server key may not.
    assert.equal((await call(w, "GET", "/v1/sites/scoped", { key: admin.body.key, template: S })).status, 200);
    assert.equal((await call(w, "GET", "/v1/sites/scoped", { key: server.body.key, template: S })).status, 403);
    // A site key is no key of another site.
    await createSite(w, "other", siteSpec());
    assert.equal((await call(w, "GET", "/v1/sites/other", { key: admin.body.key, template: S })).status, 401);
    // Only the deployment key creates or deletes sites.
    assert.equal((await call(w, "PUT", "/v1/sites/brand-new", { body: siteSpec(), key: admin.body.key, template: S })).status, 401);
    assert.equal((await call(w, "DELETE", "/v1/sites/scoped", { key: admin.body.key, template: S })).status, 403);
  });

  test("keys: listed without the keys, revoked at once, expiring, last use kept; admin keys only from the deployment", async () => {
    await createSite(w, "keyring", siteSpec());
    const K = "/v1/sites/{site}/keys";
    const KI = "/v1/sites/{site}/keys/{id}";
    const admin = await call(w, "POST", "/v1/sites/keyring/keys", { body: { scope: "admin", label: "ops" }, key: ADMIN_KEY, template: K });
    assert.equal(admin.status, 201);
    assert.match(admin.body.id, /^[0-9a-f]{16}$/);
    // A site admin issues server keys, never admin keys.
    const minted = await call(w, "POST", "/v1/sites/keyring/keys", { body: { scope: "admin" }, key: admin.body.key, template: K });
    assert.equal(minted.status, 403);
    const server = await call(w, "POST", "/v1/sites/keyring/keys", { body: { scope: "server", label: "backend", expires_in_days: 30 }, key: admin.body.key, template: K });
    assert.equal(server.status, 201);
    assert.equal(server.body.expires_at - server.body.created, 30 * 86_400_000);
    for (const bad of [{ scope: "server", expires_in_days: 0 }, { scope: "server", expires_in_days: 4000 }, { scope: "server", label: "x".repeat(201) }]) {
      assert.equal((await call(w, "POST", "/v1/sites/keyring/keys", { body: bad, key: ADMIN_KEY, template: null })).status, 422, JSON.stringify(bad));
    }
    // The server key leases; its use is recorded (to the hour).
    const leased = await newSession(w, "keyring", { client_ip: "203.0.113.9" }, { authorization: `Bearer ${server.body.key}` });
    assert.equal(leased.status, 201);
    const list = await call(w, "GET", "/v1/sites/keyring/keys", { key: admin.body.key, template: K });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.keys.map((k) => [k.id, k.scope, k.label]), [[admin.body.id, "admin", "ops"], [server.body.id, "server", "backend"]]);
    assert.ok(!JSON.stringify(list.body).includes(server.body.key) && !JSON.stringify(list.body).includes(admin.body.key), "no key is ever shown again");
    const used = list.body.keys.find((k) => k.id === server.body.id);
    assert.ok(used.last_used <= Date.now() && Date.now() - used.last_used < 3_600_000 + 60_000, JSON.stringify(used));
    assert.equal(used.expired, false);
    // Revoked: refused at once. An unknown id is not found; a server key may not list or revoke.
    assert.equal((await call(w, "GET", "/v1/sites/keyring/keys", { key: server.body.key, template: K })).status, 403);
    assert.equal((await call(w, "DELETE", `/v1/sites/keyring/keys/${server.body.id}`, { key: admin.body.key, template: KI })).status, 204);
    assert.equal((await newSession(w, "keyring", {}, { authorization: `Bearer ${server.body.key}` })).status, 401);
    assert.equal((await call(w, "DELETE", `/v1/sites/keyring/keys/${server.body.id}`, { key: admin.body.key, template: KI })).status, 404);
    assert.equal((await call(w, "DELETE", "/v1/sites/keyring/keys/not-an-id", { key: admin.body.key, template: KI })).status, 404);
    assert.deepEqual((await call(w, "GET", "/v1/sites/keyring/keys", { key: ADMIN_KEY, template: K })).body.keys.map((k) => k.id), [admin.body.id]);
  });

  test("delete removes everything", async () => {
    await createSite(w, "doomed", siteSpec());
    await newSession(w, "doomed");
    assert.equal((await call(w, "DELETE", "/v1/sites/doomed", { key: ADMIN_KEY, template: S })).status, 204);
    assert.equal((await call(w, "GET", "/v1/sites/doomed", { key: ADMIN_KEY, template: S })).status, 404);
    assert.equal((await newSession(w, "doomed")).status, 404);
    // It can be made again, empty.
    await createSite(w, "doomed", siteSpec());
    const pools = await call(w, "GET", "/v1/sites/doomed/pools", { key: ADMIN_KEY, template: "/v1/sites/{site}/pools" });
    assert.equal(pools.body.pools[0].leased, 0);
  });
});

describe("sessions", () => {
  before(async () => {
    await createSite(w, "clinic", siteSpec({ pool: 2, limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 10000 } }));
  });

  test("create, resume, heartbeat, release", async () => {
    const id = sessionId();
    const r = await newSession(w, "clinic", { session_id: id, referrer: "https://www.google.com/" });
    assert.equal(r.status, 201);
    assert.equal(r.body.channel.channel, "paid_search");
    assert.equal(r.body.channel.source, "google");
    assert.equal(r.body.channel.term, "implants");
    const [n] = r.body.numbers;
    assert.equal(n.target, "+74951234567");
    assert.equal(n.kind, "dynamic");
    assert.ok(n.expires_at > Date.now());
    // The same session again: the same number, renewed.
    // The numbering line of the site's region comes with the lease; of the tag's when it names one.
    assert.match(r.body.numbering, /^RU 7 8 /);
    const again = await newSession(w, "clinic", { session_id: id, url: "http://shop.test/prices", region: "UA" });
    assert.equal(again.status, 200);
    assert.match(again.body.numbering, /^UA 380 0,80 /);
    assert.equal(again.body.numbers[0].number, n.number);
    assert.equal(again.body.channel.channel, "paid_search", "internal navigation keeps the channel");
    const hb = await call(w, "POST", `/v1/sites/clinic/sessions/${id}/heartbeat`, { template: "/v1/sites/{site}/sessions/{id}/heartbeat" });
    assert.equal(hb.status, 200);
    assert.equal(hb.body.numbers[0].number, n.number);
    assert.equal(hb.body.numbering, undefined, "heartbeats carry no numbering line");
    assert.ok(hb.body.numbers[0].expires_at >= again.body.numbers[0].expires_at);
    // Release as navigator.sendBeacon sends it.
    const rel = await call(w, "POST", `/v1/sites/clinic/sessions/${id}/release`, {
      raw: "bye",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      template: "/v1/sites/{site}/sessions/{id}/release",
    });
    assert.equal(rel.status, 204);
    const pools = await call(w, "GET", "/v1/sites/clinic/pools", { key: ADMIN_KEY, template: "/v1/sites/{site}/pools" });
    assert.equal(pools.body.pools[0].cooling, 1);
  });

  test("unknown sessions and sites are 404", async () => {
    const T = "/v1/sites/{site}/sessions/{id}/heartbeat";
    assert.equal((await call(w, "POST", `/v1/sites/clinic/sessions/${sessionId()}/heartbeat`, { template: T })).status, 404);
    assert.equal((await call(w, "POST", "/v1/sites/clinic/sessions/not-an-id/heartbeat", { template: T })).status, 404);
    assert.equal((await call(w, "POST", `/v1/sites/clinic/sessions/${sessionId()}/release`, { template: "/v1/sites/{site}/sessions/{id}/release" })).status, 404);
    assert.equal((await newSession(w, "no-such-site")).status, 404);
  });

  test("bad session bodies: 400, 413, 415, 422", async () => {
    const T = "/v1/sites/{site}/sessions";
    const post = (opts) => call(w, "POST", "/v1/sites/clinic/sessions", { template: T, ...opts });
    assert.equal((await post({ raw: "{not json", headers: { "content-type": "application/json" } })).status, 400);
    assert.equal((await post({ raw: "{}", headers: { "content-type": "text/plain" } })).status, 415);
    assert.equal((await post({ raw: "{}", headers: {} })).status, 415);
    assert.equal((await post({ body: { session_id: sessionId(), url: "x".repeat(9000) } })).status, 413);
    const bad = await post({ body: { session_id: "short", ga_client_id: "<script>" } });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.error.fields.map((f) => f.path), ["session_id", "ga_client_id"]);
    assert.equal((await post({ body: { session_id: 42 } })).status, 422);
  });

  test("CORS: the site's origins pass, others are refused", async () => {
    const T = "/v1/sites/{site}/sessions";
    const pre = await fetch(`${w.url}/v1/sites/clinic/sessions`, {
      method: "OPTIONS",
      headers: { origin: "http://shop.test", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "http://shop.test");
    assert.match(pre.headers.get("access-control-allow-methods"), /POST/);
    assert.match(pre.headers.get("access-control-allow-headers"), /content-type/);
    const evilPre = await fetch(`${w.url}/v1/sites/clinic/sessions`, { method: "OPTIONS", headers: { origin: "http://evil.test" } });
    assert.equal(evilPre.status, 403);
    assert.equal(evilPre.headers.get("access-control-allow-origin"), null);
    const ok = await newSession(w, "clinic", {}, { origin: "http://shop.test" });
    assert.equal(ok.status, 201);
    assert.equal(ok.headers.get("access-control-allow-origin"), "http://shop.test");
    const evil = await call(w, "POST", "/v1/sites/clinic/sessions", {
      body: { session_id: sessionId(), url: "http://evil.test/" },
      headers: { origin: "http://evil.test" },
      template: T,
    });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
  });

  test("coverage reports ride on heartbeats and release beacons; bad ones are 422", async () => {
    const id = sessionId();
    assert.equal((await newSession(w, "clinic", { session_id: id })).status, 201);
    const HB = "/v1/sites/{site}/sessions/{id}/heartbeat";
    const beat = (page, found, swapped, unswapped) => ({ coverage: { page, found, swapped, unswapped } });
    const hb = await call(w, "POST", `/v1/sites/clinic/sessions/${id}/heartbeat`, {
      body: beat("http://shop.test/prices?gclid=1#top", 4, 2, { ignored: 1, no_number: 1 }),
      template: HB,
    });
    assert.equal(hb.status, 200);
    // The newest report of a page replaces the older one.
    await call(w, "POST", `/v1/sites/clinic/sessions/${id}/heartbeat`, { body: beat("http://shop.test/", 1, 0, {}), template: HB });
    await call(w, "POST", `/v1/sites/clinic/sessions/${id}/heartbeat`, { body: beat("http://shop.test/", 2, 2, {}), template: HB });
    // A release beacon is text/plain.
    const rel = await call(w, "POST", `/v1/sites/clinic/sessions/${id}/release`, {
      raw: JSON.stringify(beat("http://shop.test/contacts", 0, 0, {})),
      headers: { "content-type": "text/plain;charset=UTF-8" },
      template: "/v1/sites/{site}/sessions/{id}/release",
    });
    assert.equal(rel.status, 204);
    const C = "/v1/sites/{site}/coverage";
    assert.equal((await call(w, "GET", "/v1/sites/clinic/coverage", { template: C })).status, 401);
    const cov = await call(w, "GET", "/v1/sites/clinic/coverage", { key: ADMIN_KEY, template: C });
    assert.equal(cov.status, 200);
    assert.deepEqual(cov.body.pages.map((p) => p.page), ["shop.test/prices", "shop.test/contacts", "shop.test/"]);
    assert.deepEqual(cov.body.pages[0].unswapped, { ignored: 1, no_number: 1 });
    const home = cov.body.pages.find((p) => p.page === "shop.test/");
    assert.equal(home.reports, 2);
    assert.equal(home.found, 2);
    assert.deepEqual(cov.body.totals, { pages: 3, found: 6, swapped: 4, unswapped: { ignored: 1, no_number: 1 } });
    // Reports that cannot be true are refused, and change nothing.
    for (const bad of [beat("http://shop.test/", 1, 2, {}), beat("http://shop.test/", 3, 0, { lost: 1 }), { coverage: { page: "", found: 0, swapped: 0 } }, { colour: "red" }]) {
      const r = await call(w, "POST", `/v1/sites/clinic/sessions/${id}/heartbeat`, { body: bad, template: HB });
      assert.equal(r.status, 422, JSON.stringify(bad));
    }
    const again = await call(w, "GET", "/v1/sites/clinic/coverage", { key: ADMIN_KEY, template: C });
    assert.deepEqual(again.body.totals, cov.body.totals);
  });

  test("the public config: static numbers by channel for the site's pages, nothing else", async () => {
    const P = "/v1/sites/{site}/public";
    const r = await call(w, "GET", "/v1/sites/clinic/public", { headers: { origin: "http://shop.test" }, template: P });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("access-control-allow-origin"), "http://shop.test");
    assert.match(r.headers.get("cache-control"), /max-age=300/);
    const { numbering, ...rest } = r.body;
    assert.match(numbering, /^RU 7 8 810 m [1-9a-h]+:/, "the region's numbering line for the page");
    assert.deepEqual(rest, {
      region: "RU",
      ignore_selectors: [],
      targets: [{ number: "+74951234567", static_numbers: { offline: "+74990008888" } }],
    });
    assert.doesNotMatch(JSON.stringify(r.body), /74991000000|74990009999/, "no pool or fallback numbers");
    assert.equal((await call(w, "GET", "/v1/sites/clinic/public", { headers: { origin: "http://evil.test" }, template: P })).status, 403);
    assert.equal((await call(w, "GET", "/v1/sites/no-such-site/public", { template: P })).status, 404);
    // Before consent the page asks with its address: the edge names the channel and keeps nothing.
    const post = (body) => call(w, "POST", "/v1/sites/clinic/public", { headers: { origin: "http://shop.test" }, body, template: P });
    const paid = await post({ url: "http://shop.test/?gclid=abc", referrer: "https://www.google.com/", region: "UA" });
    assert.equal(paid.status, 200);
    assert.equal(paid.body.channel, "paid_search");
    assert.match(paid.body.numbering, /^UA 380 0,80 /);
    assert.equal(paid.headers.get("cache-control"), "no-store");
    assert.equal((await post({ url: "http://shop.test/" })).body.channel, "direct");
    const bad = await post({ url: "http://shop.test/", region: "Ukraine" });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.fields[0].path, "region");
    assert.equal((await post({ url: "x".repeat(5000) })).status, 422);
  });

  test("numbering lines: any region's, public and cacheable; an unknown one is a 404", async () => {
    const T = "/v1/numbering/{region}";
    const ua = await call(w, "GET", "/v1/numbering/UA", { template: T });
    assert.equal(ua.status, 200);
    assert.match(ua.headers.get("cache-control"), /max-age=86400/);
    assert.match(ua.body, /^UA 380 0,80 00 t [1-9a-h]+:/);
    const none = await call(w, "GET", "/v1/numbering/QQ", { template: T });
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, "not_found");
    assert.equal((await call(w, "POST", "/v1/numbering/UA", { template: null, body: {} })).status, 405);
  });

  test("obvious bots get the static number, not a lease", async () => {
    const before = await call(w, "GET", "/v1/sites/clinic/pools", { key: ADMIN_KEY });
    const r = await newSession(w, "clinic", { url: "http://shop.test/?utm_source=flyer&utm_medium=qr" }, { "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1)" });
    assert.equal(r.status, 200);
    assert.equal(r.body.numbers[0].kind, "static");
    assert.equal(r.body.numbers[0].number, "+74990008888");
    const r2 = await newSession(w, "clinic", {}, { "user-agent": "Mozilla/5.0 (compatible; YandexBot/3.0)" });
    assert.equal(r2.body.numbers[0].kind, "original");
    const afterBots = await call(w, "GET", "/v1/sites/clinic/pools", { key: ADMIN_KEY });
    assert.equal(afterBots.body.pools[0].requests, before.body.pools[0].requests);
  });
});

describe("rate limits", () => {
  test("per client and per site, with Retry-After; a server key lifts the client limit", async () => {
    await createSite(w, "limited", siteSpec({ pool: 50, limits: { sessions_per_client_per_minute: 3, sessions_per_site_per_minute: 8 } }));
    // workerd run directly: the address is the reverse proxy's X-Real-IP (README: Self-hosting).
    const ip = { "x-real-ip": "203.0.113.7" };
    for (let i = 0; i < 3; i++) assert.equal((await newSession(w, "limited", {}, ip)).status, 201);
    const limited = await newSession(w, "limited", {}, ip);
    assert.equal(limited.status, 429);
    const retry = Number(limited.headers.get("retry-after"));
    // A sliding minute: the 3 sessions weigh until up to 2 minutes later.
    assert.ok(retry >= 1 && retry <= 120, `Retry-After ${retry}`);
    // Another client still passes.
    // A CF-Connecting-IP that did not come through Cloudflare is the client's own word: not another client.
    assert.equal((await newSession(w, "limited", {}, { ...ip, "cf-connecting-ip": "203.0.113.99" })).status, 429);
    assert.equal((await newSession(w, "limited", {}, { ...ip, "x-calltrack-client": "203.0.113.98" })).status, 429);
    assert.equal((await newSession(w, "limited", {}, { "x-real-ip": "203.0.113.8" })).status, 201);
    // A server key is not limited per client, and may pass the visitor's address.
    const key = (await call(w, "POST", "/v1/sites/limited/keys", { body: { scope: "server" }, key: ADMIN_KEY })).body.key;
    for (let i = 0; i < 4; i++) {
      const r = await call(w, "POST", "/v1/sites/limited/sessions", {
        body: { session_id: sessionId(), url: "http://shop.test/", client_ip: "203.0.113.9", user_agent: "Mozilla/5.0" },
        key,
        headers: ip,
        template: "/v1/sites/{site}/sessions",
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // The site limit holds for everyone.
    const r = await call(w, "POST", "/v1/sites/limited/sessions", { body: { session_id: sessionId() }, key, template: "/v1/sites/{site}/sessions" });
    assert.equal(r.status, 429);
    // A resumed session is not a new one: not limited.
    const id = sessionId();
    await createSite(w, "limited2", siteSpec({ limits: { sessions_per_client_per_minute: 1, sessions_per_site_per_minute: 100 } }));
    assert.equal((await newSession(w, "limited2", { session_id: id }, ip)).status, 201);
    assert.equal((await newSession(w, "limited2", { session_id: id }, ip)).status, 200);
  });
});

describe("pools", () => {
  test("numbers are added and removed while live; a leased one drains", async () => {
    await createSite(w, "live", siteSpec({ pool: 1 }));
    const P = "/v1/sites/{site}/pools/{target}/numbers";
    const s = await newSession(w, "live");
    const held = s.body.numbers[0].number;
    const add = await call(w, "POST", "/v1/sites/live/pools/%2B74951234567/numbers", {
      body: { numbers: ["+74990002001", "8 499 000-20-02"] },
      key: ADMIN_KEY,
      template: P,
    });
    assert.equal(add.status, 200);
    assert.equal(add.body.numbers.length, 3);
    // Duplicates are refused, with the path in the request.
    const dup = await call(w, "POST", "/v1/sites/live/pools/74951234567/numbers", { body: { numbers: ["+74990002001"] }, key: ADMIN_KEY, template: P });
    assert.equal(dup.status, 422);
    assert.equal(dup.body.error.fields[0].path, "numbers[0]");
    // Written as no number at all: 400; as an E.164 number no country has: no such pool.
    assert.equal((await call(w, "POST", "/v1/sites/live/pools/%2B7abc/numbers", { body: { numbers: [] }, key: ADMIN_KEY, template: null })).status, 400);
    assert.equal((await call(w, "POST", "/v1/sites/live/pools/%2B70000000000/numbers", { body: { numbers: [] }, key: ADMIN_KEY, template: P })).status, 404);
    assert.equal((await call(w, "POST", "/v1/sites/live/pools/%2B74951234500/numbers", { body: { numbers: [] }, key: ADMIN_KEY, template: P })).status, 404);
    // Removing the leased number: it drains, the visitor keeps it.
    const D = "/v1/sites/{site}/pools/{target}/numbers/{number}";
    const rm = await call(w, "DELETE", `/v1/sites/live/pools/%2B74951234567/numbers/${encodeURIComponent(held)}`, { key: ADMIN_KEY, template: D });
    assert.equal(rm.status, 200);
    assert.equal(rm.body.status, "draining");
    const hb = await call(w, "POST", `/v1/sites/live/sessions/${s.body.session_id}/heartbeat`);
    assert.equal(hb.body.numbers[0].number, held);
    const rm2 = await call(w, "DELETE", "/v1/sites/live/pools/%2B74951234567/numbers/%2B74990002001", { key: ADMIN_KEY, template: D });
    assert.equal(rm2.body.status, "removed");
    assert.equal((await call(w, "DELETE", "/v1/sites/live/pools/%2B74951234567/numbers/%2B74990002001", { key: ADMIN_KEY, template: D })).status, 404);
    const cfg = await call(w, "GET", "/v1/sites/live", { key: ADMIN_KEY });
    assert.deepEqual(cfg.body.targets[0].pool, ["+74990002002"]);
    const pools = await call(w, "GET", "/v1/sites/live/pools", { key: ADMIN_KEY, template: "/v1/sites/{site}/pools" });
    assert.equal(pools.body.pools[0].draining, 1);
  });
});

test("healthz matches the contract", async () => {
  await call(w, "GET", "/healthz", { template: "/healthz" });
});

test("examples/site.json, with its comment keys, is a valid config", async () => {
  const { readFileSync } = await import("node:fs");
  const raw = readFileSync(new URL("../examples/site.json", import.meta.url), "utf8");
  const r = await call(w, "PUT", "/v1/sites/example", { raw, headers: { "content-type": "application/json" }, key: ADMIN_KEY, template: S });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.targets.length, 2);
  assert.equal(r.body.targets[0].number, "+74951234567");
  const keys = (v) => (v && typeof v === "object" ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : []);
  assert.ok(!keys(r.body).some((k) => k.startsWith("//")), "comments are not stored");
});

test("a deployment without ADMIN_KEY or DEMO_SITES answers every request (401, 404), never leaves one hanging", async () => {
  // Unset variables are bound as null by workerd's fromEnvironment: read as absent.
  const bare = await startWorker({ vars: {} });
  try {
    const admin = await call(bare, "GET", "/v1/sites/any", { key: "some-key" });
    assert.equal(admin.status, 401);
    const demo = await call(bare, "POST", "/v1/sites/any/demo/call", { body: {}, headers: { origin: "http://shop.test" } });
    assert.equal(demo.status, 404);
  } finally {
    await bare.stop();
  }
});

test("a body over the largest any route takes is refused before it is held, with or without its length", async () => {
  await createSite(w, "big-bodies", siteSpec());
  const url = new URL(`${w.url}/v1/sites/big-bodies/sessions`);
  // Declared at a gigabyte, and only a kilobyte sent: the answer comes at
  // once, never waiting for (or holding) the rest. (A declared body up to
  // 16 MiB is read and dropped first, so its client reads the answer.)
  const declared = await new Promise((resolve, reject) => {
    const r = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": String(2 ** 30) } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    r.on("error", reject);
    r.setTimeout(60_000, () => r.destroy(new Error("no answer while the body was still coming")));
    r.write(Buffer.alloc(1024, 0x20));
  });
  assert.equal(declared.status, 413);
  assert.equal(JSON.parse(declared.text).error.code, "payload_too_large");
  // Streamed without a length (12 MiB): read as it comes, dropped past the
  // ceiling (4 MiB), and answered 413 once it has all come.
  const MiB = 1024 * 1024;
  let sent = 0;
  const stream = new ReadableStream({
    pull(c) {
      if (sent >= 12 * MiB) return c.close();
      sent += 64 * 1024;
      c.enqueue(new Uint8Array(64 * 1024).fill(0x20));
    },
  });
  const chunked = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half", signal: AbortSignal.timeout(120_000) });
  assert.equal(chunked.status, 413);
  assert.equal((await chunked.json()).error.code, "payload_too_large");
  // A body without a length under the ceiling goes through as any other.
  const small = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(JSON.stringify({ session_id: sessionId(), url: "http://shop.test/" })));
      c.close();
    },
  });
  const ok = await fetch(url, { method: "POST", headers: { "content-type": "application/json", origin: "http://shop.test" }, body: small, duplex: "half" });
  assert.equal(ok.status, 201, await ok.text());
});
