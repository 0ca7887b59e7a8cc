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
        .filter((d) => d.state === "pending")
        .map((d) => d.idempotency_key)
        .sort();
    assert.deepEqual(await pending(), ["call.created:long", "call.created:short"]);
    const r = await call(w, "DELETE", `/v1/sites/${site}/callers/${encodeURIComponent("+1212555019")}`, { key: ADMIN_KEY });
    assert.equal(r.status, 200);
    assert.equal(r.body.calls, 1);
    assert.deepEqual(await pending(), ["call.created:long"], "the longer number's event stays");
    const long = await call(w, "GET", `/v1/sites/${site}/calls/long?full_caller=1`, { key: ADMIN_KEY });
    assert.equal(long.body.caller, "+12125550199");
    const short = await call(w, "GET", `/v1/sites/${site}/calls/short?full_caller=1`, { key: ADMIN_KEY });
    assert.equal(short.body.caller, null);
  } finally {
    await w.stop();
  }
});
