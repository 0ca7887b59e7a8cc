// The edge worker on a real workerd: it starts, answers /healthz, and
// answers unknown routes with 404.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startWorker } from "./support/workerd.mjs";

let worker;
before(async () => {
  worker = await startWorker();
});
after(async () => {
  await worker?.stop();
});

test("GET /healthz answers JSON from workerd", async () => {
  const r = await fetch(`${worker.url}/healthz`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /application\/json/);
  const body = await r.json();
  assert.equal(body.status, "ok");
  assert.match(body.version, /^\d+\.\d+\.\d+$/);
});

test("an unknown route is 404", async () => {
  const r = await fetch(`${worker.url}/no-such-route`);
  assert.equal(r.status, 404);
});
