// Calls back to the ad platform that bought the click, on a real workerd:
// a Yandex Direct visitor's call reaches Metrica's upload_calls (a stand-in
// checking Yandex's documented request) with the visitor's ClientID or the
// click's yclid; a call Metrica cannot join, or one not confidently
// attributed, is not sent; Metrica's own errors show in deliveries.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec, until } from "./support/api.mjs";
import { startMetrica } from "./support/metrica.mjs";
import { startWorker } from "./support/workerd.mjs";

const site = "clinic-metrica";
const COUNTER = 44556677;
const TOKEN = "y0_AgAAAAB-metrica-write-token";
let w, metrica;

before(async () => {
  metrica = await startMetrica({ counter: COUNTER, token: TOKEN });
  w = await startWorker({ vars: { ADMIN_KEY } });
  await createSite(w, site, siteSpec({
    pool: 6,
    target_call: { min_duration_secs: 30, unique_days: 30 },
    limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 1000, live_leases_per_client: 6 },
    // The stand-in's address: the deployment's key sets it (a site's key may name only Yandex's hosts).
    integrations: { metrica: { counter_id: COUNTER, oauth_token: TOKEN, api_base: metrica.url } },
  }));
});
after(async () => {
  await w?.stop();
  await metrica?.close();
});

let seq = 0;
/** A visit (`query` on the landing URL, `ym` its _ym_uid) that calls. */
async function visitAndCall(query, ym, body) {
  const s = await newSession(w, site, { url: `https://shop.test/implants?${query}`, ...(ym ? { ym_client_id: ym } : {}) });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  const id = `ym-${++seq}`;
  const r = await call(w, "POST", `/v1/sites/${site}/calls`, {
    body: { call_id: id, tracking_number: s.body.numbers[0].number, caller: `+7916444${String(1000 + seq).slice(-4)}`, ...body },
    key: ADMIN_KEY,
    template: "/v1/sites/{site}/calls",
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const deliveries = async () => (await call(w, "GET", `/v1/sites/${site}/deliveries`, { key: ADMIN_KEY, template: "/v1/sites/{site}/deliveries" })).body.deliveries;
const ofCall = async (id) => (await deliveries()).filter((d) => d.kind === "metrica" && d.idempotency_key === `metrica:${id}`);

describe("calls to Yandex Metrica", () => {
  test("a Direct visitor's call goes with the ClientID; one without it, by its yclid", async () => {
    const a = await visitAndCall("utm_source=yandex&utm_medium=cpc&utm_campaign=implants&yclid=5551234567", "1764590000123456789", {
      status: "answered", duration_secs: 95, wait_secs: 7,
    });
    assert.equal(a.attribution.confidence, "high");
    const up = await until(() => metrica.uploads.find((u) => u.rows[0].ClientId === "1764590000123456789"), "the upload with the ClientID");
    assert.equal(up.client_id_type, "CLIENT_ID");
    assert.equal(up.comment, "calltrack");
    assert.deepEqual(up.rows[0], {
      ClientId: "1764590000123456789",
      DateTime: String(Math.floor(a.started_at / 1000)),
      StaticCall: "0",
      Talk: "95",
      HoldDuration: "7",
      CallMissed: "0",
      Tag: "target",
      FirstTimeCaller: "1",
      URL: "https://shop.test/implants",
    });
    // Without the cookie, the click's id; a missed call is a missed call.
    await visitAndCall("utm_source=yandex&utm_medium=cpc&yclid=5559876543", null, { status: "no_answer" });
    const byClick = await until(() => metrica.uploads.find((u) => u.rows[0].Yclid === "5559876543"), "the upload by yclid");
    assert.equal(byClick.client_id_type, "YCLID");
    assert.equal(byClick.rows[0].CallMissed, "1");
    assert.equal(byClick.rows[0].Tag, "missed");
    await until(async () => (await ofCall(a.id))[0]?.state === "delivered", "delivered in deliveries");
  });

  test("a call Metrica cannot join, or not confidently attributed, is never sent", async () => {
    // Google's visitor without Metrica's cookie: nothing to join the call to.
    const google = await visitAndCall("utm_source=google&utm_medium=cpc&gclid=abc", null, { status: "answered", duration_secs: 60 });
    // A call to a pool number nobody held: no visit at all.
    const leases = (await call(w, "GET", `/v1/sites/${site}/pools/%2B74951234567/leases`, { key: ADMIN_KEY, template: "/v1/sites/{site}/pools/{target}/leases" })).body;
    const free = leases.numbers.find((n) => n.state === "free").number;
    const nobody = await call(w, "POST", `/v1/sites/${site}/calls`, { body: { call_id: "ym-nobody", tracking_number: free, status: "answered", duration_secs: 60 }, key: ADMIN_KEY, template: "/v1/sites/{site}/calls" });
    assert.equal(nobody.status, 201);
    assert.notEqual(nobody.body.attribution.confidence, "high");
    // Deliveries are queued with the change that causes them: none was.
    assert.deepEqual(await ofCall(google.id), []);
    assert.deepEqual(await ofCall("ym-nobody"), []);
  });

  test("Metrica's errors: a 429 is tried again, a revoked token is refused with Metrica's words", async () => {
    metrica.state.throttle = 1;
    const slow = await visitAndCall("utm_source=yandex&utm_medium=cpc&yclid=5550000001", null, { status: "answered", duration_secs: 40 });
    const d = await until(async () => (await ofCall(slow.id)).find((x) => x.state === "delivered"), "delivered after the 429");
    assert.equal(d.attempts, 2);
    metrica.state.revoked = true;
    const refused = await visitAndCall("utm_source=yandex&utm_medium=cpc&yclid=5550000002", null, { status: "answered", duration_secs: 40 });
    const r = await until(async () => (await ofCall(refused.id)).find((x) => x.state === "refused"), "refused");
    assert.match(r.last_error, /403: Invalid oauth_token/);
    metrica.state.revoked = false;
    // The token is the site's secret: never shown.
    const cfg = await call(w, "GET", `/v1/sites/${site}`, { key: ADMIN_KEY, template: "/v1/sites/{site}" });
    assert.equal(cfg.body.integrations.metrica.oauth_token, "(hidden)");
    assert.equal(cfg.body.integrations.metrica.counter_id, COUNTER);
  });
});
