// Call-back requests on a real workerd, through a stand-in for Twilio's
// REST API (Calls: checked against Twilio's documented parameters and
// authentication) with this test playing Twilio's signed callbacks: within
// the office's hours the office is called first, then the visitor; the
// request is a call in the log attributed to the visitor's session, counts
// in reports, and goes out as webhooks; outside the hours it waits and is
// placed when the office opens; bad numbers, foreign and premium ones, and
// too many requests are refused and change nothing.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec, until } from "./support/api.mjs";
import { launch, strictPage } from "./support/browser.mjs";
import { vendors } from "./support/vendors.mjs";
import { twilioSignature } from "./support/twilio.mjs";
import { startWorker } from "./support/workerd.mjs";

const SID = `AC${"fedcba9876543210".repeat(2)}`;
const TOKEN = "twilio-token-for-callbacks";
const OFFICE_LINE = "+74990000500"; // the account's number both legs show
const SECRET = "crm-webhook-secret-for-callbacks";

let w, v, hooks, hookServer;
before(async () => {
  v = await vendors({ accountSid: SID, authToken: TOKEN, serverToken: "unused", numbers: [OFFICE_LINE] });
  hooks = [];
  hookServer = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      hooks.push(JSON.parse(body));
      res.writeHead(200).end("{}");
    });
  });
  await new Promise((r) => hookServer.listen(0, "127.0.0.1", r));
  // The test clock: a visit must be some seconds old before it asks.
  w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
});
after(async () => {
  await w?.stop();
  await v?.close();
  await new Promise((r) => hookServer?.close(r));
});

/** Every day, all day (Moscow time), or an hour that is not now. */
function spec({ open = true } = {}) {
  const hour = new Date(Date.now() + 3 * 3_600_000).getUTCHours();
  const closed = hour < 12 ? { from: "14:00", to: "15:00" } : { from: "02:00", to: "03:00" };
  const hours = open ? { from: "00:00", to: "24:00" } : closed;
  return siteSpec({
    time_zone: "Europe/Moscow",
    callback: { caller_id: OFFICE_LINE, days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...hours, per_visitor_per_hour: 2 },
    integrations: {
      twilio: { auth_token: TOKEN, account_sid: SID, api_base: v.url, public_url: w.url },
      webhooks: [{ url: `http://127.0.0.1:${hookServer.address().port}/crm`, secret: SECRET, events: ["callback.requested", "callback.connected", "callback.failed"] }],
    },
  });
}

/** Twilio's signature over the URL and the POST parameters, by Twilio's own helper library. */
const sign = (url, params) => twilioSignature(TOKEN, url, params);

/** Plays Twilio: a signed POST to one of the URLs the edge gave it. */
async function asTwilio(url, params) {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sign(url, params) },
    body: new URLSearchParams(params).toString(),
  });
  return { status: r.status, text: await r.text() };
}

/** Some seconds pass (the test clock): the visits may ask. */
const aged = (site) => call(w, "POST", `/v1/sites/${site}/_test/clock`, { body: { advance_ms: 6000 }, key: ADMIN_KEY, template: null });

const ask = (site, body) => call(w, "POST", `/v1/sites/${site}/callbacks`, { body, headers: { origin: "http://shop.test" }, template: "/v1/sites/{site}/callbacks" });
const admin = (site, method, path, opts = {}) => call(w, method, `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });

describe("call-back requests", () => {
  test("within hours: the office first, then the visitor; a call of the visitor's channel", async () => {
    await createSite(w, "cb", spec());
    // Ivan called earlier, and nobody answered.
    const earlier = await admin("cb", "POST", "/calls", { body: { call_id: "ivan-missed", tracking_number: "+74951234567", caller: "+79165551234", status: "no_answer" }, template: "/v1/sites/{site}/calls" });
    assert.equal(earlier.status, 201);
    const s = await newSession(w, "cb", { url: "http://shop.test/implants?utm_source=google&utm_medium=cpc&utm_campaign=spring" });
    await aged("cb");
    const r = await ask("cb", { session_id: s.body.session_id, phone: "8 (916) 555-12-34", name: "Ivan" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, "calling_office");
    assert.equal(r.body.phone, "+7******1234", "the page sees the number masked");
    // Twilio was asked to call the office, showing the account's number, with our callbacks.
    assert.equal(v.calls.length, 1);
    const placed = v.calls[0];
    assert.equal(placed.To, "+74951234567");
    assert.equal(placed.From, OFFICE_LINE);
    assert.ok(placed.Url.endsWith(`/v1/sites/cb/twilio/callback/${r.body.id}`), placed.Url);
    assert.deepEqual(placed.StatusCallbackEvent, ["initiated", "ringing", "answered", "completed"]);
    // The office answers: the TwiML dials the visitor.
    const twiml = await asTwilio(placed.Url, { CallSid: placed.sid, CallStatus: "in-progress", To: placed.To, From: placed.From, Direction: "outbound-api" });
    assert.equal(twiml.status, 200, twiml.text);
    const dial = twiml.text.match(/<Dial callerId="\+74990000500" action="([^"]+)" method="POST"><Number statusCallbackEvent="answered completed" statusCallback="\1" statusCallbackMethod="POST">\+79165551234<\/Number><\/Dial>/);
    assert.ok(dial, twiml.text);
    assert.match(twiml.text, /<Say>A call-back request from the site for Ivan\. Connecting you now\.<\/Say>/);
    const dialUrl = dial[1].replaceAll("&amp;", "&");
    let list = await admin("cb", "GET", "/callbacks", { template: "/v1/sites/{site}/callbacks" });
    assert.equal(list.body.callbacks[0].state, "calling_visitor");
    // The visitor answers, and they talk 80 s.
    await asTwilio(dialUrl, { CallSid: "CA-VISITOR", ParentCallSid: placed.sid, CallStatus: "in-progress", To: "+79165551234" });
    await asTwilio(dialUrl, { CallSid: placed.sid, DialCallStatus: "completed", DialCallDuration: "80", CallStatus: "in-progress" });
    list = await admin("cb", "GET", "/callbacks?full_caller=1", { template: "/v1/sites/{site}/callbacks" });
    assert.equal(list.body.callbacks[0].state, "connected");
    assert.equal(list.body.callbacks[0].phone, "+79165551234");
    // In the call log: a call-back, attributed to the visit, a target call.
    const c = await admin("cb", "GET", `/calls/cb-${r.body.id}`, { template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(c.body.direction, "callback");
    assert.equal(c.body.status, "answered");
    assert.equal(c.body.duration_secs, 80);
    assert.equal(c.body.attribution.session_id, s.body.session_id);
    assert.equal(c.body.attribution.confidence, "high");
    assert.equal(c.body.attribution.channel.campaign, "spring");
    // Ivan's earlier call was missed: never received, so he is still new
    // within the sales cycle (the trade's target rule), and this call, received, 80 s, is a target call.
    assert.equal(c.body.target_call, true, "a missed call makes no caller seen");
    // The connected call-back reached Ivan: his missed call is called back.
    const missed = await admin("cb", "GET", "/calls/ivan-missed", { template: "/v1/sites/{site}/calls/{id}" });
    assert.ok(missed.body.called_back_at >= missed.body.started_at, JSON.stringify(missed.body));
    const rep = await admin("cb", "GET", "/reports/calls?group_by=channel", { template: "/v1/sites/{site}/reports/calls" });
    const paid = rep.body.rows.find((x) => x.key === "paid_search");
    assert.deepEqual([paid.calls, paid.visits, paid.callbacks, paid.callbacks_connected], [1, 1, 1, 1]);
    assert.equal(rep.body.total.calls, 2, "the call-back and Ivan's missed call");
    // The CRM heard it: requested, then connected (signed webhooks).
    await until(() => hooks.some((h) => h.event === "callback.connected"), "the callback.connected webhook");
    assert.ok(hooks.some((h) => h.event === "callback.requested" && h.data.id === r.body.id));
  });

  test("the office does not answer: the request fails, a missed call", async () => {
    const s = await newSession(w, "cb", { url: "http://shop.test/" });
    await aged("cb");
    const r = await ask("cb", { session_id: s.body.session_id, phone: "+79165550000" });
    assert.equal(r.status, 201);
    const placed = v.calls.at(-1);
    await asTwilio(`${placed.StatusCallback}`, { CallSid: placed.sid, CallStatus: "no-answer", To: placed.To });
    const list = await admin("cb", "GET", "/callbacks", { template: "/v1/sites/{site}/callbacks" });
    const mine = list.body.callbacks.find((x) => x.id === r.body.id);
    assert.equal(mine.state, "failed");
    assert.match(mine.reason, /the office did not answer \(no_answer\)/);
    const c = await admin("cb", "GET", `/calls/cb-${r.body.id}`, { template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(c.body.status, "no_answer");
    await until(() => hooks.some((h) => h.event === "callback.failed" && h.data.id === r.body.id), "the callback.failed webhook");
  });

  test("foreign, premium and bad numbers, unknown sessions' fields and too many requests are refused", async () => {
    const s = await newSession(w, "cb", { url: "http://shop.test/" });
    await aged("cb");
    const before = v.calls.length;
    for (const [phone, why] of [["+14155550100", /country/], ["8 809 555-12-34", /premium/], ["12", /not a phone number/]]) {
      const r = await ask("cb", { session_id: s.body.session_id, phone });
      assert.equal(r.status, 422, phone);
      assert.equal(r.body.error.fields[0].path, "phone");
      assert.match(r.body.error.fields[0].message, why);
    }
    const bad = await ask("cb", { session_id: "nope", phone: "+79165550001", target: "+70000000000" });
    assert.deepEqual(bad.body.error.fields.map((f) => f.path).sort(), ["session_id", "target"]);
    // Two an hour per visitor: the third is refused, and Twilio is not asked.
    assert.equal((await ask("cb", { session_id: s.body.session_id, phone: "+79165550002" })).status, 201);
    assert.equal((await ask("cb", { session_id: s.body.session_id, phone: "+79165550003" })).status, 201);
    const third = await ask("cb", { session_id: s.body.session_id, phone: "+79165550004" });
    assert.equal(third.status, 429);
    assert.equal(v.calls.length, before + 2);
  });

  test("no call-back for an unknown, new or silent visit, a name that is a message, or a number already asked twice; a burst passes no limit", async () => {
    await createSite(w, "cb-guard", spec());
    const fresh = await newSession(w, "cb-guard", { url: "http://shop.test/" });
    const young = await ask("cb-guard", { session_id: fresh.body.session_id, phone: "+79165550010" });
    assert.equal(young.status, 422, "a visit of no seconds");
    assert.equal(young.body.error.fields[0].path, "session_id");
    const ghost = await ask("cb-guard", { session_id: "f".repeat(32), phone: "+79165550010" });
    assert.equal(ghost.status, 422, "a visit that never was");
    await aged("cb-guard");
    const spoken = await ask("cb-guard", { session_id: fresh.body.session_id, phone: "+79165550010", name: "Press 9 and call 8 809 555 12 34" });
    assert.equal(spoken.status, 422);
    assert.equal(spoken.body.error.fields[0].path, "name");
    // One number, asked from three visits: twice an hour, whoever asks.
    const visits = [];
    for (let i = 0; i < 3; i++) visits.push((await newSession(w, "cb-guard", { url: "http://shop.test/" }, { "x-real-ip": `203.0.113.${40 + i}` })).body.session_id);
    await aged("cb-guard");
    const same = [];
    for (const id of visits) same.push((await ask("cb-guard", { session_id: id, phone: "+79165550020" })).status);
    assert.deepEqual(same, [201, 201, 429]);
    // A burst from one visit at once: exactly its two an hour pass.
    const burst = await newSession(w, "cb-guard", { url: "http://shop.test/" }, { "x-real-ip": "203.0.113.60" });
    await aged("cb-guard");
    const before = v.calls.length;
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => ask("cb-guard", { session_id: burst.body.session_id, phone: `+7916555${String(100 + i).padStart(4, "0")}` })));
    assert.deepEqual(statuses.map((r) => r.status).sort(), [201, 201, 429, 429, 429, 429, 429, 429]);
    assert.equal(v.calls.length, before + 2, "Twilio was asked twice");
    // Without the edge's public address Twilio would be sent where a Host header says: refused.
    const bare = spec();
    delete bare.integrations.twilio.public_url;
    await createSite(w, "cb-bare", bare);
    const s = await newSession(w, "cb-bare", { url: "http://shop.test/" });
    await aged("cb-bare");
    const r = await call(w, "POST", "/v1/sites/cb-bare/callbacks", { body: { session_id: s.body.session_id, phone: "+79165550030" }, headers: { origin: "http://shop.test", host: "evil.example" }, template: "/v1/sites/{site}/callbacks" });
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.match(r.body.error.message, /public_url/);
  });

  test("outside hours: the request waits, the visitor is told when, and it is placed when the office opens", async () => {
    await createSite(w, "cb-late", spec({ open: false }));
    const s = await newSession(w, "cb-late", { url: "http://shop.test/" });
    await aged("cb-late");
    const before = v.calls.length;
    const r = await ask("cb-late", { session_id: s.body.session_id, phone: "+79165556677" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, "scheduled");
    assert.ok(r.body.scheduled_for > Date.now(), "the office opens later");
    const opens = new Date(r.body.scheduled_for + 3 * 3_600_000).toISOString().slice(11, 16);
    assert.ok(["14:00", "02:00"].includes(opens), `placed when the office opens, Moscow time (${opens})`);
    assert.equal(v.calls.length, before, "not placed yet");
    // The office opens now (its hours changed): the alarm places the request.
    await createSite(w, "cb-late", spec({ open: true }));
    // Twilio is asked, then the request says so (once Twilio's answer is in: wait for it).
    const placed = await until(async () => {
      const list = await admin("cb-late", "GET", "/callbacks", { template: "/v1/sites/{site}/callbacks" });
      return list.body.callbacks[0].state === "calling_office" && list.body.callbacks[0];
    }, "the request placed when the office opened");
    assert.equal(placed.scheduled_for, null);
    assert.equal(v.calls.length, before + 1);
    assert.equal(v.calls.at(-1).To, "+74951234567");
  });

  test("the widget on the demo page: the visitor asks, the office and then the visitor are called, attributed to the visit", async () => {
    const browser = await launch();
    try {
      // The demo page (served by the worker, its tag with data-callback) on a demo site that takes call-backs.
      const page = spec();
      page.origins = [w.url];
      await createSite(w, "demo", page);
      const ctx = await browser.newContext();
      const { page: p, problems } = await strictPage(ctx);
      await p.goto(`${w.url}/demo/?utm_source=yandex&utm_medium=cpc`);
      await p.waitForFunction(() => document.getElementById("moscow").textContent.includes("499"));
      const open = p.locator(".dni-callback button.open");
      await open.waitFor();
      await aged("demo");
      assert.equal(await open.textContent(), "Перезвоните мне");
      await open.click();
      // A number this site does not call: the edge's words, in the widget.
      await p.locator(".dni-callback input[name=phone]").fill("+1 415 555 0100");
      await p.locator(".dni-callback [type=submit]").click();
      await p.locator(".dni-callback p.error").waitFor();
      assert.match(await p.locator(".dni-callback p.error").textContent(), /country this site does not call back/);
      const before = v.calls.length;
      await p.locator(".dni-callback input[name=phone]").fill("8 916 555-77-88");
      await p.locator(".dni-callback input[name=name]").fill("Olga");
      await p.locator(".dni-callback [type=submit]").click();
      // The page is Russian (<html lang="ru">): so are the widget's words, from its catalog.
      await p.waitForFunction(() => document.querySelector(".dni-callback").shadowRoot.querySelector("p").textContent === "Звоним вам: телефон сейчас зазвонит.");
      assert.equal(await p.locator(".dni-callback [type=submit]").textContent(), "Позвоните мне");
      assert.match(await p.locator(".dni-callback label").first().textContent(), /^Ваш номер телефона/);
      assert.equal(v.calls.length, before + 1);
      const placed = v.calls.at(-1);
      const twiml = await asTwilio(placed.Url, { CallSid: placed.sid, CallStatus: "in-progress", To: placed.To, From: placed.From });
      assert.match(twiml.text, />\+79165557788<\/Number>/);
      const dialUrl = twiml.text.match(/action="([^"]+)"/)[1].replaceAll("&amp;", "&");
      await asTwilio(dialUrl, { CallSid: placed.sid, DialCallStatus: "completed", DialCallDuration: "45", CallStatus: "in-progress" });
      const list = await admin("demo", "GET", "/callbacks", { template: "/v1/sites/{site}/callbacks" });
      const c = await admin("demo", "GET", `/calls/${list.body.callbacks[0].call_id}`, { template: "/v1/sites/{site}/calls/{id}" });
      assert.equal(c.body.status, "answered");
      assert.equal(c.body.attribution.session_id, await p.evaluate(() => window.dni.sessionId()));
      assert.equal(c.body.attribution.channel.source, "yandex");
      // The widget swapped nothing and was not swapped: the page's numbers are as before.
      assert.match(await p.locator("#moscow").textContent(), /499/);
      // Chromium logs the refused request (422) as a console error: expected here, and only it.
      assert.deepEqual(problems, ["console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]);
      await ctx.close();
    } finally {
      await browser.close();
    }
  });
});
