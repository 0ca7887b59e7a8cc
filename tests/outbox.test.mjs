// The outbox outlasts an outage, on a real workerd, with the test build's
// clock moved on hour by hour (never waited for): a receiver down for 71
// hours still gets its event; one down for longer leaves it failed, kept,
// and replayed on request with the same idempotency key.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, createSite, siteSpec, until } from "./support/api.mjs";
import { launch, strictPage } from "./support/browser.mjs";
import { startWorker } from "./support/workerd.mjs";

const HOUR = 3_600_000;
let w, receiver;

/** A receiver that answers 503 while `down`, else 200; records each request. */
async function startReceiver() {
  const got = [];
  const r = { got, down: true };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      got.push({ path: req.url, headers: req.headers, body });
      if (r.down) return res.writeHead(503, { "retry-after": "60" }).end("down for maintenance");
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  r.url = `http://127.0.0.1:${server.address().port}`;
  r.close = () => new Promise((ok) => server.close(ok));
  return r;
}

before(async () => {
  receiver = await startReceiver();
  w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
});
after(async () => {
  await w?.stop();
  await receiver?.close();
});

const admin = (site, path, opts = {}) => call(w, opts.method ?? "GET", `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });
const advance = (site, ms) => admin(site, "/_test/clock", { method: "POST", body: { advance_ms: ms }, template: null });

/** The site's one delivery to the receiver at `path`. */
async function delivery(site, path) {
  const r = await admin(site, "/deliveries", { template: "/v1/sites/{site}/deliveries" });
  return r.body.deliveries.find((d) => d.url.endsWith(path));
}

/** Posts a lead (its lead.created webhook goes to `path`) and waits for the first failed try. */
async function leadTo(site, path) {
  await createSite(w, site, siteSpec({ integrations: { webhooks: [{ url: `${receiver.url}${path}`, secret: "s".repeat(24), events: ["lead.created"] }] } }));
  const lead = await call(w, "POST", `/v1/sites/${site}/leads`, { body: { phone: "+79161112233", lead_id: `form-${site}` }, template: "/v1/sites/{site}/leads" });
  assert.equal(lead.status, 201, JSON.stringify(lead.body));
  return until(async () => {
    const d = await delivery(site, path);
    return d?.attempts >= 1 && d;
  }, "the first try");
}

/** Moves the clock on an hour at a time, each time waiting for the try that fell due, until `done(delivery)`. */
async function hours(site, path, n, done = () => false) {
  let d;
  for (let i = 0; i < n; i++) {
    const before = (await delivery(site, path)).attempts;
    await advance(site, HOUR);
    d = await until(async () => {
      const x = await delivery(site, path);
      return (x.attempts > before || x.state !== "pending") && x;
    }, `a try after hour ${i + 1}`);
    if (done(d)) return d;
  }
  return d;
}

test("a receiver down for 71 hours still gets its event, once it answers", async () => {
  receiver.down = true;
  const first = await leadTo("weekend", "/weekend");
  assert.equal(first.state, "pending");
  assert.match(first.last_error, /503/);
  const d = await hours("weekend", "/weekend", 71);
  assert.equal(d.state, "pending", "still tried after 71 hours");
  receiver.down = false;
  await hours("weekend", "/weekend", 2, (x) => x.state === "delivered");
  const done = await delivery("weekend", "/weekend");
  assert.equal(done.state, "delivered");
  const tries = receiver.got.filter((g) => g.path === "/weekend");
  assert.ok(tries.length < 100, `${tries.length} tries: an hour apart at most, not a flood`);
  assert.equal(new Set(tries.map((t) => t.headers["idempotency-key"])).size, 1, "one idempotency key for every try");
});

test("past 72 hours the delivery is kept as failed, then replayed on request", async () => {
  receiver.down = true;
  await leadTo("outage", "/outage");
  const failed = await hours("outage", "/outage", 80, (x) => x.state === "failed");
  assert.equal(failed.state, "failed");
  assert.match(failed.last_error, /503/);
  // Failed: no more tries by itself.
  const count = receiver.got.filter((g) => g.path === "/outage").length;
  await advance("outage", 5 * HOUR);
  assert.equal((await delivery("outage", "/outage")).state, "failed");
  assert.equal(receiver.got.filter((g) => g.path === "/outage").length, count);
  // Replayed, once the receiver is back.
  receiver.down = false;
  const retry = await admin("outage", `/deliveries/${failed.id}/retry`, { method: "POST", template: "/v1/sites/{site}/deliveries/{id}/retry" });
  assert.equal(retry.status, 202, JSON.stringify(retry.body));
  assert.equal(retry.body.state, "pending");
  const back = await until(async () => {
    const d = await delivery("outage", "/outage");
    return d.state === "delivered" && d;
  }, "delivered after the replay");
  assert.equal(back.attempts, 1);
  const keys = new Set(receiver.got.filter((g) => g.path === "/outage").map((t) => t.headers["idempotency-key"]));
  assert.equal(keys.size, 1);
  // A delivered one is not replayed; an unknown one is not found; only an admin may.
  const again = await admin("outage", `/deliveries/${failed.id}/retry`, { method: "POST", template: "/v1/sites/{site}/deliveries/{id}/retry" });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, "conflict");
  const none = await admin("outage", "/deliveries/999999/retry", { method: "POST", template: "/v1/sites/{site}/deliveries/{id}/retry" });
  assert.equal(none.status, 404);
  const anon = await call(w, "POST", `/v1/sites/outage/deliveries/${failed.id}/retry`, { template: "/v1/sites/{site}/deliveries/{id}/retry" });
  assert.equal(anon.status, 401);
});

test("the dashboard lists what failed and tries it again on a click", async () => {
  receiver.down = true;
  await leadTo("board", "/board");
  await hours("board", "/board", 80, (x) => x.state === "failed");
  receiver.down = false;
  const browser = await launch();
  try {
    const { page, problems } = await strictPage(await browser.newContext());
    await page.goto(`${w.url}/dashboard/`);
    await page.fill("#site", "board");
    await page.fill("#key", ADMIN_KEY);
    await page.click("#sign-in button");
    await page.waitForFunction(() => document.body.dataset.loaded);
    const row = page.locator("#deliveries tbody tr", { hasText: "lead.created" });
    assert.match(await row.textContent(), /failed/);
    assert.match(await row.textContent(), /503/);
    await row.locator("button.retry").click();
    await page.waitForFunction(() => !document.querySelector("#deliveries button.retry"));
    const d = await until(async () => {
      const x = await delivery("board", "/board");
      return x.state === "delivered" && x;
    }, "delivered after the click");
    assert.equal(d.attempts, 1);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test("no secret is queued: each is taken from the config when sent, and never to an address the config no longer names", async () => {
  receiver.down = true;
  const site = "moved";
  await leadTo(site, "/old");
  // The webhook moves (a new address, a new secret): the event queued for the old address is refused, never sent there again.
  const before = receiver.got.filter((g) => g.path === "/old").length;
  const moved = await admin(site, "", { method: "PUT", body: siteSpec({ integrations: { webhooks: [{ url: `${receiver.url}/new`, secret: "n".repeat(24), events: ["lead.created"] }] } }), template: "/v1/sites/{site}" });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  receiver.down = false;
  await advance(site, HOUR);
  const d = await until(async () => {
    const x = await delivery(site, "/old");
    return x.state !== "pending" && x;
  }, "the old address's event settled");
  assert.equal(d.state, "refused");
  assert.match(d.last_error, /no longer sends webhook to this address/);
  assert.equal(receiver.got.filter((g) => g.path === "/old").length, before, "not sent to the old address");
  // In storage: no queued row carries a secret.
  const t = await admin(site, "/_test/tables", { template: null });
  assert.equal(t.body.tables.outbox_with_secrets, 0);
});
