// A site bigger than one object: the same scripted workload on a site of
// one shard and on a site of four gives the same attributions and report
// totals; every number lives in exactly one shard and is never held by two
// sessions at once; a session whose first shard is full spills to its
// second, and its heartbeats and release find it there.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, createSite, siteSpec, until } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

let w;
before(async () => {
  w = await startWorker({ vars: { ADMIN_KEY } });
});
after(async () => {
  await w?.stop();
});

// Fixed session ids, so both sites see the same visitors.
const sid = (i) => (0x1000 + i).toString(16).padStart(32, "0");
const admin = (site, path, opts = {}) => call(w, "GET", `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });
const post = (site, path, body, opts = {}) => call(w, "POST", `/v1/sites/${site}${path}`, { body, ...opts });

/** The workload: visits from several channels, heartbeats, releases, calls, a lead, reports. */
async function workload(site) {
  const channels = ["?gclid=a&utm_term=implants", "?utm_source=yandex&utm_medium=cpc&utm_campaign=spring", "", "?utm_source=newsletter&utm_medium=email"];
  const held = new Map();
  for (let i = 0; i < 60; i++) {
    const r = await post(site, "/sessions", { session_id: sid(i), url: `http://shop.test/p${i % 5}${channels[i % 4]}` }, { template: "/v1/sites/{site}/sessions" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    held.set(sid(i), r.body.numbers[0]);
  }
  // Heartbeats keep the numbers; every 7th visitor leaves (release).
  for (let i = 0; i < 60; i++) {
    if (i % 7 === 0) {
      assert.equal((await post(site, `/sessions/${sid(i)}/release`, undefined)).status, 204);
      held.delete(sid(i));
      continue;
    }
    const r = await post(site, `/sessions/${sid(i)}/heartbeat`, { coverage: { page: `http://shop.test/p${i % 5}`, found: 2, swapped: 2, unswapped: {} } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.numbers[0].number, held.get(sid(i)).number, "a heartbeat keeps the number");
  }
  // Calls: to the numbers of every 3rd live visitor, one to the static offline number, one to a stranger's number.
  const calls = [];
  let k = 0;
  for (const [session, shown] of held) {
    if (k++ % 3) continue;
    calls.push({ call_id: `c-${session}`, tracking_number: shown.number, session });
  }
  calls.push({ call_id: "c-offline", tracking_number: "+74990008888", session: null });
  calls.push({ call_id: "c-unknown", tracking_number: "+74990001234", session: null });
  const attributed = {};
  for (const [n, c] of calls.entries()) {
    const r = await post(site, "/calls", {
      call_id: c.call_id, tracking_number: c.tracking_number, caller: `+7916${String(1000000 + n).padStart(7, "0")}`,
      status: n % 4 ? "answered" : "no-answer", duration_secs: n % 4 ? 40 + n : 0,
    }, { key: ADMIN_KEY, template: "/v1/sites/{site}/calls" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    attributed[c.call_id] = { kind: r.body.attribution.kind, session: r.body.attribution.session_id, channel: r.body.attribution.channel.channel };
    if (c.session) assert.equal(r.body.attribution.session_id, c.session, "the call goes to the visitor who saw the number");
  }
  const lead = await post(site, "/leads", { session_id: sid(1), phone: "+79160000000", lead_id: "l-1" });
  assert.ok(lead.status === 201 || lead.status === 200, JSON.stringify(lead.body));
  const report = (await admin(site, "/reports/calls?group_by=channel", { template: "/v1/sites/{site}/reports/calls" })).body;
  const pools = (await admin(site, "/pools", { template: "/v1/sites/{site}/pools" })).body.pools[0];
  const coverage = (await admin(site, "/coverage", { template: "/v1/sites/{site}/coverage" })).body;
  const overview = (await admin(site, "/overview")).body;
  const sizing = (await admin(site, "/sizing", { template: "/v1/sites/{site}/sizing" })).body;
  return { held, attributed, report, pools, coverage, overview, lead: lead.body, sizing };
}

test("one shard and four: the same attributions, report totals and pool counts", async () => {
  const spec = siteSpec({ pool: 200, cooldown_secs: 60, limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 10000 } });
  await createSite(w, "one", spec);
  await createSite(w, "four", { ...spec, shards: 4 });
  assert.equal((await admin("four", "")).body.shards, 4);
  // A client that sends the shards' own header (a shard's part only) is answered as anyone else.
  const local = await call(w, "GET", "/v1/sites/four/pools", { key: ADMIN_KEY, headers: { "x-calltrack-local": "1" } });
  assert.equal(local.status, 200);
  assert.equal(local.body.pools[0].total, 200, "every shard's numbers, not the first shard's alone");
  const one = await workload("one");
  const four = await workload("four");

  assert.deepEqual(four.attributed, one.attributed);
  assert.deepEqual(four.report.rows, one.report.rows);
  assert.deepEqual(four.report.total, one.report.total);
  // Visits and leads beside the calls, every shard's sessions counted.
  assert.equal(one.report.total.visits, 60);
  assert.equal(one.report.total.leads, 1);
  const paid = one.report.rows.find((r) => r.key === "paid_search");
  assert.equal(one.report.rows.reduce((n, r) => n + r.visits, 0), 60);
  assert.ok(paid.visits >= 15, JSON.stringify(paid));
  assert.equal(paid.calls_per_100_visits, Math.round((paid.calls * 1000) / paid.visits) / 10);
  assert.ok(one.report.total.calls >= 15, JSON.stringify(one.report.total));
  for (const k of ["total", "leased", "free", "cooling", "draining", "requests", "fallbacks"]) {
    assert.equal(four.pools[k], one.pools[k], `pools.${k}`);
  }
  assert.equal(four.pools.total, 200);
  assert.equal(four.coverage.totals.pages, one.coverage.totals.pages);
  assert.equal(four.coverage.totals.found, one.coverage.totals.found);
  assert.equal(four.overview.live_sessions, one.overview.live_sessions);
  assert.deepEqual(four.overview.pools, one.overview.pools);
  // The lead is attributed through its session, wherever the session lives.
  assert.equal(four.lead.channel, one.lead.channel);
  assert.notEqual(four.lead.channel, "unattributed");
  // Sizing reads every shard's visits and the delays of the calls to them.
  assert.equal(four.sizing.basis.sessions, one.sizing.basis.sessions);
  assert.equal(four.sizing.basis.calls_measured, one.sizing.basis.calls_measured);
  assert.equal(four.sizing.current.pool_size, 200);

  // Every live visitor holds a number of its own, and every number lives in one shard:
  // its journal (kept by the shard that owns it) never has two holders at once.
  const numbers = [...four.held.values()].map((s) => s.number);
  assert.equal(new Set(numbers).size, numbers.length, "no number shown to two live visitors");
  const config = (await admin("four", "")).body;
  for (const n of config.targets[0].pool) {
    const j = await admin("four", `/journal?number=${encodeURIComponent(n)}`, { template: "/v1/sites/{site}/journal" });
    assert.equal(j.status, 200);
    const e = [...j.body.entries].sort((a, b) => a.from - b.from);
    for (let i = 1; i < e.length; i++) assert.ok(e[i - 1].until !== null && e[i - 1].until <= e[i].from, `${n} held twice`);
  }
  // The pool's numbers, from every shard: each once.
  const listed = await call(w, "POST", `/v1/sites/four/pools/${encodeURIComponent(config.targets[0].number)}/numbers`, { key: ADMIN_KEY, body: { numbers: [] } });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const all = listed.body.numbers.map((x) => x.number).sort();
  assert.deepEqual(all, [...config.targets[0].pool].sort());
  assert.equal(listed.body.numbers.filter((x) => x.state === "leased").length, four.pools.leased);
});

test("a full shard spills to the session's second; heartbeats and release follow it", async () => {
  // Two numbers for four shards: most shards have none; visitors spill or see the fallback.
  const spec = siteSpec({ pool: 6, cooldown_secs: 60, shards: 4, limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 10000 } });
  await createSite(w, "spill", spec);
  const shown = [];
  for (let i = 0; i < 12; i++) {
    const r = await post("spill", "/sessions", { session_id: sid(100 + i), url: "http://shop.test/?gclid=x" });
    assert.equal(r.status, 201);
    shown.push(r.body.numbers[0]);
  }
  const dynamic = shown.filter((s) => s.kind === "dynamic");
  // Two choices per session: at least the numbers of two shards are used, never one twice.
  assert.ok(dynamic.length >= 2, JSON.stringify(shown));
  assert.equal(new Set(dynamic.map((s) => s.number)).size, dynamic.length);
  const pools = (await admin("spill", "/pools")).body.pools[0];
  assert.equal(pools.leased, dynamic.length);
  assert.equal(pools.fallbacks, shown.length - dynamic.length);
  // Every leased visitor's heartbeat renews its own number, wherever it lives; a release frees it.
  for (let i = 0; i < 12; i++) {
    if (shown[i].kind !== "dynamic") continue;
    const hb = await post("spill", `/sessions/${sid(100 + i)}/heartbeat`, {});
    assert.equal(hb.status, 200);
    assert.equal(hb.body.numbers[0].number, shown[i].number);
  }
  const first = shown.findIndex((s) => s.kind === "dynamic");
  assert.equal((await post("spill", `/sessions/${sid(100 + first)}/release`, undefined)).status, 204);
  assert.equal((await admin("spill", "/pools")).body.pools[0].leased, dynamic.length - 1);
  // An unknown session is unknown in every shard.
  assert.equal((await post("spill", `/sessions/${sid(999)}/heartbeat`, {})).status, 404);
});

test("shards: checked, keys reach every shard, deleted with the site", async () => {
  const spec = siteSpec({ pool: 8, shards: 2 });
  await createSite(w, "fixed", spec);
  for (const bad of [0, 65]) {
    const r = await call(w, "PUT", `/v1/sites/bad-${bad}`, { key: ADMIN_KEY, body: { ...spec, shards: bad } });
    assert.equal(r.status, 422, JSON.stringify(r.body));
  }
  // A server key issued on the coordinator leases in every shard.
  const key = (await call(w, "POST", "/v1/sites/fixed/keys", { key: ADMIN_KEY, body: { scope: "server" } })).body.key;
  for (let i = 0; i < 6; i++) {
    const r = await post("fixed", "/sessions", { session_id: sid(200 + i), url: "http://shop.test/", client_ip: "203.0.113.9" }, { key });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  assert.equal((await call(w, "DELETE", "/v1/sites/fixed", { key: ADMIN_KEY })).status, 204);
  // Recreated with the same name: nothing of before, in any shard.
  await createSite(w, "fixed", spec);
  const pools = (await admin("fixed", "/pools")).body.pools[0];
  assert.equal(pools.leased, 0);
  assert.equal(pools.total, 8);
});

test("changing shards on a live site: moving numbers drain first, never two holders, visitors keep theirs", async () => {
  const spec = siteSpec({ pool: 12, shards: 2, fixation_secs: 4, heartbeat_secs: 1, cooldown_secs: 0, grace_secs: 1,
    limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 10000 } });
  await createSite(w, "grow", spec);
  const before = new Map();
  for (let i = 0; i < 8; i++) {
    const r = await post("grow", "/sessions", { session_id: sid(300 + i), url: "http://shop.test/?gclid=x" });
    if (r.body.numbers[0].kind === "dynamic") before.set(sid(300 + i), r.body.numbers[0].number);
  }
  assert.ok(before.size >= 6, `${before.size} leased`);

  const grown = await call(w, "PUT", "/v1/sites/grow", { key: ADMIN_KEY, body: { ...spec, shards: 4 }, template: "/v1/sites/{site}" });
  assert.equal(grown.status, 200, JSON.stringify(grown.body));
  const moving = (await admin("grow", "/pools", { template: "/v1/sites/{site}/pools" })).body;
  assert.equal(moving.shards, 4);
  assert.ok(moving.moving && moving.moving.from === 2 && moving.moving.moving > 0, JSON.stringify(moving));
  // One change at a time.
  const again = await call(w, "PUT", "/v1/sites/grow", { key: ADMIN_KEY, body: { ...spec, shards: 3 } });
  assert.equal(again.status, 409, JSON.stringify(again.body));

  // Visitors from before keep their numbers: heartbeats find them where they live.
  for (const [s, number] of before) {
    const hb = await post("grow", `/sessions/${s}/heartbeat`, {});
    assert.equal(hb.status, 200, JSON.stringify(hb.body));
    assert.equal(hb.body.numbers[0].number, number);
  }
  // A call to a number held from before is still theirs.
  const [caller, held] = [...before][0];
  const c = await post("grow", "/calls", { call_id: "grow-1", tracking_number: held, caller: "+79161112233", status: "answered", duration_secs: 30 }, { key: ADMIN_KEY });
  assert.equal(c.body.attribution.session_id, caller, JSON.stringify(c.body.attribution));
  // New visitors meanwhile: never a number someone holds.
  const during = [];
  for (let i = 0; i < 6; i++) {
    const r = await post("grow", "/sessions", { session_id: sid(400 + i), url: "http://shop.test/?gclid=y" });
    if (r.body.numbers[0].kind === "dynamic") during.push(r.body.numbers[0].number);
    assert.equal((await post("grow", `/sessions/${sid(400 + i)}/release`, undefined)).status, 204);
  }
  for (const n of during) assert.ok(![...before.values()].includes(n), `${n} leased twice`);

  // The visitors from before leave: their numbers drain, arrive in their new shards, the move ends.
  for (const s of before.keys()) assert.equal((await post("grow", `/sessions/${s}/release`, undefined)).status, 204);
  const done = await until(async () => {
    const p = (await admin("grow", "/pools")).body;
    return p.moving ? null : p;
  }, "the move ends");
  assert.equal(done.shards, 4);
  assert.equal(done.pools[0].total, 12);
  // Every number listed once, across the four shards.
  const target = encodeURIComponent(spec.targets[0].number.replace(/[^0-9]/g, "").replace(/^8/, "+7"));
  const listed = await call(w, "POST", `/v1/sites/grow/pools/${target}/numbers`, { key: ADMIN_KEY, body: { numbers: [] } });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.deepEqual(listed.body.numbers.map((x) => x.number).sort(), (await admin("grow", "")).body.targets[0].pool.sort());
  // No number ever had two holders at once, before, during or after the move.
  for (const n of (await admin("grow", "")).body.targets[0].pool) {
    const e = (await admin("grow", `/journal?number=${encodeURIComponent(n)}`)).body.entries.sort((a, b) => a.from - b.from);
    for (let i = 1; i < e.length; i++) assert.ok(e[i - 1].until !== null && e[i - 1].until <= e[i].from, `${n}: ${JSON.stringify(e)}`);
  }
  // After the move, the four shards lease every number.
  const after = [];
  for (let i = 0; i < 12; i++) {
    const r = await post("grow", "/sessions", { session_id: sid(500 + i), url: "http://shop.test/?gclid=z" });
    if (r.body.numbers[0].kind === "dynamic") after.push(r.body.numbers[0].number);
  }
  assert.equal(new Set(after).size, after.length);
  assert.ok(after.length >= 8, `${after.length} of 12 leased after the move`);
});

test("erasure on a sharded site reaches the calls of every shard", async () => {
  await createSite(w, "erase4", siteSpec({ pool: 20, shards: 4 }));
  const numbers = [];
  for (let i = 0; i < 12; i++) {
    const r = await post("erase4", "/sessions", { session_id: sid(500 + i), url: "http://shop.test/?gclid=x" }, { template: "/v1/sites/{site}/sessions" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    numbers.push(r.body.numbers[0].number);
  }
  // One caller calls twelve numbers, held in several shards.
  for (const [i, n] of numbers.entries()) {
    const r = await post("erase4", "/calls", { call_id: `x-${i}`, tracking_number: n, caller: "+79167770000", status: "answered", duration_secs: 50 }, { key: ADMIN_KEY, template: "/v1/sites/{site}/calls" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const r = await call(w, "DELETE", `/v1/sites/erase4/callers/${encodeURIComponent("+79167770000")}`, { key: ADMIN_KEY, template: "/v1/sites/{site}/callers/{number}" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.touched.calls, 12);
  for (let i = 0; i < 12; i++) {
    const c = await admin("erase4", `/calls/x-${i}?full_caller=1`, { template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(c.body.caller, null, `call x-${i}`);
  }
});
