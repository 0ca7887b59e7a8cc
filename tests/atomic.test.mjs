// One persistence gate: a request that fails part-way changes nothing, in
// the object's memory or in its SQLite. The worker's test build has a fault
// switch (POST /_test/fault, deployment key only; absent from `npm run
// build`) that fails the Nth SQL statement of the next change a handler
// makes. After each failure the API must show exactly the state from before,
// and the same request must then succeed.
//
// Also here: what a heartbeat and the leave beacon do to a lapsed lease.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_KEY, call, createSite, sessionId, siteSpec, until } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

const SITE = "atomic";

/** Everything the API shows of the site. */
async function state(w) {
  const get = async (path) => {
    const r = await call(w, "GET", `/v1/sites/${SITE}${path}`, { key: ADMIN_KEY });
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const config = await get("");
  const pools = await get("/pools");
  const journal = {};
  for (const t of config.targets) {
    for (const n of t.pool) journal[n] = (await get(`/journal?number=${encodeURIComponent(n)}`)).entries;
  }
  const calls = await get("/calls?full_caller=1");
  const deliveries = await get("/deliveries");
  const coverage = await get("/coverage");
  for (const d of deliveries.deliveries) delete d.next_at; // retried by the alarm meanwhile
  return { config, pools, journal, calls, deliveries: deliveries.deliveries.map((d) => d.idempotency_key), coverage };
}

async function arm(w, handler, statement) {
  const r = await call(w, "POST", `/v1/sites/${SITE}/_test/fault`, { key: ADMIN_KEY, body: { handler, statement } });
  assert.equal(r.status, 204, JSON.stringify(r.body));
}

test("a request that fails at any SQL statement changes nothing, and the next one succeeds", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  try {
    await createSite(w, SITE, {
      ...siteSpec({ pool: 3, limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 1000, leads_per_client_per_minute: 1000, leads_per_site_per_minute: 1000 } }),
      integrations: { webhooks: [{ url: "http://127.0.0.1:9/hook", secret: "s3cret-s3cret-s3cret" }] },
    });
    const live = sessionId();
    const first = await call(w, "POST", `/v1/sites/${SITE}/sessions`, { body: { session_id: live, url: "http://shop.test/?gclid=x" } });
    assert.equal(first.status, 201);
    const number = first.body.numbers[0].number;

    const newSid = sessionId();
    const cases = [
      ["create_session", () => call(w, "POST", `/v1/sites/${SITE}/sessions`, { body: { session_id: newSid, url: "http://shop.test/?gclid=y" } })],
      ["heartbeat", () => call(w, "POST", `/v1/sites/${SITE}/sessions/${live}/heartbeat`, {
        body: { coverage: { page: "http://shop.test/a", found: 2, swapped: 1, unswapped: { ignored: 1 } } },
      })],
      ["post_call", () => call(w, "POST", `/v1/sites/${SITE}/calls`, {
        key: ADMIN_KEY, body: { call_id: "c-1", tracking_number: number, caller: "+79161234567", status: "answered", duration_secs: 90 },
      })],
      ["post_lead", () => call(w, "POST", `/v1/sites/${SITE}/leads`, { body: { session_id: live, phone: "+79160000000", lead_id: "l-1" } })],
      ["put_site", () => call(w, "PUT", `/v1/sites/${SITE}`, {
        key: ADMIN_KEY,
        body: { ...siteSpec({ pool: 4 }), integrations: { webhooks: [{ url: "http://127.0.0.1:9/hook", secret: "s3cret-s3cret-s3cret" }] } },
      })],
    ];
    for (const [handler, request] of cases) {
      // Fail each statement in turn until the request runs out of statements.
      let failures = 0;
      for (let n = 1; n <= 40; n++) {
        const before = await state(w);
        await arm(w, handler, n);
        const r = await request();
        if (r.status < 300) {
          // Fewer than n statements: nothing failed. The switch must be spent
          // before the next round, so the request succeeded and is kept.
          assert.ok(failures > 0, `${handler}: the fault switch never fired`);
          break;
        }
        failures++;
        assert.equal(r.status, 500, `${handler} #${n}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, "internal");
        assert.deepEqual(await state(w), before, `${handler}: statement ${n} failed and the state changed`);
      }
      assert.ok(failures >= 2, `${handler}: only ${failures} statements could fail`);
    }
    // Every request landed once, when nothing failed.
    const after = await state(w);
    assert.equal(after.calls.calls.length, 1);
    assert.equal(after.config.targets[0].pool.length, 4);
    assert.equal(after.coverage.totals.pages, 1);
    assert.ok(after.deliveries.includes("lead.created:l-1"), JSON.stringify(after.deliveries));
    const leased = after.pools.pools[0].leased;
    assert.equal(leased, 2, "the live session and the new one");
  } finally {
    await w.stop();
  }
});

test("the fault switch is the deployment's only, and unknown handlers are refused", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  try {
    await createSite(w, SITE, siteSpec({ pool: 1 }));
    const key = await call(w, "POST", `/v1/sites/${SITE}/keys`, { key: ADMIN_KEY, body: { scope: "admin" } });
    const r = await call(w, "POST", `/v1/sites/${SITE}/_test/fault`, { key: key.body.key, body: { handler: "heartbeat", statement: 1 } });
    assert.equal(r.status, 403);
    const bad = await call(w, "POST", `/v1/sites/${SITE}/_test/fault`, { key: ADMIN_KEY, body: { handler: "get_site", statement: 1 } });
    assert.equal(bad.status, 422);
  } finally {
    await w.stop();
  }
});

test("a test build run without TEST_FAULTS=on (deployed by mistake) has no fault switch", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY } });
  try {
    await createSite(w, SITE, siteSpec({ pool: 1 }));
    const r = await call(w, "POST", `/v1/sites/${SITE}/_test/fault`, { key: ADMIN_KEY, body: { handler: "heartbeat", statement: 1 } });
    assert.equal(r.status, 404);
  } finally {
    await w.stop();
  }
});


test("a heartbeat renews; after a lapse it leases anew from then; the leave beacon never takes a number", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  try {
    await createSite(w, SITE, siteSpec({ pool: 2, fixation_secs: 2, heartbeat_secs: 1, cooldown_secs: 1, grace_secs: 0 }));
    const sid = sessionId();
    const first = await call(w, "POST", `/v1/sites/${SITE}/sessions`, { body: { session_id: sid, url: "http://shop.test/?gclid=x" } });
    const mine = first.body.numbers[0];
    assert.equal(mine.kind, "dynamic");
    const beat = await call(w, "POST", `/v1/sites/${SITE}/sessions/${sid}/heartbeat`, { body: {}, template: "/v1/sites/{site}/sessions/{id}/heartbeat" });
    assert.equal(beat.status, 200);
    assert.equal(beat.body.numbers[0].number, mine.number, "a heartbeat renews the same number");
    assert.ok(beat.body.numbers[0].expires_at >= mine.expires_at);
    let pools = await call(w, "GET", `/v1/sites/${SITE}/pools`, { key: ADMIN_KEY });
    assert.equal(pools.body.pools[0].requests, 1, "a renewal is no lease request");

    // Wait until the lease has lapsed and the number has cooled (the alarm does it).
    await until(async () => {
      const p = await call(w, "GET", `/v1/sites/${SITE}/pools`, { key: ADMIN_KEY });
      return p.body.pools[0].leased === 0 && p.body.pools[0].cooling === 0;
    }, "the lease lapsed and the number cooled");
    const journalLen = async (n) =>
      (await call(w, "GET", `/v1/sites/${SITE}/journal?number=${encodeURIComponent(n)}`, { key: ADMIN_KEY })).body.entries.length;
    const before = await journalLen(mine.number);

    // The leave beacon: no number, no journal entry, no lease request.
    const leaving = await call(w, "POST", `/v1/sites/${SITE}/sessions/${sid}/heartbeat`, { body: { leaving: true }, template: "/v1/sites/{site}/sessions/{id}/heartbeat" });
    assert.equal(leaving.status, 200);
    assert.equal(leaving.body.numbers[0].kind, "original");
    assert.equal(leaving.body.numbers[0].number, leaving.body.numbers[0].target);
    pools = await call(w, "GET", `/v1/sites/${SITE}/pools`, { key: ADMIN_KEY });
    assert.equal(pools.body.pools[0].leased, 0);
    assert.equal(pools.body.pools[0].requests, 1);
    assert.equal(await journalLen(mine.number), before);

    // An open page's heartbeat after the lapse: a number in the reply, held from now.
    const t0 = Date.now();
    const back = await call(w, "POST", `/v1/sites/${SITE}/sessions/${sid}/heartbeat`, { body: {}, template: "/v1/sites/{site}/sessions/{id}/heartbeat" });
    assert.equal(back.body.numbers[0].kind, "dynamic");
    const entries = (await call(w, "GET", `/v1/sites/${SITE}/journal?number=${encodeURIComponent(back.body.numbers[0].number)}`, { key: ADMIN_KEY })).body.entries;
    const last = entries.at(-1);
    assert.equal(last.session_id, sid);
    assert.ok(last.from >= t0 - 1000 && last.until === null, JSON.stringify(entries));
  } finally {
    await w.stop();
  }
});
