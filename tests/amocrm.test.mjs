// amoCRM on a real workerd, through a stand-in for its API v4 that checks
// each request as amoCRM documents it (tests/support/amocrm.mjs): a target
// call becomes a deal in the site's pipeline and stage, with its contact
// (made with the deal through leads/complex, or found by phone) and a note
// of where the caller came from; a lead becomes a deal too; a missed call a
// task to call back, due in the site's minutes, for the responsible user; a
// deal won in amoCRM (its webhook, a form, to the address with the secret)
// gives the call the site's outcome and the deal's price; a retry makes no
// second deal; requests keep to amoCRM's 7 a second; an expired OAuth token
// is refreshed, and the next refresh uses the new refresh token.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { amocrm } from "./support/amocrm.mjs";
import { ADMIN_KEY, call, createSite, newSession, siteSpec, until } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

const TOKEN = "amo-long-lived-token";
const SECRET = "amo-webhook-secret-0123";
let w, amo, oauth;

before(async () => {
  amo = await amocrm({ accessToken: TOKEN });
  oauth = await amocrm({ accessToken: "oauth-access-0", clientId: "client-1", clientSecret: "client-secret", refreshToken: "refresh-0", redirectUri: "https://clinic.example/amo" });
  w = await startWorker({ vars: { ADMIN_KEY } });
  await createSite(w, "amo", siteSpec({
    pool: 40,
    target_call: { min_duration_secs: 30, unique_days: 0 },
    integrations: {
      amocrm: {
        subdomain: "clinic", api_base: amo.url, access_token: TOKEN, webhook_secret: SECRET,
        pipeline_id: 5, status_id: 55, responsible_user_id: 777, task_minutes: 30,
      },
    },
  }));
  await createSite(w, "amo-oauth", siteSpec({
    target_call: { min_duration_secs: 30, unique_days: 0 },
    integrations: {
      amocrm: {
        subdomain: "clinic2", api_base: oauth.url, access_token: "oauth-access-0", webhook_secret: SECRET,
        client_id: "client-1", client_secret: "client-secret", refresh_token: "refresh-0", redirect_uri: "https://clinic.example/amo",
      },
    },
  }));
});
after(async () => {
  await w?.stop();
  await amo?.close();
  await oauth?.close();
});

const admin = (site, method, path, opts = {}) => call(w, method, `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });

async function aCall(site, id, caller, { status = "answered", duration = 90 } = {}) {
  const s = await newSession(w, site, { url: "http://shop.test/implants?utm_source=yandex&utm_medium=cpc&utm_campaign=spring&utm_term=implants" });
  const r = await admin(site, "POST", "/calls", {
    body: { call_id: id, tracking_number: s.body.numbers[0].number, caller, status, duration_secs: duration, recording_url: "https://rec.example/1.mp3" },
    template: "/v1/sites/{site}/calls",
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const deliveries = async (site) => (await admin(site, "GET", "/deliveries", { template: "/v1/sites/{site}/deliveries" })).body.deliveries.filter((d) => d.kind === "amocrm");

async function webhook(site, form, secret = SECRET) {
  const r = await fetch(`${w.url}/v1/sites/${site}/crm/amocrm/${secret}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  return { status: r.status, body: await r.json() };
}

describe("amoCRM", () => {
  test("a target call becomes a deal in the site's pipeline, with its new contact and a note of its attribution", async () => {
    const c = await aCall("amo", "amo-1", "+79164440001");
    assert.equal(c.target_call, true);
    await until(() => amo.notes.length === 1, "the deal's note");
    assert.equal(amo.deals.length, 1);
    const d = amo.deals[0];
    assert.equal(d.name, "Call from +79164440001 (paid_search)");
    assert.deepEqual([d.pipeline_id, d.status_id, d.responsible_user_id], [5, 55, 777]);
    assert.deepEqual(d.tags, ["calltrack", "paid_search"]);
    // The contact was made with the deal (leads/complex), with its phone.
    assert.equal(amo.contacts.length, 1);
    assert.deepEqual(amo.contacts[0].phones, ["+79164440001"]);
    assert.equal(d.contact_id, amo.contacts[0].id);
    assert.ok(amo.requests.some((r) => r.method === "POST" && r.path === "/api/v4/leads/complex"));
    const n = amo.notes[0];
    assert.equal(n.entity_id, d.id);
    for (const line of ["Channel: paid_search", "Source / medium: yandex / cpc", "Campaign: spring", "Keyword: implants", "Landing page: shop.test/implants", "Recording: https://rec.example/1.mp3"]) {
      assert.ok(n.text.includes(line), `${line} in ${JSON.stringify(n.text)}`);
    }
    await until(async () => (await deliveries("amo")).every((x) => x.state === "delivered"), "the delivery shown as delivered");
  });

  test("the same caller's next target call finds the contact; a lead becomes a deal too", async () => {
    await aCall("amo", "amo-2", "+79164440001");
    await until(() => amo.notes.length === 2, "the second deal's note");
    assert.equal(amo.contacts.length, 1, "found by phone, not made again");
    assert.equal(amo.deals[1].contact_id, amo.contacts[0].id);
    assert.ok(amo.requests.some((r) => r.method === "GET" && r.path === "/api/v4/contacts" && r.query.includes("query=%2B79164440001")));
    const s = await newSession(w, "amo", { url: "http://shop.test/?utm_source=google&utm_medium=cpc" });
    const lead = await call(w, "POST", "/v1/sites/amo/leads", { body: { session_id: s.body.session_id, name: "Ivan", phone: "+79164440002", message: "A cleaning, please" }, headers: { origin: "http://shop.test" }, template: "/v1/sites/{site}/leads" });
    assert.equal(lead.status, 201, JSON.stringify(lead.body));
    await until(() => amo.notes.length === 3, "the lead's deal and note");
    assert.match(amo.deals[2].name, /^Lead from \+79164440002/);
  });

  test("a missed call becomes a task to call back, due in the site's minutes, for the responsible user", async () => {
    const before = Math.floor(Date.now() / 1000);
    const c = await aCall("amo", "amo-missed", "+79164440003", { status: "no_answer", duration: 0 });
    assert.equal(c.target_call, false);
    await until(() => amo.tasks.length === 1, "the task");
    const t = amo.tasks[0];
    assert.equal(t.task_type_id, 1);
    assert.equal(t.responsible_user_id, 777);
    assert.equal(t.entity_type, "contacts");
    assert.equal(t.entity_id, amo.contacts.find((x) => x.phones.includes("+79164440003")).id);
    assert.match(t.text, /^Call back \+79164440003: missed call \(paid_search, yandex \/ cpc, spring\)$/);
    assert.ok(t.complete_till >= before + 30 * 60 && t.complete_till <= before + 30 * 60 + 120, `due in 30 minutes (${t.complete_till - before} s)`);
    assert.equal(amo.deals.length, 3, "a missed call is no deal");
  });

  test("a deal won in amoCRM gives its call the site's outcome and the deal's price; a forged webhook changes nothing", async () => {
    const deal = amo.deals[0];
    const form = {
      "leads[status][0][id]": String(deal.id), "leads[status][0][status_id]": "142", "leads[status][0][pipeline_id]": "5",
      "leads[status][0][old_status_id]": "55", "leads[status][0][price]": "25000", "account[subdomain]": "clinic", "account[id]": "29000001",
    };
    assert.equal((await webhook("amo", form, "not-the-secret-0000")).status, 401);
    // What one client can send is capped before it is read (64 KB), and must be amoCRM's form.
    assert.equal((await webhook("amo", { ...form, pad: "x".repeat(70_000) })).status, 413);
    const asJson = await fetch(`${w.url}/v1/sites/amo/crm/amocrm/${SECRET}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(form) });
    assert.equal(asJson.status, 415);
    assert.equal((await webhook("amo", { ...form, "account[subdomain]": "someone-else" })).status, 403);
    let c = (await admin("amo", "GET", "/calls/amo-1", { template: "/v1/sites/{site}/calls/{id}" })).body;
    assert.ok(!c.outcome, "nothing changed by the refused ones");
    const r = await webhook("amo", form);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.changed, 1);
    c = (await admin("amo", "GET", "/calls/amo-1", { template: "/v1/sites/{site}/calls/{id}" })).body;
    assert.equal(c.outcome.label, "appointment", "the site's first successful outcome");
    assert.equal(c.outcome.value, 25000, "the deal's price");
    // A deal lost: the first unsuccessful outcome.
    const lost = await webhook("amo", { ...form, "leads[status][0][id]": String(amo.deals[1].id), "leads[status][0][status_id]": "143" });
    assert.equal(lost.body.changed, 1);
    c = (await admin("amo", "GET", "/calls/amo-2", { template: "/v1/sites/{site}/calls/{id}" })).body;
    assert.equal(c.outcome.label, "no result");
  });

  test("a failed note is tried again without a second deal", async () => {
    const deals = amo.deals.length;
    amo.failNext("POST /api/v4/leads/notes", 500);
    await aCall("amo", "amo-retry", "+79164440004");
    await until(async () => (await deliveries("amo")).some((d) => d.attempts >= 1 && /amoCRM answered 500/.test(d.last_error ?? "")), "the failed try, with amoCRM's words");
    await until(() => amo.notes.some((n) => n.text.includes("amo-retry")), "the note, on the next try");
    assert.equal(amo.deals.length, deals + 1, "one deal, made once");
  });

  test("many calls at once keep to amoCRM's limit of 7 requests a second", async () => {
    const before = amo.notes.length;
    await Promise.all(Array.from({ length: 8 }, (_, i) => aCall("amo", `amo-burst-${i}`, `+7916444010${i}`)));
    await until(() => amo.notes.length === before + 8, "eight deals with their notes", 60_000);
    assert.equal(amo.tooMany(), 0, "no 429");
  });

  test("an expired OAuth token is refreshed; the next refresh uses the new refresh token", async () => {
    await aCall("amo-oauth", "oa-1", "+79165550001");
    await until(() => oauth.notes.length === 1, "the first deal");
    assert.equal(oauth.refreshed.length, 0);
    oauth.expire();
    await aCall("amo-oauth", "oa-2", "+79165550002");
    await until(() => oauth.notes.length === 2, "the second deal, after a refresh");
    assert.equal(oauth.refreshed.length, 1);
    oauth.expire();
    await aCall("amo-oauth", "oa-3", "+79165550003");
    await until(() => oauth.notes.length === 3, "the third deal, after a second refresh");
    // amoCRM's refresh tokens are good once: the second refresh could only use the new one.
    assert.equal(oauth.refreshed.length, 2);
    assert.equal(oauth.deals.length, 3);
    // The site's config still hides every amoCRM secret.
    const shown = (await admin("amo-oauth", "GET", "", { template: "/v1/sites/{site}" })).body;
    for (const k of ["access_token", "client_secret", "refresh_token", "webhook_secret"]) assert.equal(shown.integrations.amocrm[k], "(hidden)", k);
  });
});
