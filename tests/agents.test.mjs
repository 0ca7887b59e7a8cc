// Agents and sources on a real workerd: who answered (Twilio's <Dial> legs,
// a PBX's agent field, a manager's later change), reports and filters by
// agent with the time to answer and PTR; numbers of their own for a
// billboard and a partner (shown only where their rule says); reports by
// ad, region and tag.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, sessionId, siteSpec, until } from "./support/api.mjs";
import { twilioSignature } from "./support/twilio.mjs";
import { startWorker } from "./support/workerd.mjs";

const TOKEN = "twilio-auth-token-for-agents";
const site = "agents";
const ANNA = "+79160001001";
const BORIS = "+79160001002";
const BILLBOARD = "+74990007001";
const PARTNER = "+74990007002";

let w;
before(async () => {
  w = await startWorker({ vars: { ADMIN_KEY, DEMO_SITES: site } });
  const spec = siteSpec({
    pool: 4,
    agents: [
      { id: "anna", name: "Anna Petrova", numbers: ["8 916 000-10-01"], extensions: ["101"] },
      { id: "boris", name: "Boris Ivanov", numbers: [BORIS] },
    ],
    sources: [
      { number: BILLBOARD, label: "Billboard, Tverskaya", channel: "outdoor" },
      { number: PARTNER, label: "Partner: Acme", channel: "partner", show_on: { utm_source: "acme" } },
    ],
    integrations: { twilio: { auth_token: TOKEN } },
  });
  spec.targets[0].ring = ["anna", "boris"];
  await createSite(w, site, spec);
});
after(() => w?.stop());

const admin = (method, path, opts = {}) => call(w, method, `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });
const report = async (q) => (await admin("GET", `/reports/calls?${q}`, { template: "/v1/sites/{site}/reports/calls" })).body;
const row = (rep, key) => rep.rows.find((r) => r.key === key);

/** Twilio's signature over the URL and the POST parameters, by Twilio's own helper library. */
const sign = (url, params) => twilioSignature(TOKEN, url, params);

async function twilio(path, params) {
  const url = `${w.url}/v1/sites/${site}/twilio/${path}`;
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sign(url, params) },
    body: new URLSearchParams(params).toString(),
  });
  return { status: r.status, text: await r.text() };
}

async function pbx(body) {
  const r = await call(w, "POST", `/v1/sites/${site}/calls`, { body, key: ADMIN_KEY, template: "/v1/sites/{site}/calls" });
  assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body));
  return r.body;
}

describe("sources with numbers of their own", () => {
  test("a partner's visitors see the partner's number; nobody sees the billboard's", async () => {
    const partner = await newSession(w, site, { url: "http://shop.test/?utm_source=acme&utm_medium=referral" });
    assert.equal(partner.status, 201);
    assert.equal(partner.body.numbers[0].number, PARTNER);
    assert.equal(partner.body.numbers[0].kind, "static");
    for (const url of ["http://shop.test/?utm_source=google&utm_medium=cpc", "http://shop.test/?utm_medium=outdoor", "http://shop.test/"]) {
      const s = await newSession(w, site, { url });
      assert.notEqual(s.body.numbers[0].number, BILLBOARD, url);
      assert.notEqual(s.body.numbers[0].number, PARTNER, url);
    }
  });

  test("a call to the billboard's number is that source's, sure, on a row of its own", async () => {
    const c = await pbx({ call_id: "bb-1", tracking_number: "8 499 000-70-01", caller: "+79161110001", status: "answered", duration_secs: 60 });
    assert.equal(c.attribution.kind, "static");
    assert.equal(c.attribution.confidence, "high");
    assert.deepEqual([c.attribution.channel.channel, c.attribution.channel.source, c.attribution.channel.medium], ["outdoor", "Billboard, Tverskaya", "outdoor"]);
    await pbx({ call_id: "pa-1", tracking_number: PARTNER, caller: "+79161110002", status: "no_answer" });
    const bySource = await report("group_by=source_medium");
    assert.equal(row(bySource, "Billboard, Tverskaya / outdoor")?.calls, 1, JSON.stringify(bySource.rows));
    assert.equal(row(bySource, "Partner: Acme / partner")?.calls, 1);
    const byChannel = await report("group_by=channel");
    assert.equal(row(byChannel, "outdoor").calls, 1);
    assert.equal(row(byChannel, "partner").calls, 1);
    assert.equal(row(byChannel, "partner").visits, 0, "the partner's visit is a referral visit; its call is the partner's");
  });

  test("bad sources and agents are refused, each by its path, and change nothing", async () => {
    const spec = siteSpec({
      agents: [{ id: "Anna!", numbers: ["x"] }],
      sources: [{ number: BILLBOARD, label: "", channel: "billboards", show_on: {} }],
    });
    spec.targets[0].ring = ["nobody"];
    const r = await admin("PUT", "", { body: spec, template: "/v1/sites/{site}" });
    assert.equal(r.status, 422);
    const paths = r.body.error.fields.map((f) => f.path);
    for (const p of ["targets[0].ring[0]", "sources[0].label", "sources[0].channel", "sources[0].show_on", "agents[0].id", "agents[0].numbers[0]"]) {
      assert.ok(paths.includes(p), `${p} in ${paths}`);
    }
    const still = await admin("GET", "", { template: "/v1/sites/{site}" });
    assert.equal(still.body.sources.length, 2);
    assert.deepEqual(still.body.targets[0].ring, ["anna", "boris"]);
  });
});

describe("agents", () => {
  test("Twilio rings every agent of the target; the leg that answers names the agent and the wait", async () => {
    const s = await newSession(w, site, { url: "http://shop.test/?utm_source=google&utm_medium=cpc&utm_content=ad-7" }, { "x-calltrack-geo": "RU / MOW" });
    const tracking = s.body.numbers[0].number;
    const v = await twilio("voice", { CallSid: "CA-AG1", From: "+79162220001", To: tracking, CallStatus: "ringing" });
    assert.equal(v.status, 200, v.text);
    const legs = [...v.text.matchAll(/<Number statusCallbackEvent="answered completed" statusCallback="([^"]+)" statusCallbackMethod="POST">([^<]+)<\/Number>/g)];
    assert.deepEqual(legs.map((m) => m[2]), [ANNA, BORIS], v.text);
    const legUrl = legs[0][1].replaceAll("&amp;", "&");
    assert.ok(legUrl.endsWith(`/v1/sites/${site}/twilio/status`), legUrl);
    // Boris answers; Anna's leg is cancelled; then the Dial action.
    const leg = async (params) => {
      const r = await fetch(legUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sign(legUrl, params) },
        body: new URLSearchParams(params).toString(),
      });
      assert.equal(r.status, 200, await r.text());
    };
    await leg({ CallSid: "CA-LEG-B", ParentCallSid: "CA-AG1", To: BORIS, CallStatus: "in-progress", CallbackSource: "call-progress-events" });
    await leg({ CallSid: "CA-LEG-A", ParentCallSid: "CA-AG1", To: ANNA, CallStatus: "canceled", CallbackSource: "call-progress-events" });
    await twilio("status", { CallSid: "CA-AG1", DialCallStatus: "completed", DialCallDuration: "80", CallStatus: "in-progress" });
    const c = await admin("GET", "/calls/CA-AG1", { template: "/v1/sites/{site}/calls/{id}" });
    assert.deepEqual(c.body.agent, { id: "boris", name: "Boris Ivanov" });
    assert.equal(typeof c.body.wait_secs, "number");
    assert.equal(c.body.status, "answered");
    // A leg of a call we never saw changes nothing.
    await leg({ CallSid: "CA-LEG-X", ParentCallSid: "CA-UNKNOWN", To: ANNA, CallStatus: "in-progress" });
    assert.equal((await admin("GET", "/calls/CA-UNKNOWN")).status, 404);
  });

  test("a PBX names the agent by extension, number or name; an unknown one is kept as said", async () => {
    const s = await newSession(w, site, { url: "http://shop.test/?utm_source=google&utm_medium=cpc&utm_content=ad-7" });
    const tracking = s.body.numbers[0].number;
    const missed = await pbx({ call_id: "pbx-a1", tracking_number: tracking, caller: "+79163330001", status: "no_answer", agent: "101" });
    assert.deepEqual(missed.agent, { id: "anna", name: "Anna Petrova" });
    const answered = await pbx({ call_id: "pbx-a2", tracking_number: tracking, caller: "+79163330002", status: "answered", duration_secs: 90, agent: "8 916 000-10-01", wait_secs: 12 });
    assert.equal(answered.agent.id, "anna");
    assert.equal(answered.wait_secs, 12);
    const stranger = await pbx({ call_id: "pbx-a3", tracking_number: tracking, caller: "+79163330003", status: "answered", duration_secs: 40, agent: "ext 555" });
    assert.deepEqual(stranger.agent, { id: "ext 555", name: null });
    const bad = await call(w, "POST", `/v1/sites/${site}/calls`, { body: { call_id: "pbx-bad", tracking_number: tracking, agent: " " }, key: ADMIN_KEY });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.fields[0].path, "agent");
    assert.equal((await admin("GET", "/calls/pbx-bad")).status, 404, "a refused call is not recorded");
  });

  test("reports by agent: calls, answered, missed, time to answer, target calls, PTR", async () => {
    // A manager gives Boris's call an outcome, and moves the stranger's to Boris.
    const o = await admin("PATCH", "/calls/CA-AG1", { body: { outcome: { label: "sale", value: 1500 } }, template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(o.status, 200);
    const moved = await admin("PATCH", "/calls/pbx-a3", { body: { agent: "boris", tags: ["vip"] }, template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(moved.body.agent.id, "boris");
    const rep = await report("group_by=agent");
    const anna = row(rep, "anna");
    const boris = row(rep, "boris");
    assert.deepEqual([anna.calls, anna.answered, anna.missed], [2, 1, 1], JSON.stringify(rep.rows));
    assert.equal(anna.avg_answer_secs, 12);
    assert.deepEqual([anna.ptr_percent, anna.ptr_rated_percent], [0, null], "no outcome yet");
    assert.deepEqual([boris.calls, boris.answered, boris.missed, boris.target], [2, 2, 0, 2]);
    assert.deepEqual([boris.ptr_percent, boris.rated_percent, boris.ptr_rated_percent], [50, 50, 100], "one sale of two calls, the only one rated");
    assert.equal(boris.successful, 1);
    assert.equal(boris.visits, 0, "visits have no agent");
    // Filters: Anna's calls only.
    const list = await admin("GET", "/calls?agent=anna", { template: "/v1/sites/{site}/calls" });
    assert.deepEqual(list.body.calls.map((c) => c.id).sort(), ["pbx-a1", "pbx-a2"]);
    // Taken back: the call has no agent.
    const none = await admin("PATCH", "/calls/pbx-a3", { body: { agent: null }, template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(none.body.agent, null);
    const after = row(await report("group_by=agent"), "boris");
    assert.equal(after.calls, 1);
  });

  test("reports by ad, region and tag; the CSV carries agent, wait and outcome", async () => {
    const byAd = await report("group_by=ad");
    const ad = row(byAd, "ad-7");
    assert.equal(ad.calls, 4, JSON.stringify(byAd.rows));
    assert.equal(ad.visits, 2);
    assert.equal(ad.calls_per_100_visits, 200);
    const byRegion = await report("group_by=region");
    assert.equal(row(byRegion, "RU / MOW")?.calls, 1, JSON.stringify(byRegion.rows));
    assert.equal(row(byRegion, "RU / MOW")?.visits, 1);
    const onlyMoscow = await report("group_by=channel&region=RU%20%2F%20MOW");
    assert.equal(onlyMoscow.total.calls, 1);
    const byTag = await report("group_by=tag");
    assert.equal(row(byTag, "vip").calls, 1);
    const csv = await fetch(`${w.url}/v1/sites/${site}/calls?format=csv&agent=boris`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const [header, ...lines] = (await csv.text()).trim().split("\n");
    const cols = header.split(",");
    const line = lines[0].split(",");
    assert.equal(lines.length, 1);
    assert.equal(line[cols.indexOf("agent")], "boris");
    assert.equal(line[cols.indexOf("outcome")], "sale");
    assert.equal(line[cols.indexOf("value")], "1500.00");
    assert.equal(line[cols.indexOf("ad")], "ad-7");
    assert.match(line[cols.indexOf("wait_secs")], /^\d+$/);
  });

  test("leads: listed with the call log's filters, and as CSV", async () => {
    for (const [campaign, name] of [["spring", "Ivan"], ["autumn", "Olga"]]) {
      const s = await newSession(w, site, { url: `http://shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=${campaign}` });
      const r = await call(w, "POST", `/v1/sites/${site}/leads`, { body: { session_id: s.body.session_id, name, phone: "+79165550000" }, headers: { origin: "http://shop.test" } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const spring = await admin("GET", "/leads?campaign=spring", { template: "/v1/sites/{site}/leads" });
    assert.deepEqual(spring.body.leads.map((l) => l.name), ["Ivan"]);
    assert.equal(spring.body.leads[0].phone, "+7******0000");
    const csv = await (await fetch(`${w.url}/v1/sites/${site}/leads?format=csv&channel=paid_search`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    const [header, ...lines] = csv.trim().split("\n");
    assert.ok(header.startsWith("id,created_at,session_id,channel"), header);
    assert.equal(lines.length, 2);
    assert.ok(lines.some((l) => l.includes("autumn") && l.includes("Olga")));
    // Calls vs leads per campaign, side by side.
    const byCampaign = await report("group_by=campaign");
    assert.equal(row(byCampaign, "spring").leads, 1);
  });

  test("the demo call of a target with agents is taken by one of them", async () => {
    const s = await newSession(w, site, { url: "http://shop.test/?utm_source=google&utm_medium=cpc" });
    const r = await call(w, "POST", `/v1/sites/${site}/demo/call`, { body: { session_id: s.body.session_id }, key: ADMIN_KEY });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.ok(["anna", "boris"].includes(r.body.agent?.id), JSON.stringify(r.body));
  });
});
