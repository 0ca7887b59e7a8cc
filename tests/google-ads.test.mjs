// Target calls back to Google Ads, on a real workerd: a Google Ads
// visitor's target call reaches uploadClickConversions (a stand-in checking
// Google's documented request, with its OAuth token endpoint) with its
// gclid, value and currency; other calls never go; Google's refusals and an
// expired access token are handled as Google answers them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec, until } from "./support/api.mjs";
import { startGoogleAds } from "./support/google-ads.mjs";
import { startWorker } from "./support/workerd.mjs";

const site = "clinic-gads";
const account = {
  customerId: "1234567890",
  clientId: "1234-abc.apps.googleusercontent.com",
  clientSecret: "GOCSPX-client-secret",
  refreshToken: "1//0refresh-token",
  developerToken: "dev-token-ABCDEF",
  knownGclids: ["EAIaIQobChMI-known-1", "EAIaIQobChMI-known-2", "EAIaIQobChMI-known-3"],
  // The campaigns' spend, three campaigns a day: two pages a day's worth.
  costs: () => [
    { id: 901, name: "implants", cost: 1500.123456 },
    { id: 902, name: "brand", cost: 99.99 },
    { id: 903, name: "crowns", cost: 10 },
  ],
};
let w, gads;

before(async () => {
  gads = await startGoogleAds(account);
  w = await startWorker({ vars: { ADMIN_KEY } });
  await createSite(w, site, siteSpec({
    pool: 6,
    currency: "RUB",
    target_call: { min_duration_secs: 30, unique_days: 30 },
    limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 1000, live_leases_per_client: 6 },
    integrations: {
      google_ads: {
        customer_id: "123-456-7890",
        login_customer_id: "999-888-7777",
        conversion_action_id: 555001,
        developer_token: account.developerToken,
        client_id: account.clientId,
        client_secret: account.clientSecret,
        refresh_token: account.refreshToken,
        api_base: gads.url,
        token_url: gads.tokenUrl,
      },
    },
  }));
});
after(async () => {
  await w?.stop();
  await gads?.close();
});

let seq = 0;
async function clickAndCall(gclid, body) {
  const s = await newSession(w, site, { url: `https://shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=implants&gclid=${gclid}` });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  const r = await call(w, "POST", `/v1/sites/${site}/calls`, {
    body: { call_id: `gads-${++seq}`, tracking_number: s.body.numbers[0].number, caller: `+7916333${String(1000 + seq).slice(-4)}`, ...body },
    key: ADMIN_KEY,
    template: "/v1/sites/{site}/calls",
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const ofCall = async (id) =>
  (await call(w, "GET", `/v1/sites/${site}/deliveries`, { key: ADMIN_KEY, template: "/v1/sites/{site}/deliveries" })).body.deliveries
    .filter((d) => d.kind === "google_ads" && d.idempotency_key === `google_ads:${id}`);

test("the alarm pulls the campaigns' cost from Google Ads (GAQL, page by page) as google / cpc spend", async () => {
  const c = await until(async () => {
    const b = (await call(w, "GET", `/v1/sites/${site}/costs`, { key: ADMIN_KEY, template: "/v1/sites/{site}/costs" })).body;
    return b.rows.filter((r) => r.origin === "google_ads").length === 9 && b;
  }, "three days of three campaigns");
  assert.ok(gads.searches.length >= 5, `pages asked: ${gads.searches.length}`);
  assert.match(gads.searches[0].query, /FROM campaign WHERE segments\.date BETWEEN '\d{4}-\d\d-\d\d' AND '\d{4}-\d\d-\d\d'/);
  const implants = c.rows.filter((r) => r.campaign === "implants");
  assert.ok(implants.every((r) => r.amount_minor === 150_012 && r.source === "google" && r.medium === "cpc"));
  assert.equal(c.connectors.google_ads.last_error, null);
});

describe("target calls to Google Ads", () => {
  test("a Google Ads visitor's target call goes as a click conversion with its gclid, value and currency", async () => {
    const c = await clickAndCall("EAIaIQobChMI-known-1", { status: "answered", duration_secs: 120, outcome: { label: "sale", value: 15000.5 } });
    assert.equal(c.target_call, true);
    const up = await until(() => gads.uploads.find((u) => u.gclid === "EAIaIQobChMI-known-1"), "the click conversion");
    const at = new Date(c.started_at);
    const iso = at.toISOString();
    assert.deepEqual(up, {
      gclid: "EAIaIQobChMI-known-1",
      conversionAction: "customers/1234567890/conversionActions/555001",
      conversionDateTime: `${iso.slice(0, 10)} ${iso.slice(11, 19)}+00:00`,
      conversionValue: 15000.5,
      currencyCode: "RUB",
      orderId: c.id,
      customerId: "1234567890",
      loginCustomerId: "9998887777",
    });
    await until(async () => (await ofCall(c.id))[0]?.state === "delivered", "delivered");
    // A second one uses the same access token.
    const tokensBefore = gads.state.tokenRequests;
    const d = await clickAndCall("EAIaIQobChMI-known-2", { status: "answered", duration_secs: 60 });
    await until(() => gads.uploads.find((u) => u.gclid === "EAIaIQobChMI-known-2"), "the second conversion");
    assert.equal(gads.state.tokenRequests, tokensBefore, "the access token is kept until it ends");
    assert.equal(gads.uploads.find((u) => u.orderId === d.id).conversionValue, 0, "no value yet: 0");
  });

  test("a call that is not a target call, or not confidently a click's, is never a conversion", async () => {
    const short = await clickAndCall("EAIaIQobChMI-known-3", { status: "answered", duration_secs: 5 });
    assert.equal(short.target_call, false);
    const missed = await clickAndCall("EAIaIQobChMI-known-3", { status: "no_answer" });
    // Queued with the change or never: nothing was.
    assert.deepEqual(await ofCall(short.id), []);
    assert.deepEqual(await ofCall(missed.id), []);
  });

  test("Google's refusal is kept in its words; an expired access token is refreshed and the upload goes", async () => {
    const unknown = await clickAndCall("EAIaIQobChMI-never-clicked", { status: "answered", duration_secs: 90 });
    const r = await until(async () => (await ofCall(unknown.id)).find((x) => x.state === "refused"), "refused");
    assert.match(r.last_error, /Google Ads refused it: The click associated with the given identifier .* isn't found/);
    gads.state.expireTokens = true;
    const tokensBefore = gads.state.tokenRequests;
    const again = await clickAndCall("EAIaIQobChMI-known-3", { status: "answered", duration_secs: 45 });
    const d = await until(async () => (await ofCall(again.id)).find((x) => x.state === "delivered"), "delivered after a new token");
    assert.equal(d.attempts, 2, "the 401 dropped the token; the next try took a new one");
    assert.equal(gads.state.tokenRequests, tokensBefore + 1);
    const cfg = (await call(w, "GET", `/v1/sites/${site}`, { key: ADMIN_KEY, template: "/v1/sites/{site}" })).body.integrations.google_ads;
    assert.deepEqual([cfg.developer_token, cfg.client_secret, cfg.refresh_token], ["(hidden)", "(hidden)", "(hidden)"]);
  });
});
