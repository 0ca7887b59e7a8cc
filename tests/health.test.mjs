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

// The static files, as workerd run directly serves them (edge-worker/serve/assets.js):
// the same paths, types and cache rules as wrangler's [assets].
test("static files: types, folders, the _headers rules, nothing hidden served", async () => {
  const get = (p, init) => fetch(`${worker.url}${p}`, { redirect: "manual", ...init });
  const demo = await get("/demo/");
  assert.equal(demo.status, 200);
  assert.match(demo.headers.get("content-type"), /^text\/html/);
  assert.match(await demo.text(), /<html/);
  const folder = await get("/demo");
  assert.equal(folder.status, 307);
  assert.equal(folder.headers.get("location"), "/demo/");
  const tag = await get("/swap.js");
  assert.match(tag.headers.get("content-type"), /^text\/javascript/);
  assert.equal(tag.headers.get("cache-control"), "public, max-age=300");
  assert.equal(tag.headers.get("access-control-allow-origin"), "*");
  const wasm = await get("/swap_wasm_bg.wasm");
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  const bytes = new Uint8Array(await wasm.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 4)], [0, 0x61, 0x73, 0x6d], "the wasm's magic number");
  for (const hidden of ["/_headers", "/demo/../_headers", "/.dev.vars", "/%2e%2e/wrangler.toml"]) {
    const r = await get(hidden);
    assert.equal(r.status, 404, hidden);
    await r.arrayBuffer();
  }
  const post = await get("/demo/", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal((await post.json()).error.code, "method_not_allowed");
});

// The config a self-hoster runs (README, "Self-hosting on workerd"), as the build wrote it.
test("the self-hosting config serves the API, the package and its cache rules", async () => {
  const w = await startWorker({ deployment: true, vars: { ADMIN_KEY: "self-hosting-admin-key-0123456789" } });
  try {
    assert.equal((await fetch(`${w.url}/healthz`)).status, 200);
    const put = await fetch(`${w.url}/v1/sites/own`, {
      method: "PUT",
      headers: { authorization: "Bearer self-hosting-admin-key-0123456789", "content-type": "application/json" },
      body: JSON.stringify({ origins: ["https://own.test"], region: "RU", targets: [{ number: "+74951234567", pool: ["+74990000001"] }] }),
    });
    assert.equal(put.status, 201, await put.text());
    const index = await (await fetch(`${w.url}/swap.js`)).text();
    assert.match(index, /swap|dni/i);
    const versions = await (await import("node:fs")).promises.readdir(new URL("../edge-worker/public/v/", import.meta.url));
    const v = await fetch(`${w.url}/v/${versions[0]}/swap.js`);
    assert.equal(v.status, 200);
    assert.equal(v.headers.get("cache-control"), "public, max-age=31536000, immutable");
  } finally {
    await w.stop();
  }
});

// wrangler dev, the development server, runs the same build.
test("under wrangler dev too: healthz and a lease", async () => {
  const ADMIN_KEY = "wrangler-dev-admin-key-0123456789";
  const w = await startWorker({ via: "wrangler", vars: { ADMIN_KEY } });
  try {
    assert.equal((await fetch(`${w.url}/healthz`)).status, 200);
    const put = await fetch(`${w.url}/v1/sites/dev`, {
      method: "PUT",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ origins: ["http://dev.test"], region: "RU", targets: [{ number: "+74951234567", pool: ["+74990000001"] }] }),
    });
    assert.equal(put.status, 201, await put.text());
    const r = await fetch(`${w.url}/v1/sites/dev/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: "0123456789abcdef0123456789abcdef", url: "http://dev.test/?gclid=x" }),
    });
    assert.equal(r.status, 201);
    assert.equal((await r.json()).numbers[0].number, "+74990000001");
  } finally {
    await w.stop();
  }
});
