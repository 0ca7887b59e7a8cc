// The whole call loop on a real workerd: a session leases a number; a
// signed Twilio webhook for it gets TwiML ringing the right target; the
// status callback completes it; the report shows one target call under the
// session's channel and keyword; a CRM capture server gets signed webhooks
// (a failing one gets retries); a GA4 capture server gets the events.
// Then the generic PBX webhook, leads, erasure, and every bad input.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, sessionId, siteSpec, sleep } from "./support/api.mjs";
import { twilioSignature } from "./support/twilio.mjs";
import { startWorker } from "./support/workerd.mjs";

const TOKEN = "twilio-auth-token-for-tests";
const SECRET = "crm-webhook-secret-0123456789";

/** A capture server: records every request; /flaky fails its first two. */
async function capture() {
  const got = [];
  let flaky = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      got.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, at: Date.now() });
      if (url.pathname === "/flaky" && ++flaky <= 2) return res.writeHead(500).end("not now");
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, got, close: () => new Promise((r) => server.close(r)) };
}

let w, cap;
const site = "calls";
before(async () => {
  cap = await capture();
  // The fault switch: a call that cannot be stored.
  w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  await createSite(w, site, siteSpec({
    pool: 2,
    target_call: { min_duration_secs: 30, unique_days: 30 },
    integrations: {
      twilio: { auth_token: TOKEN },
      webhooks: [
        { url: `${cap.url}/crm`, secret: SECRET },
        { url: `${cap.url}/flaky`, secret: SECRET, events: ["call.completed"] },
      ],
      ga4: { measurement_id: "G-TEST123", api_secret: "ga-secret", endpoint: `${cap.url}/ga4` },
    },
  }));
});
after(async () => {
  await w?.stop();
  await cap?.close();
});

/** Twilio's signature over the URL and the POST parameters, by Twilio's own helper library. */
const sign = (url, params) => twilioSignature(TOKEN, url, params);

async function twilio(path, params, { signature } = {}) {
  const url = `${w.url}/v1/sites/${site}/twilio/${path}`;
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature ?? sign(url, params) },
    body: new URLSearchParams(params).toString(),
  });
  return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
}

const admin = (path, opts = {}) => call(w, "GET", `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });

async function until(what, check, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function verify(req) {
  const [t, v1] = req.headers["x-calltrack-signature"].split(",").map((p) => p.split("=")[1]);
  const want = createHmac("sha256", SECRET).update(`${t}.${req.body}`).digest("hex");
  return v1 === want;
}

describe("the Twilio loop", () => {
  let sid, leased;
  test("a session leases a number; Twilio's webhook rings the target through", async () => {
    sid = sessionId();
    const s = await newSession(w, site, {
      session_id: sid,
      url: "https://shop.test/implants?utm_source=google&utm_medium=cpc&utm_campaign=spring&utm_term=implants&gclid=G1",
      ga_client_id: "555.1700000000",
    });
    assert.equal(s.status, 201);
    leased = s.body.numbers[0].number;
    const r = await twilio("voice", { CallSid: "CA0001", From: "+79161234567", To: leased, CallStatus: "ringing", Direction: "inbound" });
    assert.equal(r.status, 200, r.text);
    assert.match(r.type, /text\/xml/);
    // The target rings through; its leg reports its answer (who answered, and when) to the same URL.
    assert.match(r.text, /<Dial action="([^"]+\/v1\/sites\/calls\/twilio\/status)" method="POST"><Number statusCallbackEvent="answered completed" statusCallback="\1" statusCallbackMethod="POST">\+74951234567<\/Number><\/Dial>/);
    const c = await admin("/calls/CA0001", { template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(c.status, 200);
    assert.equal(c.body.status, "ringing");
    assert.equal(c.body.caller, "+7******4567", "masked unless asked");
    assert.equal(c.body.attribution.kind, "session");
    assert.equal(c.body.attribution.session_id, sid);
    assert.equal(c.body.attribution.confidence, "high");
    assert.equal(c.body.attribution.channel.channel, "paid_search");
    assert.equal(c.body.attribution.channel.term, "implants");
  });

  test("a forged signature is 403 and records nothing", async () => {
    const r = await twilio("voice", { CallSid: "CA-FORGED", From: "+79160000000", To: leased }, { signature: "bm90IGEgc2lnbmF0dXJl" });
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.text).error.code, "forbidden");
    assert.equal((await admin("/calls/CA-FORGED")).status, 404);
  });

  test("the status callback completes it: a target call under the session's channel and keyword", async () => {
    const done = { CallSid: "CA0001", DialCallStatus: "completed", DialCallDuration: "95", CallStatus: "in-progress" };
    const r = await twilio("status", done);
    assert.equal(r.status, 200);
    assert.match(r.text, /<Response\/>/);
    // Repeated and late callbacks change nothing.
    assert.equal((await twilio("status", done)).status, 200);
    assert.equal((await twilio("status", { CallSid: "CA0001", CallStatus: "ringing" })).status, 200);
    assert.equal((await twilio("status", { CallSid: "CA0001", CallStatus: "completed", CallDuration: "100" })).status, 200);
    const c = await admin("/calls/CA0001?full_caller=1", { template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(c.body.status, "answered");
    assert.equal(c.body.duration_secs, 95);
    assert.equal(c.body.target_call, true);
    assert.equal(c.body.first_call, true);
    assert.equal(c.body.caller, "+79161234567");
    const rep = await admin("/reports/calls?group_by=channel", { template: "/v1/sites/{site}/reports/calls" });
    assert.equal(rep.status, 200);
    const ps = rep.body.rows.find((x) => x.key === "paid_search");
    assert.deepEqual(
      { calls: ps.calls, answered: ps.answered, target: ps.target, answer_rate: ps.answer_rate_percent, ptr: ps.ptr_percent, without: ps.without_outcome },
      { calls: 1, answered: 1, target: 1, answer_rate: 100, ptr: 0, without: 1 },
      "answered is not a success: no outcome yet, PTR 0",
    );
    const kw = await admin("/reports/calls?group_by=keyword", { template: "/v1/sites/{site}/reports/calls" });
    assert.equal(kw.body.rows.find((x) => x.key === "implants").target, 1);
  });

  test("the CRM got signed events; the failing one got retries; GA4 got the call", async () => {
    const crm = await until("call.completed at the CRM", () => {
      const evs = cap.got.filter((g) => g.path === "/crm");
      return evs.some((e) => e.headers["x-calltrack-event"] === "call.completed") && evs;
    });
    const created = crm.find((e) => e.headers["x-calltrack-event"] === "call.created");
    const completed = crm.find((e) => e.headers["x-calltrack-event"] === "call.completed");
    assert.ok(verify(created) && verify(completed), "HMAC-SHA256 signatures verify");
    assert.equal(completed.headers["idempotency-key"], "call.completed:CA0001");
    const body = JSON.parse(completed.body);
    assert.equal(body.data.target_call, true);
    assert.equal(body.data.attribution.channel.campaign, "spring");
    assert.equal(crm.filter((e) => e.headers["x-calltrack-event"] === "call.completed").length, 1, "sent once");
    // 500, 500, then 200: delivered on the third attempt, after backoff.
    const flaky = await until("three attempts at /flaky", () => {
      const f = cap.got.filter((g) => g.path === "/flaky");
      return f.length >= 3 && f;
    });
    assert.ok(flaky.every(verify));
    assert.ok(flaky[2].at - flaky[0].at >= 2500, "backoff between attempts");
    const d = await until("the delivery record", async () => {
      const r = await admin("/deliveries", { template: "/v1/sites/{site}/deliveries" });
      const row = r.body.deliveries.find((x) => x.url.endsWith("/flaky"));
      return row?.state === "delivered" && row;
    });
    assert.equal(d.attempts, 3);
    const ga = await until("GA4", () => cap.got.find((g) => g.path === "/ga4"));
    assert.deepEqual(ga.query, { measurement_id: "G-TEST123", api_secret: "ga-secret" });
    const ev = JSON.parse(ga.body);
    assert.equal(ev.client_id, "555.1700000000");
    assert.deepEqual(ev.events.map((e) => e.name), ["phone_call", "target_call"]);
    assert.equal(ev.events[0].params.channel, "paid_search");
  });

  test("an outcome: PTR as the trade counts it, the value, a signed call.outcome webhook and GA4's call_outcome", async () => {
    const patch = (body) => call(w, "PATCH", `/v1/sites/${site}/calls/CA0001`, { key: ADMIN_KEY, body, template: "/v1/sites/{site}/calls/{id}" });
    // Not one of the site's outcomes: refused, nothing changes.
    const bad = await patch({ outcome: { label: "bought a boat" } });
    assert.equal(bad.status, 422);
    assert.match(JSON.stringify(bad.body), /outcome\.label.*appointment/);
    assert.equal((await patch({ outcome: { label: "sale", value: 12.345 } })).status, 422, "at most two decimals");
    assert.equal((await admin("/calls/CA0001")).body.outcome, null);
    // A sale worth 1500.50: successful; PTR 100% of the one call with an outcome.
    const sold = await patch({ outcome: { label: "Sale", value: 1500.5 } });
    assert.equal(sold.status, 200, JSON.stringify(sold.body));
    assert.deepEqual({ ...sold.body.outcome, set_at: 0 }, { label: "sale", successful: true, value: 1500.5, set_at: 0 });
    const rep = (await admin("/reports/calls?group_by=channel", { template: "/v1/sites/{site}/reports/calls" })).body;
    const ps = rep.rows.find((x) => x.key === "paid_search");
    assert.deepEqual({ ptr: ps.ptr_percent, ok: ps.successful, with: ps.with_outcome, value: ps.value_minor }, { ptr: 100, ok: 1, with: 1, value: 150050 });
    // Changed to a failure: PTR 0, the answer rate unchanged.
    await patch({ outcome: { label: "wrong number" } });
    const changed = (await admin("/reports/calls?group_by=channel")).body.rows.find((x) => x.key === "paid_search");
    assert.deepEqual({ ptr: changed.ptr_percent, answer_rate: changed.answer_rate_percent }, { ptr: 0, answer_rate: 100 });
    // Each change went out as a signed call.outcome webhook; the sale to GA4 with its value.
    const outs = await until("two call.outcome events at the CRM", () => {
      const e = cap.got.filter((g) => g.path === "/crm" && g.headers["x-calltrack-event"] === "call.outcome");
      return e.length >= 2 && e;
    });
    assert.ok(outs.every(verify), "HMAC-SHA256 signatures verify");
    assert.deepEqual(outs.map((e) => JSON.parse(e.body).data.outcome.label).sort(), ["sale", "wrong number"]);
    const ga = await until("GA4 call_outcome", () => cap.got.find((g) => g.path === "/ga4" && g.body.includes("call_outcome")));
    const ev = JSON.parse(ga.body).events[0];
    assert.equal(ev.name, "call_outcome");
    assert.deepEqual({ outcome: ev.params.outcome, successful: ev.params.successful, value: ev.params.value, currency: ev.params.currency }, { outcome: "sale", successful: true, value: 1500.5, currency: "USD" });
    // Taken back: no outcome, PTR 0, none rated.
    const back = await patch({ outcome: null });
    assert.equal(back.body.outcome, null);
    const total = (await admin("/reports/calls")).body.total;
    assert.deepEqual([total.ptr_percent, total.rated_percent, total.ptr_rated_percent], [0, 0, null]);
  });

  test("an unknown number still rings the site's main number", async () => {
    const r = await twilio("voice", { CallSid: "CA0002", From: "+79160000001", To: "+15550000000" });
    assert.equal(r.status, 200);
    assert.match(r.text, />\+74951234567<\/Number>/);
    const c = await admin("/calls/CA0002");
    assert.equal(c.body.attribution.kind, "unknown");
    assert.equal(c.body.attribution.confidence, "none");
    assert.match(c.body.attribution.reason, /unattributed/);
  });

  test("a status before the voice webhook (out of order) writes the call down", async () => {
    const r = await twilio("status", { CallSid: "CA0003", From: "+79160000002", To: leased, CallStatus: "no-answer" });
    assert.equal(r.status, 200);
    const c = await admin("/calls/CA0003");
    assert.equal(c.body.status, "no_answer");
    assert.equal(c.body.attribution.session_id, sid);
  });

  test("Twilio bodies: JSON is 415, oversized 413, no CallSid 422", async () => {
    const url = `${w.url}/v1/sites/${site}/twilio/voice`;
    const json = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(json.status, 415);
    const big = { CallSid: "CA9", Junk: "x".repeat(9000) };
    assert.equal((await twilio("voice", big)).status, 413);
    assert.equal((await twilio("voice", { From: "+79160000000" })).status, 422);
  });
});

describe("the PBX webhook", () => {
  const C = "/v1/sites/{site}/calls";
  const post = (body, key = ADMIN_KEY) => call(w, "POST", `/v1/sites/${site}/calls`, { body, key, template: C });
  const patch = (id, body) => call(w, "PATCH", `/v1/sites/${site}/calls/${id}`, { body, key: ADMIN_KEY, template: "/v1/sites/{site}/calls/{id}" });

  test("create is idempotent on the PBX's id; a missed call keeps its reason and notifies", async () => {
    const s = await newSession(w, site, { url: "https://shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=nov" });
    const number = s.body.numbers[0].number;
    const body = { call_id: "pbx-1", tracking_number: number.replace("+7", "8 "), caller: "8 916 765-43-21", started_at: Date.now() };
    assert.equal((await post(body, null)).status, 401);
    const a = await post(body);
    assert.equal(a.status, 201);
    assert.equal(a.body.attribution.channel.channel, "email");
    assert.equal(a.body.tracking_number, number);
    const again = await post(body);
    assert.equal(again.status, 200);
    assert.equal(again.body.id, "pbx-1");
    const m = await patch("pbx-1", { status: "busy", end_reason: "busy" });
    assert.equal(m.status, 200);
    assert.equal(m.body.status, "busy");
    assert.equal(m.body.end_reason, "busy");
    // A late "ringing" does not undo the end.
    assert.equal((await patch("pbx-1", { status: "ringing" })).body.status, "busy");
    await until("call.missed at the CRM", () =>
      cap.got.find((g) => g.path === "/crm" && g.headers["x-calltrack-event"] === "call.missed" && JSON.parse(g.body).data.id === "pbx-1"));
    // Operators tag calls afterwards.
    const tagged = await patch("pbx-1", { tags: ["complaint"] });
    assert.deepEqual(tagged.body.tags, ["complaint"]);
    const log = await admin("/calls?tag=complaint", { template: C });
    assert.deepEqual(log.body.calls.map((c) => c.id), ["pbx-1"]);
  });

  test("a repeat caller is not a target call", async () => {
    const s = await newSession(w, site, {});
    const number = s.body.numbers[0].number;
    const r = await post({ call_id: "pbx-2", tracking_number: number, caller: "+79161234567", status: "answered", duration_secs: 300 });
    assert.equal(r.status, 201);
    assert.equal(r.body.unique_caller, false, "called on the Twilio loop before");
    assert.equal(r.body.first_call, false);
    assert.equal(r.body.target_call, false);
  });

  test("a caller whose first call was missed, and who calls again and talks, makes a target call", async () => {
    // (No new visit: the pool's figures are another test's.) A pool number of the site.
    const number = "+74991000000";
    const missed = await post({ call_id: "pbx-miss-1", tracking_number: number, caller: "+79167770011", status: "no_answer" });
    assert.equal(missed.body.target_call, false);
    const back = await post({ call_id: "pbx-miss-2", tracking_number: number, caller: "+79167770011", status: "answered", duration_secs: 120 });
    assert.equal(back.status, 201);
    assert.equal(back.body.first_call, false, "they called before");
    assert.equal(back.body.unique_caller, true, "a missed call was never received");
    assert.equal(back.body.target_call, true);
    // Once received, the next call within the cycle is a repeat.
    const third = await post({ call_id: "pbx-miss-3", tracking_number: number, caller: "+79167770011", status: "answered", duration_secs: 120 });
    assert.equal(third.body.target_call, false);
  });

  test("bad bodies: 400, 413, 415, 422 listing the fields; nothing stored is lost", async () => {
    const before = (await admin("/calls", { template: C })).body.calls.length;
    const raw = (payload, type = "application/json") =>
      call(w, "POST", `/v1/sites/${site}/calls`, { raw: payload, key: ADMIN_KEY, headers: { "content-type": type }, template: C });
    assert.equal((await raw("{")).status, 400);
    assert.equal((await raw("{}", "text/plain")).status, 415);
    assert.equal((await raw(JSON.stringify({ call_id: "x", tracking_number: "1".repeat(9000) }))).status, 413);
    const bad = await post({ call_id: "", tracking_number: "", status: "exploded", started_at: 1, recording_url: "ftp://x" });
    assert.equal(bad.status, 422);
    const paths = bad.body.error.fields.map((f) => f.path).sort();
    assert.deepEqual(paths, ["call_id", "recording_url", "started_at", "status", "tracking_number"]);
    assert.equal((await post({ call_id: "x", tracking_number: "1", colour: "red" })).status, 422);
    assert.equal((await patch("no-such-call", { status: "busy" })).status, 404);
    assert.equal((await patch("pbx-1", { status: "exploded" })).status, 422);
    assert.equal((await admin("/calls", { template: C })).body.calls.length, before);
    assert.equal((await admin("/calls/pbx-1")).body.status, "busy");
  });
});

describe("leads, the log, reports and erasure", () => {
  test("a lead from the site is attributed through its session", async () => {
    const id = sessionId();
    await newSession(w, site, { session_id: id, url: "https://shop.test/?utm_source=vk&utm_medium=paid_social&utm_campaign=autumn" });
    const r = await call(w, "POST", `/v1/sites/${site}/leads`, {
      body: { session_id: id, name: "Anna", phone: "8 (916) 111-22-33", page: "https://shop.test/contacts", lead_id: "form-1" },
      headers: { origin: "http://shop.test" },
      template: "/v1/sites/{site}/leads",
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get("access-control-allow-origin"), "http://shop.test");
    assert.equal(r.body.channel, "paid_social");
    assert.equal((await call(w, "POST", `/v1/sites/${site}/leads`, { body: { session_id: id, phone: "+79161112233", lead_id: "form-1" }, template: "/v1/sites/{site}/leads" })).status, 200, "idempotent");
    assert.equal((await call(w, "POST", `/v1/sites/${site}/leads`, { body: { name: "no way to answer" }, template: "/v1/sites/{site}/leads" })).status, 422);
    const hook = await until("lead.created", () => cap.got.find((g) => g.path === "/crm" && g.headers["x-calltrack-event"] === "lead.created"));
    assert.ok(verify(hook));
    assert.equal(JSON.parse(hook.body).data.phone, "+79161112233");
    // The list of leads, with the visit each came from; the numbers masked for the screen.
    const list = await admin("/leads", { template: "/v1/sites/{site}/leads" });
    assert.equal(list.status, 200);
    const lead = list.body.leads.find((l) => l.id === "form-1");
    assert.deepEqual({ channel: lead.channel.channel, campaign: lead.channel.campaign, name: lead.name, session: lead.session_id }, { channel: "paid_social", campaign: "autumn", name: "Anna", session: id });
    assert.match(lead.phone, /\*/);
    assert.equal((await admin("/leads?full_caller=1")).body.leads.find((l) => l.id === "form-1").phone, "+79161112233");
    assert.equal((await admin("/leads?limit=0", { template: "/v1/sites/{site}/leads" })).status, 422);
    assert.equal((await call(w, "GET", `/v1/sites/${site}/leads`, { template: "/v1/sites/{site}/leads" })).status, 401);
    // And in the report, beside the calls of its channel.
    const rep = await admin("/reports/calls?group_by=campaign", { template: "/v1/sites/{site}/reports/calls" });
    assert.equal(rep.body.rows.find((x) => x.key === "autumn").leads, 1);
  });

  test("the call log pages; reports come as CSV", async () => {
    const p1 = await admin("/calls?limit=2", { template: "/v1/sites/{site}/calls" });
    assert.equal(p1.body.calls.length, 2);
    assert.ok(p1.body.next_cursor);
    const p2 = await admin(`/calls?limit=2&cursor=${encodeURIComponent(p1.body.next_cursor)}`, { template: "/v1/sites/{site}/calls" });
    const ids = [...p1.body.calls, ...p2.body.calls].map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, "no call twice");
    assert.ok(p1.body.calls.every((c) => !c.caller || c.caller.includes("*")), "masked");
    const all = await admin("/calls?limit=500");
    assert.equal(all.body.next_cursor, null);
    const r = await fetch(`${w.url}/v1/sites/${site}/reports/calls?group_by=day&format=csv`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type"), /text\/csv/);
    const lines = (await r.text()).trim().split("\r\n");
    assert.equal(lines[0], "key,calls,answered,missed,missed_out_of_hours,missed_abandoned,missed_not_answered,missed_busy,missed_all_lines_busy,missed_failed,target,unique_callers,avg_duration_secs,avg_answer_secs,answer_rate_percent,successful,with_outcome,without_outcome,ptr_percent,rated_percent,ptr_rated_percent,value,visits,leads,calls_per_100_visits,callbacks,callbacks_connected,cost,cost_per_call,cost_per_target_call,cost_per_lead,cost_per_successful,romi_percent,value_per_successful");
    assert.match(lines[1], /^\d{4}-\d\d-\d\d,\d+,/);
    assert.match(lines.at(-1), /^total,/);
    assert.equal((await admin("/reports/calls?group_by=colour", { template: "/v1/sites/{site}/reports/calls" })).status, 422);
    const high = await admin("/reports/calls?confidence=high", { template: "/v1/sites/{site}/reports/calls" });
    assert.ok(high.body.total.calls >= 1);
  });

  test("pool utilisation and fallback share by hour", async () => {
    const r = await admin("/reports/pools", { template: "/v1/sites/{site}/reports/pools" });
    assert.equal(r.status, 200);
    const [h] = r.body.hours;
    assert.equal(h.target, "+74951234567");
    assert.equal(h.total, 2);
    assert.equal(h.hour % 3_600_000, 0);
    // Four sessions asked for a number of a pool of two in this file.
    assert.equal(h.requests, 4, JSON.stringify(h));
    assert.equal(h.fallbacks, 2, JSON.stringify(h));
    assert.equal(h.fallback_share_percent, 50);
    assert.equal(h.fallback_share_percent, Math.round((h.fallbacks * 1000) / h.requests) / 10);
  });

  test("erasure: one caller's number and recordings go, the counts stay", async () => {
    const before = (await admin("/reports/calls")).body.total.calls;
    const r = await call(w, "DELETE", `/v1/sites/${site}/callers/${encodeURIComponent("+79161234567")}`, { key: ADMIN_KEY, template: "/v1/sites/{site}/callers/{number}" });
    assert.equal(r.status, 200);
    assert.equal(r.body.calls, 2);
    const c = await admin("/calls/CA0001?full_caller=1");
    assert.equal(c.body.caller, null);
    assert.equal((await admin("/reports/calls")).body.total.calls, before);
  });
});

describe("integration secrets are write-only", () => {
  test("GET hides them; written back hidden they are kept; hidden with nothing stored is refused", async () => {
    const got = await admin("", { template: "/v1/sites/{site}" });
    assert.equal(got.status, 200);
    const text = JSON.stringify(got.body);
    for (const secret of [TOKEN, SECRET, "ga-secret"]) assert.ok(!text.includes(secret), `${secret} shown`);
    const i = got.body.integrations;
    assert.equal(i.twilio.auth_token, "(hidden)");
    assert.deepEqual(i.webhooks.map((h) => h.secret), ["(hidden)", "(hidden)"]);
    assert.equal(i.ga4.api_secret, "(hidden)");

    // The config read, edited and written back: the stored token still signs Twilio's requests.
    const edited = { ...got.body, name: "Calls, renamed" };
    const put = await call(w, "PUT", `/v1/sites/${site}`, { body: edited, key: ADMIN_KEY, template: "/v1/sites/{site}" });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.integrations.twilio.auth_token, "(hidden)");
    assert.equal((await admin("", { template: "/v1/sites/{site}" })).body.name, "Calls, renamed");
    const r = await twilio("voice", { CallSid: "CA-KEPT", From: "+79160000002", To: "+15550000000" });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /<Dial/);

    // A hidden secret for a new address has nothing to keep: 422, and nothing changed.
    const moved = structuredClone(got.body);
    moved.integrations.webhooks[0].url = "http://127.0.0.1:9/elsewhere";
    const bad = await call(w, "PUT", `/v1/sites/${site}`, { body: moved, key: ADMIN_KEY, template: "/v1/sites/{site}" });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.error.fields.some((e) => e.path === "integrations.webhooks[0].secret"), JSON.stringify(bad.body));
    const after = await admin("", { template: "/v1/sites/{site}" });
    assert.equal(after.body.integrations.webhooks[0].url, got.body.integrations.webhooks[0].url);
    assert.equal(after.body.name, "Calls, renamed");
  });
});

test("a call that cannot be stored is put through all the same, and its status callback records it", async () => {
  const other = "calls-fault";
  await createSite(w, other, siteSpec({ pool: 2, integrations: { twilio: { auth_token: TOKEN } } }));
  const s = await newSession(w, other);
  const to = s.body.numbers[0].number;
  const signed = async (path, params) => {
    const url = `${w.url}/v1/sites/${other}/twilio/${path}`;
    const r = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sign(url, params) },
      body: new URLSearchParams(params).toString(),
    });
    return { status: r.status, text: await r.text() };
  };
  const armed = await call(w, "POST", `/v1/sites/${other}/_test/fault`, { key: ADMIN_KEY, body: { handler: "twilio_voice", statement: 1 }, template: null });
  assert.equal(armed.status, 204);
  const r = await signed("voice", { CallSid: "CA-FAULT", From: "+79160001111", To: to, CallStatus: "ringing", Direction: "inbound" });
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /<Dial action="[^"]+\/v1\/sites\/calls-fault\/twilio\/status" method="POST"><Number [^>]*>\+74951234567<\/Number><\/Dial>/);
  const missing = await call(w, "GET", `/v1/sites/${other}/calls/CA-FAULT`, { key: ADMIN_KEY, template: null });
  assert.equal(missing.status, 404, "not stored");
  const done = await signed("status", { CallSid: "CA-FAULT", From: "+79160001111", To: to, DialCallStatus: "completed", DialCallDuration: "42", CallStatus: "in-progress" });
  assert.equal(done.status, 200, done.text);
  const c = await call(w, "GET", `/v1/sites/${other}/calls/CA-FAULT`, { key: ADMIN_KEY, template: "/v1/sites/{site}/calls/{id}" });
  assert.equal(c.status, 200);
  assert.equal(c.body.status, "answered");
  assert.equal(c.body.attribution.session_id, s.body.session_id);
});
