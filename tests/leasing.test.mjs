// Leasing under load and over time, on a real workerd with real Durable
// Object storage: concurrency, alarms, heartbeats, and a crash.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, sessionId, siteSpec, until } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

test("500 concurrent new sessions on a 100-number pool: 100 distinct leases, 400 fallbacks", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY } });
  try {
    await createSite(w, "rush", siteSpec({ pool: 100, limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 1000 } }));
    const replies = await Promise.all(Array.from({ length: 500 }, () => newSession(w, "rush")));
    assert.ok(replies.every((r) => r.status === 201), `statuses: ${[...new Set(replies.map((r) => r.status))]}`);
    const kinds = replies.map((r) => r.body.numbers[0].kind);
    const dynamic = replies.filter((r) => r.body.numbers[0].kind === "dynamic").map((r) => r.body.numbers[0].number);
    assert.equal(dynamic.length, 100);
    assert.equal(new Set(dynamic).size, 100, "a number was given to two sessions");
    assert.equal(kinds.filter((k) => k === "fallback").length, 400);
    assert.ok(replies.filter((r) => r.body.numbers[0].kind === "fallback").every((r) => r.body.numbers[0].number === "+74990009999"));
    const pools = await call(w, "GET", "/v1/sites/rush/pools", { key: ADMIN_KEY });
    assert.equal(pools.body.pools[0].leased, 100);
    assert.equal(pools.body.pools[0].fallbacks, 400);
    assert.equal(pools.body.pools[0].fallback_share, 0.8);
  } finally {
    await w.stop();
  }
});

test("the alarm alone expires leases and ends the cooldown, with no request in between", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY } });
  try {
    await createSite(w, "quiet", siteSpec({ pool: 2, fixation_secs: 2, heartbeat_secs: 1, cooldown_secs: 1, grace_secs: 0 }));
    const a = await newSession(w, "quiet");
    const b = await newSession(w, "quiet");
    assert.equal(a.body.numbers[0].kind, "dynamic");
    assert.equal(b.body.numbers[0].kind, "dynamic");
    // No request but reads: only the object's alarm can expire the leases
    // (at 2 s) and free the numbers (at 3 s). Reading pools changes nothing,
    // so it is read until that state comes (the runtime's own alarm, real time).
    const pools = await until(async () => {
      const p = (await call(w, "GET", "/v1/sites/quiet/pools", { key: ADMIN_KEY })).body.pools[0];
      return p.leased === 0 && p.cooling === 0 && p.free === 2 && p;
    }, "the alarm expires both leases and ends the cooldown");
    assert.equal(pools.requests, 2, "no request leased meanwhile");
  } finally {
    await w.stop();
  }
});

test("heartbeats keep a lease; a silent session loses it", async () => {
  // The test clock: a second passes between heartbeats however slow the machine.
  const w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  try {
    await createSite(w, "timers", siteSpec({ pool: 2, fixation_secs: 3, heartbeat_secs: 1, cooldown_secs: 1, grace_secs: 0 }));
    const kept = await newSession(w, "timers");
    const lapsed = await newSession(w, "timers");
    const keptNumber = kept.body.numbers[0].number;
    assert.equal(kept.body.numbers[0].kind, "dynamic");
    assert.equal(lapsed.body.numbers[0].kind, "dynamic");
    for (let i = 0; i < 5; i++) {
      await call(w, "POST", "/v1/sites/timers/_test/clock", { body: { advance_ms: 1000 }, key: ADMIN_KEY });
      const hb = await call(w, "POST", `/v1/sites/timers/sessions/${kept.body.session_id}/heartbeat`);
      assert.equal(hb.body.numbers[0].number, keptNumber);
    }
    // 5 s after the start, with a 3 s fixation: the silent session's lease
    // expired by alarm (no request touched it) and its number cooled down.
    const pools = await call(w, "GET", "/v1/sites/timers/pools", { key: ADMIN_KEY });
    assert.equal(pools.body.pools[0].leased, 1, JSON.stringify(pools.body));
    assert.equal(pools.body.pools[0].free, 1, JSON.stringify(pools.body));
    const journal = await call(w, "GET", `/v1/sites/timers/journal?number=${encodeURIComponent(lapsed.body.numbers[0].number)}`, {
      key: ADMIN_KEY,
      template: "/v1/sites/{site}/journal",
    });
    const entry = journal.body.entries[0];
    assert.equal(entry.session_id, lapsed.body.session_id);
    // It ended at its deadline, not when the alarm ran.
    assert.equal(entry.until, lapsed.body.numbers[0].expires_at);
  } finally {
    await w.stop();
  }
});

test("kill workerd and start it again: config, leases and journal are all there", async () => {
  const state = mkdtempSync(join(tmpdir(), "calltrack-restart-"));
  let w = await startWorker({ vars: { ADMIN_KEY }, persistTo: state });
  try {
    await createSite(w, "durable", siteSpec({ pool: 5 }));
    const sessions = [];
    for (let i = 0; i < 3; i++) sessions.push((await newSession(w, "durable")).body);
    await call(w, "POST", `/v1/sites/durable/sessions/${sessions[2].session_id}/release`, { raw: "", headers: { "content-type": "text/plain" } });
    await w.stop("SIGKILL");
    w = await startWorker({ vars: { ADMIN_KEY }, persistTo: state });
    const cfg = await call(w, "GET", "/v1/sites/durable", { key: ADMIN_KEY });
    assert.equal(cfg.status, 200);
    assert.equal(cfg.body.targets[0].pool.length, 5);
    const pools = await call(w, "GET", "/v1/sites/durable/pools", { key: ADMIN_KEY });
    assert.equal(pools.body.pools[0].leased, 2);
    assert.equal(pools.body.pools[0].cooling, 1);
    assert.equal(pools.body.pools[0].requests, 3);
    for (const s of sessions.slice(0, 2)) {
      const again = await newSession(w, "durable", { session_id: s.session_id });
      assert.equal(again.status, 200);
      assert.equal(again.body.numbers[0].number, s.numbers[0].number);
      assert.equal(again.body.channel.channel, "paid_search");
    }
    const j = await call(w, "GET", `/v1/sites/durable/journal?number=${encodeURIComponent(sessions[2].numbers[0].number)}`, { key: ADMIN_KEY });
    assert.equal(j.body.entries.length, 1);
    assert.equal(j.body.entries[0].session_id, sessions[2].session_id);
    assert.ok(j.body.entries[0].until !== null);
    // A new visitor does not get a number held or cooling.
    const fresh = await newSession(w, "durable");
    const taken = new Set(sessions.map((s) => s.numbers[0].number));
    assert.ok(!taken.has(fresh.body.numbers[0].number));
  } finally {
    await w.stop();
    rmSync(state, { recursive: true, force: true });
  }
});
