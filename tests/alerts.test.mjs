// Health alerts on a real workerd: the pool runs out, the overview says so,
// and the alarm sends alert.raised to the site's webhook.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec, sleep } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

const SECRET = "alerts-webhook-secret-0123";
let w, server, got;
before(async () => {
  got = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(200).end("{}");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  w = await startWorker({ vars: { ADMIN_KEY } });
});
after(async () => {
  await w?.stop();
  await new Promise((r) => server.close(r));
});

test("a pool that ran out: the overview shows it and alert.raised goes out", async () => {
  await createSite(w, "alerting", siteSpec({
    pool: 1,
    fixation_secs: 2,
    heartbeat_secs: 1,
    cooldown_secs: 0,
    integrations: { webhooks: [{ url: `http://127.0.0.1:${server.address().port}/hook`, secret: SECRET, events: ["alert.raised"] }] },
  }));
  assert.equal((await newSession(w, "alerting")).body.numbers[0].kind, "dynamic");
  assert.equal((await newSession(w, "alerting")).body.numbers[0].kind, "fallback");
  const o = await call(w, "GET", "/v1/sites/alerting/overview", { key: ADMIN_KEY, template: "/v1/sites/{site}/overview" });
  assert.equal(o.status, 200);
  assert.deepEqual(o.body.alerts.map((a) => a.kind), ["pool_exhausted"]);
  assert.match(o.body.alerts[0].message, /1 of 2 number requests/);
  assert.equal(o.body.pools[0].leased, 1);
  // The alarm (at the lease's end, 2 s) checks the alerts and sends the webhook.
  const end = Date.now() + 15_000;
  while (!got.length && Date.now() < end) await sleep(200);
  assert.equal(got.length, 1, "sent once");
  const [t, v1] = got[0].headers["x-calltrack-signature"].split(",").map((p) => p.split("=")[1]);
  assert.equal(v1, createHmac("sha256", SECRET).update(`${t}.${got[0].body}`).digest("hex"));
  const body = JSON.parse(got[0].body);
  assert.equal(body.event, "alert.raised");
  assert.equal(body.data.kind, "pool_exhausted");
});
