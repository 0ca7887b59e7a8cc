// The tag a security review accepts: the versioned script served by the
// worker (cross-origin to the page, long-cached, immutable) with its
// Subresource Integrity hash, and the wasm it loads checked against the hash
// the script carries. A changed script or wasm is refused; the page keeps its
// original number and stays usable.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ADMIN_KEY, createSite, siteSpec } from "./support/api.mjs";
import { launch } from "./support/browser.mjs";
import { startWorker } from "./support/workerd.mjs";

const root = new URL("..", import.meta.url).pathname;
const versions = join(root, "edge-worker", "public", "v");
const newest = () => {
  // The version the current build wrote: its swap.js is byte-identical to dist/swap.js.
  const built = readFileSync(join(root, "dist", "swap.js"));
  return readdirSync(versions).find((v) => readFileSync(join(versions, v, "swap.js")).equals(built));
};
const sri = (bytes) => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;

let worker, browser, site;

before(async () => {
  worker = await startWorker({ vars: { ADMIN_KEY } });
  browser = await launch();
  // The site's page on another origin than the worker.
  site = createServer((req, res) => {
    const tag = decodeURIComponent(new URL(req.url, "http://x").searchParams.get("tag") ?? "");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><meta charset="utf-8"><title>t</title><p id="t">Звоните: 8 (495) 123-45-67</p>${tag}`);
  });
  await new Promise((r) => site.listen(0, "127.0.0.1", r));
  site.url = `http://127.0.0.1:${site.address().port}`;
  await createSite(worker, "sri", siteSpec({ pool: 3, origins: [site.url] }));
});
after(async () => {
  await browser?.close();
  await worker?.stop();
  await new Promise((r) => site?.close(r));
});

function tag(version, integrity) {
  return `<script async src="${worker.url}/v/${version}/swap.js" integrity="${integrity}" crossorigin="anonymous" data-site="sri" data-endpoint="${worker.url}" data-region="RU"></script>`;
}

async function visit(tagHtml, { tamperWasm = false } = {}) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const events = [];
  await p.exposeFunction("__event", (e) => events.push(e));
  await p.addInitScript(() => {
    document.addEventListener("dni:fallback", (e) => window.__event("fallback:" + e.detail.reason));
    document.addEventListener("dni:swapped", () => window.__event("swapped"));
  });
  if (tamperWasm) {
    await p.route("**/swap_wasm_bg.wasm", async (route) => {
      const r = await route.fetch();
      const body = Buffer.from(await r.body());
      body[body.length - 1] ^= 1; // one bit of a custom section's tail: still a valid module
      await route.fulfill({ response: r, body });
    });
  }
  await p.goto(`${site.url}/?tag=${encodeURIComponent(tagHtml)}`);
  return { ctx, p, events };
}

test("the versioned tag with its integrity hash swaps the number; its files are immutable", async () => {
  const version = newest();
  assert.ok(version, "the build wrote a versioned package");
  const script = readFileSync(join(versions, version, "swap.js"));
  const { ctx, p, events } = await visit(tag(version, sri(script)));
  await p.waitForFunction(() => document.getElementById("t").textContent.includes("499"), null, { timeout: 15_000 });
  assert.match(await p.locator("#t").textContent(), /^Звоните: 8 \(499\) 100-00-0\d$/);
  assert.ok(events.includes("swapped"), JSON.stringify(events));
  await ctx.close();
  for (const f of ["swap.js", "swap_wasm_bg.wasm"]) {
    const r = await fetch(`${worker.url}/v/${version}/${f}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("cache-control"), /max-age=31536000.*immutable/);
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    // Compressed on the wire for a client that takes gzip (fetch sends that and
    // decodes it): the same bytes the build wrote, so the hashes still hold.
    assert.equal(r.headers.get("content-encoding"), "gzip", f);
    assert.match(r.headers.get("vary") ?? "", /accept-encoding/i);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), readFileSync(join(versions, version, f)), f);
    const plain = await fetch(`${worker.url}/v/${version}/${f}`, { headers: { "accept-encoding": "identity" } });
    assert.equal(plain.headers.get("content-encoding"), null, `${f} without gzip for a client that does not take it`);
    assert.deepEqual(Buffer.from(await plain.arrayBuffer()), readFileSync(join(versions, version, f)), f);
  }
  const alias = await fetch(`${worker.url}/swap.js`);
  assert.match(alias.headers.get("cache-control"), /max-age=300/, "the unversioned path is a short-lived alias");
  assert.deepEqual(Buffer.from(await alias.arrayBuffer()), script);
});

test("a script that does not match its integrity hash is not run", async () => {
  const version = newest();
  const wrong = sri(Buffer.from("something else"));
  const { ctx, p } = await visit(tag(version, wrong));
  // Give the page every chance: the script would define window.dni at once.
  await p.waitForLoadState("networkidle");
  assert.equal(await p.evaluate(() => typeof window.dni), "undefined");
  assert.equal(await p.locator("#t").textContent(), "Звоните: 8 (495) 123-45-67");
  await ctx.close();
});

test("a wasm that does not match the hash the script carries is refused: the original stays", async () => {
  const version = newest();
  const script = readFileSync(join(versions, version, "swap.js"));
  const { ctx, p, events } = await visit(tag(version, sri(script)), { tamperWasm: true });
  await p.waitForFunction(() => window.dni !== undefined);
  await p.evaluate(() => window.dni.ready);
  assert.ok(events.some((e) => e.startsWith("fallback:")), JSON.stringify(events));
  assert.equal(await p.locator("#t").textContent(), "Звоните: 8 (495) 123-45-67");
  assert.equal(await p.evaluate(() => getComputedStyle(document.body).opacity), "1", "the page is shown, not left hidden");
  await ctx.close();
});
