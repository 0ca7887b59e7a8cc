// Zadarma, a cloud PBX of the region, on a real workerd: its call events
// (forms, as Zadarma sends them, signed as Zadarma documents: Base64 of the
// hex HMAC-SHA1 of the event's fields, keyed by the API secret) become
// calls attributed like any other, with the extension that rang and
// answered (the site's agent), the wait, the talk time, the end and why a
// missed call was missed; a forged event changes nothing; a lost start
// still records the call at its end; an outgoing call marks the caller's
// missed calls called back; Zadarma's check of the address is echoed.
import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

const SECRET = "zadarma-api-secret-0123";
const site = "zd";
let w, tracking, session, api;

/** PHP's urlencode, as Zadarma's http_build_query writes a query. */
const phpEncode = (s) => encodeURIComponent(s).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, "+");

/**
 * A stand-in for Zadarma's API (GET /v1/request/callback/?from=&to=): it
 * checks `Authorization: <key>:<sign>` as Zadarma documents it (the sign,
 * Base64 of the hex HMAC-SHA1 of the method, the query rebuilt from the
 * parameters sorted by name, PHP-encoded, and that query's hex MD5) and
 * answers as Zadarma does.
 */
async function zadarmaApi({ key, secret }) {
  const asked = [];
  // Recordings by call_id_with_rec; their short-lived download links; what was fetched.
  const records = new Map();
  const links = new Map();
  const self = { asked, records, fetched: [], mode: "ok", foreign: null };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const send = (status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    // A recording's download link: no signature, only its token, while it lives.
    if (url.pathname.startsWith("/v1/pbx/record/download/")) {
      const audio = links.get(url.pathname);
      self.fetched.push(url.pathname);
      if (!audio || audio.till < Date.now()) return send(404, { status: "error", message: "File not found" });
      return res.writeHead(200, { "content-type": "audio/mpeg", "content-length": audio.bytes.length }).end(audio.bytes);
    }
    if (!["/v1/request/callback/", "/v1/pbx/record/request/"].includes(url.pathname)) return send(404, { status: "error", message: "Method not found" });
    const params = [...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const query = params.map(([k, v]) => `${phpEncode(k)}=${phpEncode(v)}`).join("&");
    const md5 = createHash("md5").update(query).digest("hex");
    const want = Buffer.from(createHmac("sha1", secret).update(`${url.pathname}${query}${md5}`).digest("hex")).toString("base64");
    if (req.headers.authorization !== `${key}:${want}`) return send(401, { status: "error", message: "Not authorized" });
    const p = Object.fromEntries(params);
    // Zadarma's limit on the API's requests: 429 and its error.
    if (self.mode === "limit") return send(429, { status: "error", message: "Too many requests" });
    if (url.pathname === "/v1/pbx/record/request/") {
      // call_id (a recording) or pbx_call_id (all of a call's); lifetime 180 to 5,184,000 s, 1,800 by default.
      const lifetime = p.lifetime === undefined ? 1800 : Number(p.lifetime);
      if ((!p.call_id && !p.pbx_call_id) || !Number.isInteger(lifetime) || lifetime < 180 || lifetime > 5184000) {
        return send(400, { status: "error", message: "Wrong parameters" });
      }
      asked.push({ method: url.pathname, ...p });
      const audio = records.get(p.call_id);
      if (!audio) return send(404, { status: "error", message: "Record not found" });
      const path = `/v1/pbx/record/download/${randomBytes(12).toString("hex")}/${p.call_id}.mp3`;
      links.set(path, { bytes: audio, till: Date.now() + lifetime * 1000 });
      const link = self.mode === "foreign" ? `${self.foreign}${path}` : `${self.url}${path}`;
      return send(200, { status: "success", link, lifetime_till: new Date(Date.now() + lifetime * 1000).toISOString().slice(0, 19).replace("T", " ") });
    }
    if (!p.from || !p.to) return send(400, { status: "error", message: "Wrong parameters" });
    asked.push(p);
    send(200, { status: "success", from: p.from, to: p.to, time: Math.floor(Date.now() / 1000) });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  self.url = `http://127.0.0.1:${server.address().port}`;
  self.close = () => new Promise((r) => server.close(r));
  return self;
}

before(async () => {
  api = await zadarmaApi({ key: "zd-key", secret: SECRET });
  w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  await createSite(w, site, siteSpec({
    pool: 6,
    agents: [{ id: "anna", name: "Anna Petrova", extensions: ["101"] }],
    integrations: { zadarma: { api_key: "zd-key", api_secret: SECRET } },
  }));
  const s = await newSession(w, site, { url: "http://shop.test/?utm_source=yandex&utm_medium=cpc&utm_campaign=spring" });
  session = s.body.session_id;
  tracking = s.body.numbers[0].number;
});
after(async () => {
  await w?.stop();
  await api?.close();
});

const admin = (method, path, opts = {}) => call(w, method, `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });
const getCall = async (id) => (await admin("GET", `/calls/${id}`, { template: "/v1/sites/{site}/calls/{id}" })).body;

/** What Zadarma signs for each event (its documentation's list). */
function signedText(f) {
  switch (f.event) {
    case "NOTIFY_START":
    case "NOTIFY_INTERNAL":
    case "NOTIFY_END":
      return `${f.caller_id}${f.called_did}${f.call_start}`;
    case "NOTIFY_ANSWER":
      return `${f.caller_id}${f.destination}${f.call_start}`;
    case "NOTIFY_OUT_START":
    case "NOTIFY_OUT_END":
      return `${f.internal}${f.destination}${f.call_start}`;
    case "NOTIFY_RECORD":
      return `${f.pbx_call_id}${f.call_id_with_rec}`;
    default:
      throw new Error(f.event);
  }
}
const sign = (f, secret = SECRET) => Buffer.from(createHmac("sha1", secret).update(signedText(f)).digest("hex")).toString("base64");

async function zadarma(fields, signature = sign(fields)) {
  const r = await fetch(`${w.url}/v1/sites/${site}/pbx/zadarma`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", signature },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: r.status, text: await r.text() };
}

const start = "2026-12-07 12:00:00";
const did = () => tracking.replace("+", "");

describe("Zadarma", () => {
  test("Zadarma's check of the address is echoed", async () => {
    const r = await fetch(`${w.url}/v1/sites/${site}/pbx/zadarma?zd_echo=a1B2c3`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "a1B2c3");
    assert.equal((await fetch(`${w.url}/v1/sites/${site}/pbx/zadarma?zd_echo=${encodeURIComponent("<script>")}`)).status, 422);
  });

  test("a call's events become one call with its agent, wait, talk time and attribution", async () => {
    const base = { pbx_call_id: "in-1", caller_id: "79161112233", called_did: did(), call_start: start };
    assert.equal((await zadarma({ event: "NOTIFY_START", ...base })).status, 200);
    let c = await getCall("zd-in-1");
    assert.equal(c.status, "ringing");
    assert.equal(c.source, "zadarma");
    assert.equal(c.attribution.session_id, session);
    assert.equal(c.attribution.channel.campaign, "spring");
    await zadarma({ event: "NOTIFY_INTERNAL", ...base, internal: "101" });
    await zadarma({ event: "NOTIFY_ANSWER", ...base, internal: "101", destination: "101" });
    const end = { event: "NOTIFY_END", ...base, internal: "101", last_internal: "101", duration: "95", disposition: "answered", status_code: "16", is_recorded: "0" };
    assert.equal((await zadarma(end)).status, 200);
    // Zadarma may send an event twice: the call is the same.
    assert.equal((await zadarma(end)).status, 200);
    c = await getCall("zd-in-1");
    assert.equal(c.status, "answered");
    assert.equal(c.duration_secs, 95);
    assert.deepEqual(c.agent, { id: "anna", name: "Anna Petrova" });
    assert.equal(typeof c.wait_secs, "number");
    assert.equal(c.missed_reason, null);
    const log = await admin("GET", "/calls", { template: "/v1/sites/{site}/calls" });
    assert.equal(log.body.calls.filter((x) => x.id === "zd-in-1").length, 1);
  });

  test("a forged event, or one signed with another secret, is refused and changes nothing", async () => {
    const f = { event: "NOTIFY_START", pbx_call_id: "forged", caller_id: "79161112299", called_did: did(), call_start: start };
    assert.equal((await zadarma(f, "bm90LWEtc2lnbmF0dXJl")).status, 401);
    assert.equal((await zadarma(f, sign(f, "another-secret"))).status, 401);
    // Signed, then changed on the way: the caller is not what was signed.
    assert.equal((await zadarma({ ...f, caller_id: "79160000000" }, sign(f))).status, 401);
    assert.equal((await admin("GET", "/calls/zd-forged", { template: "/v1/sites/{site}/calls/{id}" })).status, 404);
    // What one client can send is capped before it is read: a form, of at most 8 KB.
    const big = await fetch(`${w.url}/v1/sites/${site}/pbx/zadarma`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", signature: sign(f) },
      body: `${new URLSearchParams(f)}&pad=${"x".repeat(9000)}`,
    });
    assert.equal(big.status, 413);
    const json = await fetch(`${w.url}/v1/sites/${site}/pbx/zadarma`, { method: "POST", headers: { "content-type": "application/json", signature: sign(f) }, body: JSON.stringify(f) });
    assert.equal(json.status, 415);
  });

  test("missed calls say why, in Zadarma's own words; a lost start is recorded at the end", async () => {
    const ends = [
      ["m-lines", { disposition: "line limit" }, "all_lines_busy"],
      ["m-busy", { disposition: "busy", last_internal: "101" }, "busy"],
      ["m-menu", { disposition: "cancel" }, "abandoned"],
      ["m-rang", { disposition: "cancel", last_internal: "101" }, "not_answered"],
      ["m-noans", { disposition: "no answer", last_internal: "101" }, "not_answered"],
      ["m-fail", { disposition: "no money" }, "failed"],
    ];
    for (const [id, extra] of ends) {
      const base = { pbx_call_id: id, caller_id: "79161113344", called_did: did(), call_start: start };
      // m-lost never had its start: the end records it.
      if (id !== "m-fail") await zadarma({ event: "NOTIFY_START", ...base });
      const r = await zadarma({ event: "NOTIFY_END", ...base, duration: "0", status_code: "17", is_recorded: "0", ...extra });
      assert.equal(r.status, 200, r.text);
    }
    for (const [id, , reason] of ends) {
      const c = await getCall(`zd-${id}`);
      assert.equal(c.missed_reason, reason, id);
      assert.equal(c.answered, false);
    }
    assert.equal((await getCall("zd-m-rang")).agent.id, "anna");
    // Words Zadarma does not use are refused.
    const odd = { event: "NOTIFY_END", pbx_call_id: "m-odd", caller_id: "79161113344", called_did: did(), call_start: start, disposition: "lunch", duration: "0" };
    assert.equal((await zadarma(odd)).status, 422);
  });

  test("an outgoing call to a caller marks their missed calls called back", async () => {
    const out = { pbx_call_id: "out-1", internal: "101", destination: "79161113344", caller_id: did(), call_start: start };
    assert.equal((await zadarma({ event: "NOTIFY_OUT_START", ...out })).status, 200);
    assert.equal((await zadarma({ event: "NOTIFY_OUT_END", ...out, duration: "40", disposition: "answered", is_recorded: "0" })).status, 200);
    const o = await admin("GET", "/calls/zd-out-1", { template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(o.body.direction, "outbound");
    assert.ok((await getCall("zd-m-lines")).called_back_at >= (await getCall("zd-m-lines")).started_at);
    // The site's config never shows the secret.
    const shown = (await admin("GET", "", { template: "/v1/sites/{site}" })).body;
    assert.equal(shown.integrations.zadarma.api_secret, "(hidden)");
  });

  test("a call-back through Zadarma's click-to-call: the office's extension rings, then the visitor; its end connects the request", async () => {
    await createSite(w, "zd-cb", siteSpec({
      pool: 3,
      callback: { caller_id: "+74951234567", via: "zadarma", days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], from: "00:00", to: "24:00" },
      integrations: { zadarma: { api_key: "zd-key", api_secret: SECRET, api_base: api.url, callback_from: "100" } },
    }));
    const s = await newSession(w, "zd-cb");
    // A visit at least a few seconds old may ask (the test clock moves on).
    await call(w, "POST", "/v1/sites/zd-cb/_test/clock", { body: { advance_ms: 6000 }, key: ADMIN_KEY, template: null });
    const r = await call(w, "POST", "/v1/sites/zd-cb/callbacks", { body: { session_id: s.body.session_id, phone: "8 916 555-66-77" }, headers: { origin: "http://shop.test" }, template: "/v1/sites/{site}/callbacks" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, "calling_office");
    assert.deepEqual(api.asked, [{ from: "100", to: "+79165556677" }], "signed as Zadarma checks it");
    // Zadarma's events of that call: the office's extension calls the visitor.
    const out = { pbx_call_id: "cb-out-1", internal: "100", destination: "79165556677", caller_id: "74951234567", call_start: start };
    const post = async (fields) => {
      const res = await fetch(`${w.url}/v1/sites/zd-cb/pbx/zadarma`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", signature: sign(fields) },
        body: new URLSearchParams(fields).toString(),
      });
      assert.equal(res.status, 200, await res.text());
    };
    await post({ event: "NOTIFY_OUT_START", ...out });
    await post({ event: "NOTIFY_OUT_END", ...out, duration: "45", disposition: "answered", is_recorded: "0" });
    const list = await call(w, "GET", "/v1/sites/zd-cb/callbacks", { key: ADMIN_KEY, template: "/v1/sites/{site}/callbacks" });
    const cb = list.body.callbacks[0];
    assert.equal(cb.state, "connected");
    const c = await call(w, "GET", `/v1/sites/zd-cb/calls/${cb.call_id}`, { key: ADMIN_KEY, template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(c.body.status, "answered");
    assert.equal(c.body.duration_secs, 45);
    assert.equal(c.body.attribution.session_id, s.body.session_id);
  });

  test("a recorded call plays from the edge, which asks Zadarma's API with the account's key; the browser never sees it", async () => {
    await createSite(w, "zd-rec", siteSpec({
      pool: 3,
      integrations: { zadarma: { api_key: "zd-key", api_secret: SECRET, api_base: api.url } },
    }));
    const s = await newSession(w, "zd-rec");
    const post = async (fields) => {
      const res = await fetch(`${w.url}/v1/sites/zd-rec/pbx/zadarma`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", signature: sign(fields) },
        body: new URLSearchParams(fields).toString(),
      });
      assert.equal(res.status, 200, await res.text());
    };
    const get = (path) => call(w, "GET", `/v1/sites/zd-rec${path}`, { key: ADMIN_KEY, template: null });
    const mp3 = Buffer.concat([Buffer.from("ID3"), randomBytes(2048)]);
    api.records.set("1733572800.123456", mp3);
    // Recorded, as NOTIFY_END says (is_recorded, call_id_with_rec).
    const base = { pbx_call_id: "rec-1", caller_id: "79161117788", called_did: s.body.numbers[0].number.replace("+", ""), call_start: start };
    await post({ event: "NOTIFY_START", ...base });
    await post({ event: "NOTIFY_END", ...base, last_internal: "101", duration: "61", disposition: "answered", is_recorded: "1", call_id_with_rec: "1733572800.123456" });
    const c = (await get("/calls/zd-rec-1")).body;
    assert.equal(c.recording_url, `${api.url}/v1/pbx/record/request/?call_id=1733572800.123456`);
    const r = await fetch(`${w.url}/v1/sites/zd-rec/calls/zd-rec-1/recording`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "audio/mpeg");
    assert.equal(r.headers.get("cache-control"), "private, no-store");
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), mp3);
    // Asked as Zadarma checks it (the stand-in refuses a wrong sign), for a link of 3 minutes.
    assert.deepEqual(api.asked.at(-1), { method: "/v1/pbx/record/request/", call_id: "1733572800.123456", lifetime: "180" });
    // A recording ready later (NOTIFY_RECORD) is found too; the log filters by it.
    api.records.set("1733572900.654321", Buffer.from("ID3 second"));
    const later = { ...base, pbx_call_id: "rec-2", caller_id: "79161117799" };
    await post({ event: "NOTIFY_START", ...later });
    await post({ event: "NOTIFY_END", ...later, duration: "30", disposition: "answered", is_recorded: "0" });
    assert.equal((await get("/calls/zd-rec-2")).body.recording_url, null);
    await post({ event: "NOTIFY_RECORD", pbx_call_id: "rec-2", call_id_with_rec: "1733572900.654321" });
    assert.match((await get("/calls/zd-rec-2")).body.recording_url, /call_id=1733572900\.654321$/);
    const withRec = (await get("/calls?has_recording=1")).body.calls.map((x) => x.id).sort();
    assert.deepEqual(withRec, ["zd-rec-1", "zd-rec-2"]);
    // Zadarma's limit (429): the dashboard hears it as the vendor's failure, nothing changes.
    api.mode = "limit";
    const limited = await get("/calls/zd-rec-1/recording");
    assert.equal(limited.status, 502);
    assert.equal(limited.body.error.code, "upstream_failed");
    assert.match(limited.body.error.message, /Zadarma answered 429: Too many requests/);
    // A link on another host than the API's is never fetched.
    const other = await zadarmaApi({ key: "zd-key", secret: SECRET });
    api.mode = "foreign";
    api.foreign = other.url;
    const foreign = await get("/calls/zd-rec-1/recording");
    assert.equal(foreign.status, 502);
    assert.deepEqual(other.fetched, []);
    await other.close();
    api.mode = "ok";
    // A recording Zadarma does not have: its own error, as the vendor's failure.
    api.records.delete("1733572900.654321");
    const gone = await get("/calls/zd-rec-2/recording");
    assert.equal(gone.status, 502);
    assert.match(gone.body.error.message, /Record not found/);
    // Neither the key nor the secret reaches the browser.
    for (const x of [c, (await get("")).body]) assert.ok(!JSON.stringify(x).includes(SECRET));
  });
});
