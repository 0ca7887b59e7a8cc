// Storage with an end, on a real workerd: a year of traffic (the test
// build's clock moved on a week at a time, never waited for) leaves a
// site's tables holding about its retention period and no more.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, sessionId, siteSpec, until } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

const DAY = 86_400_000;
const WEEK = 7 * DAY;

test("a year of visits, calls and leads leaves storage bounded by the retention", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  try {
    const site = "year";
    await createSite(w, site, siteSpec({ pool: 20, retention_days: 30, limits: { sessions_per_client_per_minute: 100000, sessions_per_site_per_minute: 100000 } }));
    const tables = async () => (await call(w, "GET", `/v1/sites/${site}/_test/tables`, { key: ADMIN_KEY, template: null })).body.tables;
    // Each week: 30 visits (each with its page view in the trail), 6 calls to
    // the numbers they saw, 4 leads.
    const VISITS = 30;
    const CALLS = 6;
    const LEADS = 4;
    // At most five weeks of records are inside a 30-day retention (and the
    // one the alarm has not swept yet); trails only for the last week or two.
    const bound = { sessions: 6 * VISITS, calls: 6 * CALLS, leads: 6 * LEADS, trails: 2 * VISITS };
    let peak = { sessions: 0, calls: 0, leads: 0, trails: 0, journal: 0 };
    let n = 0;
    for (let week = 0; week < 52; week++) {
      const seen = [];
      for (let i = 0; i < VISITS; i++) {
        const r = await newSession(w, site, { session_id: sessionId() }, { "x-real-ip": `198.51.${week}.${i + 1}` });
        assert.equal(r.status, 201);
        seen.push(r.body.numbers[0].number);
      }
      for (let i = 0; i < CALLS; i++) {
        const r = await call(w, "POST", `/v1/sites/${site}/calls`, {
          body: { call_id: `w${week}-c${i}`, tracking_number: seen[i], caller: `+7916${String(1000000 + n++).padStart(7, "0")}`, status: "answered", duration_secs: 60 },
          key: ADMIN_KEY,
          template: "/v1/sites/{site}/calls",
        });
        assert.ok([200, 201].includes(r.status), JSON.stringify(r.body));
      }
      for (let i = 0; i < LEADS; i++) {
        const r = await call(w, "POST", `/v1/sites/${site}/leads`, { body: { phone: `+7925${String(1000000 + n++).padStart(7, "0")}`, lead_id: `w${week}-l${i}` }, template: "/v1/sites/{site}/leads" });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      // A week passes; the alarm's hourly sweep runs at once on the moved clock.
      await call(w, "POST", `/v1/sites/${site}/_test/clock`, { body: { advance_ms: WEEK }, key: ADMIN_KEY, template: null });
      const t = await until(async () => {
        const x = await tables();
        return x.calls <= bound.calls && x.sessions <= bound.sessions && x.leads <= bound.leads && x.trails <= bound.trails && x;
      }, `week ${week}: the sweep`);
      for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], t[k]);
    }
    const last = await tables();
    // Bounded, and not by emptiness: the last weeks are all there.
    assert.ok(last.sessions >= 4 * VISITS && last.calls >= 4 * CALLS && last.leads >= 4 * LEADS, JSON.stringify(last));
    assert.ok(peak.journal < 8 * VISITS, `journal peaked at ${peak.journal}`);
    assert.ok(last.outbox === 0 || last.outbox < 6 * (CALLS + LEADS), JSON.stringify(last));
    // 52 weeks of traffic: 1,560 visits, 312 calls and 208 leads went in.
    assert.ok(peak.sessions <= bound.sessions && peak.calls <= bound.calls, JSON.stringify(peak));
  } finally {
    await w.stop();
  }
});
