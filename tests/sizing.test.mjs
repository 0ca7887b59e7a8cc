// Pool sizing from the site's own traffic, on a real workerd: sessions and
// calls go in over HTTP, the sizing endpoint simulates them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

let w;
before(async () => {
  w = await startWorker({ vars: { ADMIN_KEY } });
});
after(async () => {
  await w?.stop();
});

const T = "/v1/sites/{site}/sizing";

test("a site with little traffic is sized on the reference profile", async () => {
  await createSite(w, "quiet", siteSpec({ pool: 4 }));
  const r = await call(w, "GET", "/v1/sites/quiet/sizing", { key: ADMIN_KEY, template: T });
  assert.equal(r.status, 200);
  assert.equal(r.body.basis.source, "reference");
  assert.equal(r.body.options.length, 3);
  assert.equal((await call(w, "GET", "/v1/sites/quiet/sizing?target=1.5", { key: ADMIN_KEY, template: T })).status, 422);
  assert.equal((await call(w, "GET", "/v1/sites/quiet/sizing", { template: T })).status, 401);
});

test("the site's sessions and measured call delays drive the sizing", async () => {
  await createSite(w, "busy", siteSpec({ pool: 20, limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 10000 } }));
  const held = [];
  for (let i = 0; i < 60; i++) {
    const s = await newSession(w, "busy", { url: "https://shop.test/" });
    assert.equal(s.status, 201);
    if (s.body.numbers[0].kind === "dynamic") held.push(s.body.numbers[0].number);
  }
  assert.equal(held.length, 20, "the pool of 20 is taken, the rest saw the fallback");
  for (const [i, number] of held.slice(0, 12).entries()) {
    const c = await call(w, "POST", "/v1/sites/busy/calls", {
      body: { call_id: `size-${i}`, tracking_number: number, caller: `+7916000${String(i).padStart(4, "0")}`, status: "answered", duration_secs: 60 },
      key: ADMIN_KEY,
    });
    assert.equal(c.status, 201);
  }
  const r = await call(w, "GET", "/v1/sites/busy/sizing?target=0.9", { key: ADMIN_KEY, template: T });
  assert.equal(r.status, 200);
  const b = r.body.basis;
  assert.equal(b.source, "site");
  assert.equal(b.sessions, 60);
  assert.equal(b.calls_measured, 12);
  assert.equal(b.call_share, 0.2);
  assert.equal(r.body.delays_by_channel.direct.calls, 12);
  assert.equal(r.body.current.pool_size, 20);
  assert.equal(r.body.current.fixation_mins, 30);
  assert.deepEqual(r.body.options.map((o) => o.fixation_mins), [15, 30, 60]);
  // Calls come seconds after the number was shown: every option reaches 90% with some pool.
  for (const o of r.body.options) {
    assert.ok(o.pool_size >= 1 && o.accuracy >= 0.9, JSON.stringify(o));
  }
  assert.ok(r.body.recommended.pool_size >= 1);
});
