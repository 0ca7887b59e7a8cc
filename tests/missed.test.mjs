// Missed calls with whose fault, on a real workerd: every missed call gets
// one reason from a fixed list: out of hours (the site's working hours, in
// its time zone, whatever else the telephony said), abandoned before any
// phone rang, not answered by the phones that rang, busy, all lines busy,
// failed; from a PBX's own words (missed_reason), its status and agent, and
// Twilio's Dial status. The reports count them by reason in every row
// (channel, agent, weekday x hour), an agent's own missed calls in its row;
// the call log filters by reason, and its CSV has the column.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec } from "./support/api.mjs";
import { twilioSignature } from "./support/twilio.mjs";
import { startWorker } from "./support/workerd.mjs";

const TOKEN = "twilio-token-for-missed";
const site = "missed";
let w, tracking;

// Moscow is UTC+3 all year: 00:00 UTC on the last Sunday is 03:00 there, out
// of hours; 09:00 UTC on the last weekday before today is 12:00, within them.
const day = 86_400_000;
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
const sunday = today - new Date(today).getUTCDay() * day;
let weekday = today - day;
while ([0, 6].includes(new Date(weekday).getUTCDay())) weekday -= day;
const noon = weekday + 9 * 3_600_000;
// The period of the reports and the log: every call of this test.
const since = Math.min(sunday, noon) - day;

before(async () => {
  w = await startWorker({ vars: { ADMIN_KEY } });
  await createSite(w, site, siteSpec({
    pool: 4,
    time_zone: "Europe/Moscow",
    working_hours: { days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" },
    agents: [{ id: "anna", name: "Anna Petrova", extensions: ["101"] }],
    integrations: { twilio: { auth_token: TOKEN } },
  }));
  tracking = (await newSession(w, site)).body.numbers[0].number;
});
after(() => w?.stop());

const admin = (method, path, opts = {}) => call(w, method, `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });

async function pbx(body) {
  const r = await admin("POST", "/calls", { body: { tracking_number: tracking, caller: "+79160007000", ...body }, template: "/v1/sites/{site}/calls" });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function twilio(path, params) {
  const url = `${w.url}/v1/sites/${site}/twilio/${path}`;
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSignature(TOKEN, url, params) },
    body: new URLSearchParams(params).toString(),
  });
  assert.equal(r.status, 200, await r.text());
}

describe("missed calls with whose fault", () => {
  test("each missed call gets one reason: out of hours first, then the telephony's words, then its status", async () => {
    const reasons = {};
    for (const [id, body] of [
      // Sunday night: out of hours, whatever the PBX says.
      ["m-night", { started_at: sunday, status: "no_answer", missed_reason: "all_lines_busy" }],
      ["m-lines", { started_at: noon, status: "no_answer", missed_reason: "all_lines_busy" }],
      ["m-busy", { started_at: noon + 1000, status: "busy" }],
      ["m-failed", { started_at: noon + 2000, status: "failed" }],
      // The caller hung up in the menu: no phone rang.
      ["m-menu", { started_at: noon + 3000, status: "cancelled" }],
      // Anna's phone rang, nobody answered (the caller gave up, or it rang out).
      ["m-anna-1", { started_at: noon + 4000, status: "cancelled", agent: "101" }],
      ["m-anna-2", { started_at: noon + 5000, status: "no_answer", agent: "anna" }],
      ["m-answered", { started_at: noon + 6000, status: "answered", duration_secs: 60, agent: "anna" }],
    ]) {
      reasons[id] = (await pbx({ call_id: id, ...body })).missed_reason;
    }
    assert.deepEqual(reasons, {
      "m-night": "out_of_hours",
      "m-lines": "all_lines_busy",
      "m-busy": "busy",
      "m-failed": "failed",
      "m-menu": "abandoned",
      "m-anna-1": "not_answered",
      "m-anna-2": "not_answered",
      "m-answered": null,
    });
    // A PBX that learns the end later: the update gives the reason.
    await pbx({ call_id: "m-later", started_at: noon + 7000 });
    const later = await admin("PATCH", "/calls/m-later", { body: { status: "no_answer", missed_reason: "busy" }, template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(later.status, 200, JSON.stringify(later.body));
    assert.equal(later.body.missed_reason, "busy");
    // A reason not on the list is refused, and changes nothing.
    const bad = await admin("POST", "/calls", { body: { call_id: "m-bad", tracking_number: tracking, status: "no_answer", missed_reason: "lunch" }, template: "/v1/sites/{site}/calls" });
    assert.equal(bad.status, 422);
    assert.match(JSON.stringify(bad.body), /missed_reason/);
    assert.equal((await admin("GET", "/calls/m-bad", { template: "/v1/sites/{site}/calls/{id}" })).status, 404);
  });

  test("Twilio's Dial says busy or not answered; the call was dialled at once, so never abandoned", async () => {
    const to = tracking;
    await twilio("voice", { CallSid: "CA-MB1", From: "+79160007001", To: to, CallStatus: "ringing" });
    await twilio("status", { CallSid: "CA-MB1", DialCallStatus: "busy", DialCallDuration: "0", CallStatus: "in-progress" });
    await twilio("voice", { CallSid: "CA-MB2", From: "+79160007002", To: to, CallStatus: "ringing" });
    await twilio("status", { CallSid: "CA-MB2", CallStatus: "canceled" });
    const get = async (id) => (await admin("GET", `/calls/${id}`, { template: "/v1/sites/{site}/calls/{id}" })).body;
    const [b1, b2] = [await get("CA-MB1"), await get("CA-MB2")];
    const working = (t) => {
      const msk = new Date(t + 3 * 3_600_000);
      return ![0, 6].includes(msk.getUTCDay()) && msk.getUTCHours() >= 9 && msk.getUTCHours() < 18;
    };
    // Twilio's calls start now: out of hours, unless the office is open now.
    assert.equal(b1.missed_reason, working(b1.started_at) ? "busy" : "out_of_hours");
    assert.equal(b2.missed_reason, working(b2.started_at) ? "not_answered" : "out_of_hours");
  });

  test("reports count the reasons in every row, an agent's own missed calls in its row; the log filters by reason", async () => {
    const rep = async (group) => (await admin("GET", `/reports/calls?from=${since}&to=${Date.now() + 60_000}&group_by=${group}`, { template: "/v1/sites/{site}/reports/calls" })).body;
    const byAgent = await rep("agent");
    const anna = byAgent.rows.find((r) => r.key === "anna");
    assert.deepEqual([anna.calls, anna.answered, anna.missed], [3, 1, 2]);
    assert.equal(anna.missed_by_reason.not_answered, 2);
    const total = byAgent.total.missed_by_reason;
    assert.equal(total.out_of_hours + total.abandoned + total.not_answered + total.busy + total.all_lines_busy + total.failed, byAgent.total.missed);
    assert.ok(total.out_of_hours >= 1 && total.all_lines_busy === 1 && total.abandoned === 1 && total.failed === 1);
    const byHour = await rep("weekday_hour");
    assert.equal(byHour.rows.find((r) => r.key === "sun 03").missed_by_reason.out_of_hours, 1);
    // When calls are missed for one reason (the dashboard's heatmap asks so): by hour.
    const outOfHours = (await admin("GET", `/reports/calls?from=${since}&to=${Date.now() + 60_000}&group_by=weekday_hour&missed_reason=out_of_hours`, { template: "/v1/sites/{site}/reports/calls" })).body;
    assert.equal(outOfHours.total.calls, outOfHours.total.missed_by_reason.out_of_hours);
    assert.ok(outOfHours.rows.find((r) => r.key === "sun 03").calls >= 1);
    const log = await admin("GET", `/calls?from=${since}&missed_reason=abandoned`, { template: "/v1/sites/{site}/calls" });
    assert.deepEqual(log.body.calls.map((c) => c.id), ["m-menu"]);
    const wrong = await admin("GET", `/calls?missed_reason=lunch`, { template: "/v1/sites/{site}/calls" });
    assert.equal(wrong.status, 422);
    const csv = await fetch(`${w.url}/v1/sites/${site}/calls?from=${since}&format=csv&missed_reason=all_lines_busy`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const lines = (await csv.text()).trim().split(/\r?\n/);
    assert.ok(lines[0].split(",").includes("missed_reason"));
    assert.equal(lines.length, 2);
    assert.ok(lines[1].endsWith(",all_lines_busy"), lines[1]);
    const reportCsv = await fetch(`${w.url}/v1/sites/${site}/reports/calls?from=${since}&group_by=agent&format=csv`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const head = (await reportCsv.text()).split(/\r?\n/)[0];
    for (const c of ["missed_out_of_hours", "missed_abandoned", "missed_not_answered", "missed_busy", "missed_all_lines_busy", "missed_failed"]) assert.ok(head.includes(c), c);
  });
});
