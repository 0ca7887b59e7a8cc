// The CRM that gets the deal, on a real workerd, through a stand-in for
// Pipedrive's API v1: a target call finds or creates the person by phone
// and creates a deal with a note of the channel, campaign, keyword, landing
// page and recording; a second call from the same number finds the person;
// a lead becomes a deal too; a deal won in Pipedrive (its webhook) gives the
// call the site's successful outcome and moves PTR; a refused request is
// refused with Pipedrive's words; the webhook checks its password.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec, until } from "./support/api.mjs";
import { pipedrive } from "./support/pipedrive.mjs";
import { startWorker } from "./support/workerd.mjs";

const TOKEN = "pipedrive-api-token";
const SECRET = "pipedrive-webhook-password";
const site = "crm";
let w, pd;

before(async () => {
  pd = await pipedrive({ apiToken: TOKEN });
  w = await startWorker({ vars: { ADMIN_KEY } });
  await createSite(w, site, siteSpec({
    target_call: { min_duration_secs: 30, unique_days: 0 },
    integrations: { pipedrive: { api_token: TOKEN, api_base: pd.url, webhook_secret: SECRET } },
  }));
});
after(async () => {
  await w?.stop();
  await pd?.close();
});

const admin = (method, path, opts = {}) => call(w, method, `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });

async function targetCall(id, caller) {
  const s = await newSession(w, site, { url: "http://shop.test/implants?utm_source=google&utm_medium=cpc&utm_campaign=spring&utm_term=implants" });
  const r = await admin("POST", "/calls", {
    body: { call_id: id, tracking_number: s.body.numbers[0].number, caller, status: "answered", duration_secs: 90, recording_url: "https://rec.example/1.mp3" },
    template: "/v1/sites/{site}/calls",
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.target_call, true);
}

async function webhook(body, password = SECRET) {
  const r = await fetch(`${w.url}/v1/sites/${site}/crm/pipedrive`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`calltrack:${password}`).toString("base64")}` },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

describe("Pipedrive", () => {
  test("a target call finds or creates the person and gets a deal with its attribution", async () => {
    await targetCall("pd-1", "+79163330001");
    await until(() => pd.notes.length === 1, "the deal's note");
    assert.equal(pd.persons.length, 1);
    assert.deepEqual(pd.persons[0].phones, ["+79163330001"]);
    const deal = pd.deals[0];
    assert.equal(deal.title, "Call from +79163330001 (paid_search)");
    assert.equal(deal.person_id, pd.persons[0].id);
    const n = pd.notes[0].content;
    for (const line of ["Call pd-1 (calltrack)", "Channel: paid_search", "Source / medium: google / cpc", "Campaign: spring", "Keyword: implants", "Landing page: shop.test/implants", "Recording: https://rec.example/1.mp3"]) {
      assert.ok(n.includes(line), `${line} in ${n}`);
    }
    // The same caller again: the person is found, a new deal is made.
    await targetCall("pd-2", "+79163330001");
    await until(() => pd.notes.length === 2, "the second deal's note");
    assert.equal(pd.persons.length, 1, "found by phone, not created twice");
    assert.equal(pd.deals.length, 2);
    assert.ok(pd.requests.some((r) => r.path === "/v1/persons/search"));
    // Delivered once each (the row is marked once Pipedrive's answer is in: wait for it).
    const d = await until(async () => {
      const all = (await admin("GET", "/deliveries", { template: "/v1/sites/{site}/deliveries" })).body.deliveries.filter((x) => x.kind === "pipedrive");
      return all.length === 2 && all.every((x) => x.state === "delivered") && all;
    }, "both syncs marked delivered");
    assert.equal(d.length, 2);
    assert.equal(pd.deals.length, 2, "no second deal for either");
  });

  test("a lead becomes a deal too", async () => {
    const s = await newSession(w, site, { url: "http://shop.test/?utm_source=newsletter&utm_medium=email" });
    const r = await call(w, "POST", `/v1/sites/${site}/leads`, { body: { session_id: s.body.session_id, name: "Olga", phone: "+79163330002" }, headers: { origin: "http://shop.test" } });
    assert.equal(r.status, 201);
    await until(() => pd.deals.some((x) => x.title === "Lead from +79163330002 (email)"), "the lead's deal");
  });

  test("a deal won in Pipedrive gives the call its outcome: PTR moves", async () => {
    const before = (await admin("GET", "/reports/calls", { template: "/v1/sites/{site}/reports/calls" })).body.total;
    assert.deepEqual([before.ptr_percent, before.ptr_rated_percent], [0, null]);
    const deal = pd.deals[0];
    // A wrong password changes nothing.
    const denied = await webhook({ event: "updated.deal", current: { id: deal.id, status: "won", value: 1200 } }, "not-the-password");
    assert.equal(denied.status, 401);
    // Pipedrive's webhook (v1): the deal is won, worth 1200.
    const r = await webhook({ v: 1, event: "updated.deal", meta: { action: "updated", object: "deal", id: deal.id }, current: { id: deal.id, status: "won", value: 1200, currency: "USD" }, previous: { status: "open" } });
    assert.deepEqual(r, { status: 200, body: { changed: true } });
    const c = await admin("GET", "/calls/pd-1", { template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(c.body.outcome.label, "appointment", "the site's first successful outcome");
    assert.equal(c.body.outcome.value, 1200);
    const now = (await admin("GET", "/reports/calls", { template: "/v1/sites/{site}/reports/calls" })).body.total;
    assert.equal(now.ptr_rated_percent, 100);
    assert.equal(now.ptr_percent, Math.round((1000 * now.successful) / now.calls) / 10, "PTR: successful / all calls");
    // An open deal (or one we never made) changes nothing.
    assert.deepEqual((await webhook({ current: { id: deal.id, status: "open" } })).body, { changed: false });
    assert.deepEqual((await webhook({ current: { id: 999999, status: "won" } })).body, { changed: false });
  });

  test("a request Pipedrive refuses is kept as refused with its words; bad config is refused", async () => {
    await createSite(w, "crm-bad", siteSpec({
      target_call: { min_duration_secs: 0, unique_days: 0 },
      integrations: { pipedrive: { api_token: "wrong-token", api_base: pd.url, webhook_secret: SECRET } },
    }));
    const s = await newSession(w, "crm-bad", { url: "http://shop.test/" });
    await call(w, "POST", "/v1/sites/crm-bad/calls", { body: { call_id: "x-1", tracking_number: s.body.numbers[0].number, caller: "+79163330003", status: "answered", duration_secs: 10 }, key: ADMIN_KEY });
    const dropped = await until(async () => {
      const d = (await call(w, "GET", "/v1/sites/crm-bad/deliveries", { key: ADMIN_KEY })).body.deliveries;
      return d.find((x) => x.kind === "pipedrive" && x.state === "refused");
    }, "the refused sync");
    assert.match(dropped.last_error, /Pipedrive answered 401: unauthorized access/);
    const bad = await call(w, "PUT", "/v1/sites/crm-bad", {
      body: siteSpec({ integrations: { pipedrive: { api_token: "t", webhook_secret: "short", won_outcome: "champagne" } } }),
      key: ADMIN_KEY,
      template: "/v1/sites/{site}",
    });
    assert.equal(bad.status, 422);
    const paths = bad.body.error.fields.map((f) => f.path);
    assert.ok(paths.includes("integrations.pipedrive.webhook_secret") && paths.includes("integrations.pipedrive.won_outcome"), paths.join());
    const got = await admin("GET", "", { template: "/v1/sites/{site}" });
    assert.equal(got.body.integrations.pipedrive.api_token, "(hidden)");
    assert.equal(got.body.integrations.pipedrive.webhook_secret, "(hidden)");
  });
});
