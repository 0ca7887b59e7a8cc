// Cloudflare Turnstile when a pool runs low, on a real workerd and in a
// real Chromium, against a stand-in that answers as Cloudflare documents
// (tests/support/turnstile.mjs): a new visitor proves it is a browser before
// it is leased a number; without a valid token it sees the fallback and
// takes nothing; the page script does it all by itself.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec } from "./support/api.mjs";
import { launch, strictPage } from "./support/browser.mjs";
import { DUMMY_TOKEN, FAIL_SECRET, PASS_SECRET, PASS_SITE_KEY, startTurnstile } from "./support/turnstile.mjs";
import { startWorker } from "./support/workerd.mjs";

let w, ts;
before(async () => {
  ts = await startTurnstile();
  w = await startWorker({ vars: { ADMIN_KEY } });
});
after(async () => {
  await w?.stop();
  await ts?.close();
});

const LOOSE = { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 1000 };
const spec = (secret, { below = 50, ...extra } = {}) =>
  siteSpec({
    pool: 4,
    limits: LOOSE,
    integrations: { turnstile: { site_key: PASS_SITE_KEY, secret_key: secret, when_free_below_percent: below, verify_url: ts.verify, script_url: ts.script } },
    ...extra,
  });
const ip = (n) => ({ "x-real-ip": `198.51.100.${n}` });

test("below the threshold a new visitor is asked for proof, takes nothing without it, and is leased with it", async () => {
  await createSite(w, "low", spec(PASS_SECRET));
  // Four numbers: two leased leave half free (not below 50%), the third is leased too.
  for (const n of [1, 2, 3]) assert.equal((await newSession(w, "low", {}, ip(n))).body.numbers[0].kind, "dynamic");
  // One free of four: a new visitor is asked, and shown the fallback meanwhile.
  const asked = await newSession(w, "low", {}, ip(4));
  assert.equal(asked.status, 200);
  assert.deepEqual(asked.body.challenge, { turnstile: { site_key: PASS_SITE_KEY, script: ts.script } });
  assert.equal(asked.body.numbers[0].kind, "fallback");
  const pools = async () => (await call(w, "GET", "/v1/sites/low/pools", { key: ADMIN_KEY })).body.pools[0];
  assert.equal((await pools()).leased, 3, "nothing taken");
  // With a valid token: leased; siteverify got the secret, the token and the visitor's address.
  const proved = await newSession(w, "low", { session_id: asked.body.session_id, turnstile_token: DUMMY_TOKEN }, ip(4));
  assert.equal(proved.status, 201, JSON.stringify(proved.body));
  assert.equal(proved.body.numbers[0].kind, "dynamic");
  assert.equal(proved.body.challenge, undefined);
  assert.deepEqual(ts.checks.at(-1), { secret: PASS_SECRET, response: DUMMY_TOKEN, remoteip: "198.51.100.4" });
  // The same token again (a replay): refused with Cloudflare's words, nothing taken.
  const replay = await newSession(w, "low", { turnstile_token: DUMMY_TOKEN }, ip(4));
  assert.equal(replay.body.challenge.turnstile.refused, "timeout-or-duplicate");
  assert.equal((await pools()).leased, 4);
  // A holder's own resume needs nothing; a trusted server is not asked.
  assert.equal((await newSession(w, "low", { session_id: proved.body.session_id }, ip(4))).body.challenge, undefined);
  const server = await newSession(w, "low", { client_ip: "203.0.113.9" }, { authorization: `Bearer ${ADMIN_KEY}` });
  assert.equal(server.body.challenge, undefined);
});

test("a token siteverify refuses leases nothing; the config keeps the secret write-only", async () => {
  await createSite(w, "strict", spec(FAIL_SECRET, { pool: 2, below: 60 }));
  assert.equal((await newSession(w, "strict", {}, ip(19))).body.numbers[0].kind, "dynamic");
  const r = await newSession(w, "strict", { turnstile_token: DUMMY_TOKEN }, ip(20));
  assert.equal(r.body.challenge.turnstile.refused, "invalid-input-response");
  assert.equal(r.body.numbers[0].kind, "fallback");
  const got = await call(w, "GET", "/v1/sites/strict", { key: ADMIN_KEY, template: "/v1/sites/{site}" });
  assert.equal(got.body.integrations.turnstile.secret_key, "(hidden)");
  const bad = await call(w, "PUT", "/v1/sites/strict", {
    key: ADMIN_KEY,
    body: siteSpec({ integrations: { turnstile: { site_key: "", secret_key: "x", when_free_below_percent: 0 } } }),
    template: "/v1/sites/{site}",
  });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.error.fields.map((f) => f.path).sort(), ["integrations.turnstile.site_key", "integrations.turnstile.when_free_below_percent"]);
});

test("the page script proves itself with Turnstile's widget and shows a leased number", async () => {
  const demo = spec(PASS_SECRET, { pool: 2, below: 60 });
  demo.origins = [w.url];
  await createSite(w, "demo", demo);
  // One of two numbers held: the page's visit is asked for proof.
  assert.equal((await newSession(w, "demo", {}, ip(30))).body.numbers[0].kind, "dynamic");
  const browser = await launch();
  try {
    const ctx = await browser.newContext();
    await ctx.addInitScript(() => document.addEventListener("dni:assigned", (e) => (window.__assigned ??= []).push(e.detail)));
    const { page, problems } = await strictPage(ctx);
    await page.goto(`${w.url}/demo/`);
    await page.waitForFunction(() => window.__assigned?.some((a) => a.numbers[0].kind === "dynamic"));
    const kinds = await page.evaluate(() => window.__assigned.map((a) => a.numbers[0].kind));
    assert.deepEqual(kinds, ["fallback", "dynamic"], "the fallback while asked, then the leased number");
    assert.match(await page.locator("#header-phone").textContent(), /^\+7 \(499\) 100-00-0[01]$/);
    assert.ok(ts.checks.some((c) => c.response === DUMMY_TOKEN && c.secret === PASS_SECRET));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
