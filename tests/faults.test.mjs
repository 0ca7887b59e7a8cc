// Faults, bounded (seconds): a crash in the middle of a lease load, a
// client draining the pool, malformed bodies at every public and webhook
// endpoint. `npm run bench` runs them bigger and prints the counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_KEY } from "./support/api.mjs";
import { drain, fuzz, killDuringLoad } from "./support/faults.mjs";

test("SIGKILL in the middle of a lease load: nothing acknowledged is lost, nothing held twice, the alarm still expires", async () => {
  const r = await killDuringLoad({ adminKey: ADMIN_KEY, concurrency: 10, killAfterMs: 1200, fixationSecs: 3 });
  assert.ok(r.acknowledged >= 10, JSON.stringify(r));
  assert.equal(r.lost, 0, JSON.stringify(r));
  assert.equal(r.duplicates, 0, JSON.stringify(r));
  assert.equal(r.stored_whole, r.acknowledged, JSON.stringify(r));
  assert.equal(r.leased_after_fixation, 0, JSON.stringify(r));
});

test("one client draining the pool: normal visitors still get numbers", async () => {
  const r = await drain({ adminKey: ADMIN_KEY, seconds: 2, poolSize: 60, visitors: 30 });
  assert.ok(r.attacker.limited > 0, JSON.stringify(r));
  assert.ok(r.attacker.leased <= 20, `the per-client limit holds: ${JSON.stringify(r)}`);
  assert.equal(r.visitors_dynamic, r.visitors, JSON.stringify(r));
});

test("malformed bodies at the public and webhook endpoints: no 5xx, no change to stored state", async () => {
  const r = await fuzz({ adminKey: ADMIN_KEY, iterations: 140, seed: 7 });
  assert.deepEqual(r.fivexx, []);
  assert.deepEqual(r.changed, []);
  assert.ok(Object.keys(r.byStatus).some((s) => s.startsWith("4")), JSON.stringify(r.byStatus));
});

// The same faults on a site of four shards (one Durable Object each).
test("four shards: SIGKILL under load loses nothing, holds nothing twice; the alarms still expire", async () => {
  const r = await killDuringLoad({ adminKey: ADMIN_KEY, concurrency: 10, killAfterMs: 1200, fixationSecs: 3, shards: 4 });
  assert.ok(r.acknowledged >= 10, JSON.stringify(r));
  assert.equal(r.lost, 0, JSON.stringify(r));
  assert.equal(r.duplicates, 0, JSON.stringify(r));
  assert.equal(r.stored_whole, r.acknowledged, JSON.stringify(r));
  assert.equal(r.leased_after_fixation, 0, JSON.stringify(r));
});

test("four shards: the per-client limit holds across the shards; visitors still get numbers", async () => {
  const r = await drain({ adminKey: ADMIN_KEY, seconds: 2, poolSize: 60, visitors: 30, shards: 4 });
  assert.ok(r.attacker.limited > 0, JSON.stringify(r));
  assert.ok(r.attacker.leased <= 20, `the per-client limit holds: ${JSON.stringify(r)}`);
  assert.ok(r.visitors_dynamic >= r.visitors - 2, JSON.stringify(r));
});

test("four shards: malformed bodies, no 5xx, no change", async () => {
  const r = await fuzz({ adminKey: ADMIN_KEY, iterations: 140, seed: 11, shards: 4 });
  assert.deepEqual(r.fivexx, []);
  assert.deepEqual(r.changed, []);
});
