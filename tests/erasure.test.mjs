// Erasing a caller matches their whole number: a longer number that starts
// with the same digits is another caller, and their data and pending events stay.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_KEY, call, createSite, siteSpec } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

test("erasure takes the caller's whole number, never a part of a longer one", async () => {
  const w = await startWorker({ vars: { ADMIN_KEY } });
  try {
    const site = "erase";
    // A webhook nobody answers: the events stay pending (and erasable).
    await createSite(w, site, {
      ...siteSpec({ pool: 2 }),
      integrations: { webhooks: [{ url: "http://127.0.0.1:9/hook", secret: "s3cret-s3cret-s3cret" }] },
    });
    const post = (body) => call(w, "POST", `/v1/sites/${site}/calls`, { key: ADMIN_KEY, body });
    assert.equal((await post({ call_id: "long", tracking_number: "+74991000000", caller: "+12125550199" })).status, 201);
    assert.equal((await post({ call_id: "short", tracking_number: "+74991000000", caller: "+1212555019" })).status, 201);
    const pending = async () =>
      (await call(w, "GET", `/v1/sites/${site}/deliveries`, { key: ADMIN_KEY })).body.deliveries
        .filter((d) => d.state === "pending" && !d.idempotency_key.startsWith("caller.erased"))
        .map((d) => d.idempotency_key)
        .sort();
    assert.deepEqual(await pending(), ["call.created:long", "call.created:short"]);
    const r = await call(w, "DELETE", `/v1/sites/${site}/callers/${encodeURIComponent("+1212555019")}`, { key: ADMIN_KEY });
    assert.equal(r.status, 200);
    assert.equal(r.body.calls, 1);
    assert.deepEqual(await pending(), ["call.created:long"], "the longer number's event stays");
    const told = (await call(w, "GET", `/v1/sites/${site}/deliveries`, { key: ADMIN_KEY })).body.deliveries.filter((d) => d.event === "caller.erased");
    assert.equal(told.length, 1, "the webhook is told");
    const long = await call(w, "GET", `/v1/sites/${site}/calls/long?full_caller=1`, { key: ADMIN_KEY });
    assert.equal(long.body.caller, "+12125550199");
    const short = await call(w, "GET", `/v1/sites/${site}/calls/short?full_caller=1`, { key: ADMIN_KEY });
    assert.equal(short.body.caller, null);
  } finally {
    await w.stop();
  }
});

test("erasure reaches every table and every event holding the number in any form, and tells the receivers", async () => {
  const { createHmac } = await import("node:crypto");
  const { createServer } = await import("node:http");
  const { vendors } = await import("./support/vendors.mjs");
  const { newSession, until } = await import("./support/api.mjs");
  const SID = `AC${"0123456789abcdef".repeat(2)}`;
  const TOKEN = "twilio-token-for-erasure";
  const SECRET = "erasure-webhook-secret-000";
  const X = "+79165551234";
  const v = await vendors({ accountSid: SID, authToken: TOKEN, serverToken: "pm-token", numbers: ["+74990000500"] });
  const hooks = [];
  const hook = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      hooks.push({ headers: req.headers, body });
      res.writeHead(200).end("{}");
    });
  });
  await new Promise((r) => hook.listen(0, "127.0.0.1", r));
  const w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
  const site = "forget";
  const admin = (method, path, opts = {}) => call(w, method, `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });
  try {
    await createSite(w, site, siteSpec({
      time_zone: "Europe/Moscow",
      missed_call_alerts: { sms: ["+79160000001"], digest_minutes: 1 },
      callback: { caller_id: "+74990000500", days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], from: "00:00", to: "24:00" },
      integrations: {
        twilio: { auth_token: TOKEN, account_sid: SID, sms_from: "+74990000000", api_base: v.url, public_url: w.url },
        webhooks: [{ url: `http://127.0.0.1:${hook.address().port}/crm`, secret: SECRET }],
      },
    }));
    // The caller: a missed call (webhooks, and an SMS alert with the number
    // in a form's body), a lead, a call-back request. Someone else: a lead
    // known by e-mail only.
    const s = await newSession(w, site);
    const c = await admin("POST", "/calls", { body: { call_id: "gone-1", tracking_number: s.body.numbers[0].number, caller: "8 (916) 555-12-34", status: "no_answer" }, template: "/v1/sites/{site}/calls" });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal((await call(w, "POST", `/v1/sites/${site}/leads`, { body: { phone: "8 916 555 12 34", name: "Ivan", lead_id: "form-x" }, template: "/v1/sites/{site}/leads" })).status, 201);
    assert.equal((await call(w, "POST", `/v1/sites/${site}/leads`, { body: { email: "Anna@Example.com", name: "Anna", lead_id: "form-a" }, template: "/v1/sites/{site}/leads" })).status, 201);
    // Some seconds pass (the test clock): the visit may ask to be called back.
    await call(w, "POST", `/v1/sites/${site}/_test/clock`, { body: { advance_ms: 6000 }, key: ADMIN_KEY, template: null });
    const cb = await call(w, "POST", `/v1/sites/${site}/callbacks`, { body: { session_id: s.body.session_id, phone: X, name: "Ivan" }, headers: { origin: "http://shop.test" }, template: "/v1/sites/{site}/callbacks" });
    assert.equal(cb.status, 201, JSON.stringify(cb.body));
    // Each look moves the test clock a second on: the object's due work runs then.
    await until(async () => {
      await call(w, "POST", `/v1/sites/${site}/_test/clock`, { body: { advance_ms: 1000 }, key: ADMIN_KEY, template: null });
      return v.sms.length === 1 && hooks.some((h) => h.headers["x-calltrack-event"] === "lead.created");
    }, "the SMS and the webhooks");
    assert.ok(v.sms[0].Body.includes(X), v.sms[0].Body);
    const keys = async () => (await admin("GET", "/deliveries", { template: "/v1/sites/{site}/deliveries" })).body.deliveries.map((d) => `${d.kind}:${d.idempotency_key}`);
    const before = await keys();
    // Erased by any written form of the number.
    const r = await admin("DELETE", `/callers/${encodeURIComponent("8 916 555-12-34")}`, { template: "/v1/sites/{site}/callers/{number}" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // The calls: the missed one and the call-back's own.
    assert.deepEqual({ ...r.body.touched, outbox: r.body.touched.outbox > 0 }, { calls: 2, leads: 1, callbacks: 1, outbox: true });
    const after = await keys();
    const gone = before.filter((k) => !after.includes(k));
    assert.equal(gone.length, r.body.touched.outbox);
    for (const k of ["webhook:call.created:gone-1", "webhook:lead.created:form-x"]) assert.ok(gone.includes(k), `${k} erased (${gone})`);
    assert.ok(gone.some((k) => k.startsWith("sms:")), `the SMS alert with the number erased (${gone})`);
    assert.ok(after.includes("webhook:lead.created:form-a"), "someone else's event stays");
    // Nothing of theirs is shown, even in full.
    assert.equal((await admin("GET", "/calls/gone-1?full_caller=1", { template: "/v1/sites/{site}/calls/{id}" })).body.caller, null);
    // (The number in any written form; random ids may hold "555" by chance.)
    const leaked = (x) => /555\D{0,2}12\D{0,2}34/.test(JSON.stringify(x)) || JSON.stringify(x).includes("Ivan");
    const leads = (await admin("GET", "/leads?full_caller=1", { template: "/v1/sites/{site}/leads" })).body.leads;
    assert.ok(!leaked(leads), JSON.stringify(leads));
    const cbs = (await admin("GET", "/callbacks?full_caller=1", { template: "/v1/sites/{site}/callbacks" })).body.callbacks;
    assert.ok(!leaked(cbs), JSON.stringify(cbs));
    // The receivers are told, signed, so that they erase too.
    const told = await until(() => hooks.find((h) => h.headers["x-calltrack-event"] === "caller.erased"), "caller.erased");
    const [t, v1] = told.headers["x-calltrack-signature"].match(/^t=(\d+),v1=([0-9a-f]+)$/).slice(1);
    assert.equal(createHmac("sha256", SECRET).update(`${t}.${told.body}`).digest("hex"), v1);
    assert.deepEqual(JSON.parse(told.body).data, { number: X });
    // A contact known by e-mail only.
    const e = await admin("DELETE", `/callers/${encodeURIComponent("anna@example.com")}`, { template: "/v1/sites/{site}/callers/{number}" });
    assert.equal(e.status, 200);
    assert.equal(e.body.touched.leads, 1);
    assert.ok(!(await keys()).includes("webhook:lead.created:form-a"));
    const all = (await admin("GET", "/leads?full_caller=1", { template: "/v1/sites/{site}/leads" })).body.leads;
    assert.ok(!JSON.stringify(all).toLowerCase().includes("anna"), JSON.stringify(all));
    assert.equal((await admin("DELETE", "/callers/not-a-number", { template: "/v1/sites/{site}/callers/{number}" })).status, 422);
  } finally {
    await w.stop();
    await v.close();
    await new Promise((r) => hook.close(r));
  }
});
