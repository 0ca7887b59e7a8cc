// The confidence of an attribution weighs the holder's last sign of life,
// on a real workerd (with its test clock): a call to a number whose
// holder's page has been silent for more than five minutes is in doubt
// (low), since an earlier visitor calling late finds the number with
// someone who is no longer there; a page still sending heartbeats is sure.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

const site = "silent";
let w;
before(async () => {
  w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  await createSite(w, site, siteSpec({ pool: 3, fixation_secs: 1800, heartbeat_secs: 60 }));
});
after(async () => w?.stop());

let seq = 0;
const pbx = async (number) => {
  const r = await call(w, "POST", `/v1/sites/${site}/calls`, {
    body: { call_id: `silent-${++seq}`, tracking_number: number, status: "answered", duration_secs: 60 },
    key: ADMIN_KEY,
    template: "/v1/sites/{site}/calls",
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.attribution;
};
const minutes = async (m) => {
  const r = await call(w, "POST", `/v1/sites/${site}/_test/clock`, { body: { advance_ms: m * 60_000 }, key: ADMIN_KEY, template: null });
  assert.equal(r.status, 200);
};

test("a holder's page silent for minutes makes the attribution low; heartbeats keep it high", async () => {
  const a = await newSession(w, site, {});
  const number = a.body.numbers[0].number;
  const now = await pbx(number);
  assert.deepEqual([now.session_id, now.confidence], [a.body.session_id, "high"]);
  // Six minutes without a heartbeat: the visitor left (the lease still holds, fixation 30 min).
  await minutes(6);
  const late = await pbx(number);
  assert.equal(late.session_id, a.body.session_id, "still the holder's");
  assert.equal(late.confidence, "low", "but in doubt");
  // A page that beats is on the page: sure again.
  const beat = await call(w, "POST", `/v1/sites/${site}/sessions/${a.body.session_id}/heartbeat`, { body: {}, template: "/v1/sites/{site}/sessions/{id}/heartbeat" });
  assert.equal(beat.status, 200);
  await minutes(4);
  assert.equal((await pbx(number)).confidence, "high");
});
