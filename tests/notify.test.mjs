// Missed-call alerts on a real workerd, through stand-ins for Twilio's
// Messages API and Postmark's e-mail API: a missed call sends one SMS per
// number and one e-mail per address with who called, when, from which
// channel and a tel: link; the next calls wait for the digest interval and
// go as one message; a call back (an outgoing call) takes its call out and
// marks it called back; quiet hours hold the message until they end; a
// number the vendor refuses is refused at once with the vendor's words.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec, until } from "./support/api.mjs";
import { vendors } from "./support/vendors.mjs";
import { startWorker } from "./support/workerd.mjs";

const SID = `AC${"0123456789abcdef".repeat(2)}`;
const TOKEN = "twilio-token-for-alerts";
const POSTMARK = "postmark-server-token";
const HEAD = "+79160000001";
const INVALID = "+15005550001"; // Twilio's test number for an invalid `To`

let w, v;
before(async () => {
  v = await vendors({ accountSid: SID, authToken: TOKEN, serverToken: POSTMARK });
  w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
});
after(async () => {
  await w?.stop();
  await v?.close();
});

function spec(alerts, extra = {}) {
  return siteSpec({
    name: "Smile Dental",
    time_zone: "Europe/Moscow",
    missed_call_alerts: alerts,
    integrations: {
      twilio: { auth_token: TOKEN, account_sid: SID, sms_from: "+74990000000", api_base: v.url },
      email: { provider: "postmark", server_token: POSTMARK, from: "alerts@clinic.example", api_base: v.url },
    },
    ...extra,
  });
}

const admin = (site, method, path, opts = {}) => call(w, method, `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });

async function missed(site, id, caller) {
  const s = await newSession(w, site, { url: "http://shop.test/?utm_source=google&utm_medium=cpc" });
  const r = await admin(site, "POST", "/calls", { body: { call_id: id, tracking_number: s.body.numbers[0].number, caller, status: "no_answer" }, template: "/v1/sites/{site}/calls" });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const overview = async (site) => (await admin(site, "GET", "/overview", { template: "/v1/sites/{site}/overview" })).body;
const toHead = () => v.sms.filter((m) => m.To === HEAD);

describe("missed-call alerts", () => {
  test("a missed call sends one SMS per number and one e-mail per address", async () => {
    await createSite(w, "alerts", spec({ sms: [HEAD, INVALID], email: ["head@clinic.example"], digest_minutes: 1 }));
    await missed("alerts", "m-1", "+79161110001");
    await until(() => toHead().length === 1 && v.email.length === 1, "the first SMS and e-mail");
    const sms = toHead()[0];
    assert.equal(sms.From, "+74990000000");
    assert.match(sms.Body, /^Smile Dental: Missed call: \+79161110001 at \d\d:\d\d \(paid search\)\. Call back: tel:\+79161110001$/);
    const mail = v.email[0];
    assert.deepEqual([mail.From, mail.To, mail.MessageStream], ["alerts@clinic.example", "head@clinic.example", "outbound"]);
    assert.match(mail.Subject, /^Missed call: \+79161110001 at/);
    assert.match(mail.TextBody, /Call back: tel:\+79161110001/);
    // The number Twilio refuses: refused at once, with Twilio's words, in deliveries.
    const refused = await until(async () => {
      const d = (await admin("alerts", "GET", "/deliveries", { template: "/v1/sites/{site}/deliveries" })).body.deliveries;
      return d.find((x) => x.kind === "sms" && x.state === "refused");
    }, "the refused SMS");
    assert.equal(refused.attempts, 1);
    assert.match(refused.last_error, /400: The 'To' number \+15005550001 is not a valid phone number\./);
    assert.equal(v.refused.filter((r) => r.why === "auth").length, 0, "every request authenticated");
  });

  test("the next missed calls wait for the digest; a call back takes its call out", async () => {
    const first = toHead()[0].at;
    await missed("alerts", "m-2", "+79161110002");
    await missed("alerts", "m-3", "+79161110003");
    let o = await overview("alerts");
    assert.equal(o.missed_alerts.waiting, 2);
    assert.ok(o.missed_alerts.next_at >= first + 55_000, "not before the digest interval is over");
    // The clinic calls the second caller back before the alert goes.
    const back = await admin("alerts", "POST", "/calls", { body: { call_id: "out-1", direction: "outbound", tracking_number: "+74951234567", caller: "8 916 111-00-02", status: "answered", duration_secs: 60 }, template: "/v1/sites/{site}/calls" });
    assert.equal(back.status, 201, JSON.stringify(back.body));
    assert.equal(back.body.direction, "outbound");
    const m2 = await admin("alerts", "GET", "/calls/m-2", { template: "/v1/sites/{site}/calls/{id}" });
    assert.ok(m2.body.called_back_at >= m2.body.started_at);
    o = await overview("alerts");
    assert.equal(o.missed_alerts.waiting, 1);
    // The outgoing call is no call to the site: not in the log, not in reports.
    const log = await admin("alerts", "GET", "/calls", { template: "/v1/sites/{site}/calls" });
    assert.ok(!log.body.calls.some((c) => c.id === "out-1"));
    const rep = await admin("alerts", "GET", "/reports/calls", { template: "/v1/sites/{site}/reports/calls" });
    assert.equal(rep.body.total.calls, 3);
    // The digest: one message, once the interval is over, about the call still waiting.
    assert.equal(toHead().length, 1, "nothing more before the interval is over");
    // The interval passes on the test clock (its move runs what fell due).
    const moved = await admin("alerts", "POST", "/_test/clock", { body: { advance_ms: 60_000 }, template: null });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    // Its SMS and its e-mail are sent one after the other: wait for both.
    await until(() => toHead().length === 2 && v.email.length === 2, "the digest SMS and e-mail");
    const digest = toHead()[1];
    assert.match(digest.Body, /Missed call: \+79161110003 .*tel:\+79161110003$/);
    assert.match(v.email[1].Subject, /^Missed call: \+79161110003 at/);
    assert.equal((await overview("alerts")).missed_alerts.waiting, 0);
  });

  test("quiet hours hold the alert until they end", async () => {
    // Quiet from an hour ago to an hour ahead, Moscow time (UTC+3, no daylight saving).
    const hm = (ms) => new Date(ms + 3 * 3_600_000).toISOString().slice(11, 16);
    const now = Date.now();
    const quiet = { from: hm(now - 3_600_000), to: hm(now + 3_600_000) };
    await createSite(w, "quiet", spec({ sms: [HEAD], digest_minutes: 0, quiet_hours: quiet }));
    const before = toHead().length;
    await missed("quiet", "q-1", "+79162220001");
    const o = await overview("quiet");
    assert.equal(o.missed_alerts.waiting, 1);
    const end = Math.floor((now + 3_600_000) / 60_000) * 60_000;
    assert.ok(Math.abs(o.missed_alerts.next_at - end) <= 60_000, `held until ${hm(end)} (next_at ${o.missed_alerts.next_at})`);
    // The office says quiet ends now: the held alert goes.
    const s = spec({ sms: [HEAD], digest_minutes: 0, quiet_hours: { from: hm(now - 3_600_000), to: hm(now - 60_000) } });
    await createSite(w, "quiet", s);
    await until(() => toHead().length === before + 1, "the held SMS");
    assert.match(toHead().at(-1).Body, /\+79162220001/);
  });

  test("a Russian site's alerts come in Russian, with Russian plural forms", async () => {
    const RU = "+79160000002";
    const toRu = () => v.sms.filter((m) => m.To === RU);
    await createSite(w, "alerts-ru", spec({ sms: [RU], email: ["head-ru@clinic.example"], digest_minutes: 1 }, { locale: "ru", name: "Улыбка" }));
    const mailRu = () => v.email.filter((m) => m.To === "head-ru@clinic.example");
    await missed("alerts-ru", "ru-1", "+79161110021");
    await until(() => toRu().length === 1, "the first SMS");
    assert.match(toRu()[0].Body, /^Улыбка: Пропущенный звонок: \+79161110021 в \d\d:\d\d \(платный поиск\)\. Перезвонить: tel:\+79161110021$/);
    for (const [id, n] of [["ru-2", "22"], ["ru-3", "23"], ["ru-4", "24"]]) await missed("alerts-ru", id, `+791611100${n}`);
    // The interval passes on the test clock: one digest of the three.
    await admin("alerts-ru", "POST", "/_test/clock", { body: { advance_ms: 60_000 }, template: null });
    await until(() => toRu().length === 2, "the digest");
    assert.match(toRu()[1].Body, /^Улыбка: 3 пропущенных звонка с \d\d:\d\d\. Перезвонить: tel:\+79161110024$/);
    await until(() => mailRu().length === 2, "the digest's e-mail");
    const mail = mailRu()[1];
    assert.match(mail.Subject, /^3 пропущенных звонка с \d\d:\d\d$/);
    const lines = mail.TextBody.split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[1], /^- \+79161110022 в \d\d:\d\d, канал: платный поиск\. Перезвонить: tel:\+79161110022$/);
    // A language with no catalog is refused by its path.
    const bad = await call(w, "PUT", "/v1/sites/alerts-xx", { body: spec({ sms: [RU] }, { locale: "xx" }), key: ADMIN_KEY, template: "/v1/sites/{site}" });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.error.fields.some((e) => e.path === "locale"), JSON.stringify(bad.body));
  });

  test("alerts need their channels; bad recipients are refused, each by its path", async () => {
    const bad = siteSpec({ missed_call_alerts: { sms: ["nope"], email: ["head@"], digest_minutes: 5000 } });
    const r = await admin("bad-alerts", "PUT", "", { body: bad, template: "/v1/sites/{site}" });
    assert.equal(r.status, 422);
    const paths = r.body.error.fields.map((f) => f.path);
    for (const p of ["missed_call_alerts.sms[0]", "missed_call_alerts.email[0]", "missed_call_alerts.sms", "missed_call_alerts.email", "missed_call_alerts.digest_minutes"]) {
      assert.ok(paths.includes(p), `${p} in ${paths}`);
    }
    // The secrets stay write-only.
    const got = await admin("alerts", "GET", "", { template: "/v1/sites/{site}" });
    assert.equal(got.body.integrations.email.server_token, "(hidden)");
    assert.equal(got.body.integrations.twilio.auth_token, "(hidden)");
  });
});

test("a site's own admin key cannot send the stored vendor secrets to another address", async () => {
  // Where a secret would go if it travelled: a server that records every request.
  const seen = [];
  const elsewhere = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""} ${req.headers["x-postmark-server-token"] ?? ""}`);
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise((r) => elsewhere.listen(0, "127.0.0.1", r));
  const other = `http://127.0.0.1:${elsewhere.address().port}`;
  try {
    await createSite(w, "travel", spec({ sms: [HEAD], email: ["head@clinic.example"], digest_minutes: 1 }));
    const key = (await admin("travel", "POST", "/keys", { body: { scope: "admin", label: "the site's own" }, template: "/v1/sites/{site}/keys" })).body.key;
    const S = "/v1/sites/{site}";
    const shown = (await call(w, "GET", "/v1/sites/travel", { key, template: S })).body;
    assert.equal(shown.integrations.twilio.auth_token, "(hidden)");
    // The config written back as shown, but the vendors' addresses moved:
    // a site's key may point them only at the vendors' own hosts.
    const moved = structuredClone(shown);
    moved.integrations.twilio.api_base = other;
    moved.integrations.email.api_base = other;
    const r = await call(w, "PUT", "/v1/sites/travel", { key, body: moved, template: S });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(r.body.error.fields.map((f) => f.path).sort(), ["integrations.email.api_base", "integrations.twilio.api_base"]);
    // Even the deployment's key carries no hidden secret to another address: each by its path.
    const d = await call(w, "PUT", "/v1/sites/travel", { key: ADMIN_KEY, body: moved, template: S });
    assert.equal(d.status, 422, JSON.stringify(d.body));
    assert.deepEqual(d.body.error.fields.map((f) => f.path).sort(), ["integrations.email.server_token", "integrations.twilio.auth_token"]);
    // Written back as shown, addresses unchanged: the secrets are kept.
    assert.equal((await call(w, "PUT", "/v1/sites/travel", { key, body: shown, template: S })).status, 200);
    // A missed call's alerts go to the vendors given, with their secrets; nothing went elsewhere.
    const before = toHead().length;
    await missed("travel", "t-1", "+79163330001");
    await until(() => toHead().length === before + 1, "the SMS at Twilio's stand-in");
    assert.equal(v.refused.filter((x) => x.why === "auth").length, 0, "the stored token still signs");
    assert.deepEqual(seen, []);
  } finally {
    await new Promise((r) => elsewhere.close(r));
  }
});
