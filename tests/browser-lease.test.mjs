// The script tag against the real worker on workerd, in a real Chromium:
// a visitor gets a leased number in the original's format, keeps it on
// reload, another visitor gets another; an exhausted pool shows the
// fallback; a stopped worker leaves the original.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ADMIN_KEY, createSite, siteSpec } from "./support/api.mjs";
import { launch, serve, strictPage } from "./support/browser.mjs";
import { startWorker } from "./support/workerd.mjs";

const root = new URL("..", import.meta.url).pathname;
let server, browser, worker;

before(async () => {
  server = await serve({ "/dist/": join(root, "dist"), "/": join(root, "tests", "fixtures") });
  browser = await launch();
  worker = await startWorker({ vars: { ADMIN_KEY } });
  await createSite(worker, "e2e", siteSpec({ pool: 2, origins: [server.url], ignore_selectors: [".reviews"] }));
});
after(async () => {
  await browser?.close();
  await worker?.stop();
  await server?.close();
});

const page = (q = "") => `${server.url}/lease.html?endpoint=${encodeURIComponent(worker.url)}${q}`;
const shown = (p) => p.locator("#text").evaluate((e) => e.textContent);

test("a visitor sees a leased number in the original format, and keeps it on reload", async () => {
  const ctx = await browser.newContext();
  const { page: p, problems } = await strictPage(ctx);
  await p.goto(page("&utm_source=google&utm_medium=cpc&utm_term=implants"));
  await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
  const text = await shown(p);
  assert.match(text, /^Запись по телефону 8 \(499\) 100-00-0[01]$/);
  const href = await p.locator("#call").getAttribute("href");
  assert.match(href, /^tel:\+7499100000[01]$/);
  assert.equal(await p.locator("#ignored").textContent(), "8 (495) 123-45-67");
  assert.equal(await p.locator("#review").textContent(), "Отзыв: 8 (495) 123-45-67", "the site's ignore_selectors hold");
  const sid = await p.evaluate(() => window.dni.sessionId());
  assert.match(sid, /^[0-9a-f]{32}$/);
  await p.reload();
  await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
  assert.equal(await shown(p), text);
  assert.equal(await p.evaluate(() => window.dni.sessionId()), sid);
  mkdirSync(join(root, "test-results"), { recursive: true });
  await p.screenshot({ path: join(root, "test-results", "lease-page.png") });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("two visitors get two numbers; a third sees the fallback", async () => {
  await createSite(worker, "e2e-2", siteSpec({ pool: 2, origins: [server.url] }));
  const texts = [];
  const contexts = [];
  for (let i = 0; i < 3; i++) {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    const { page: p } = await strictPage(ctx);
    await p.goto(page("&site=e2e-2"));
    await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
    texts.push(await shown(p));
  }
  assert.notEqual(texts[0], texts[1]);
  assert.equal(texts[2], "Запись по телефону 8 (499) 000-99-99", "the fallback, in the original's format");
  for (const c of contexts) await c.close();
});

test("consent required: the original until consent, then a lease", async () => {
  const ctx = await browser.newContext();
  const { page: p } = await strictPage(ctx);
  await p.goto(page("&consent=1"));
  await p.waitForTimeout(500);
  assert.equal(await shown(p), "Запись по телефону 8 (495) 123-45-67");
  assert.equal(await p.evaluate(() => localStorage.getItem("dni.sid")), null, "nothing stored before consent");
  await p.evaluate(() => window.dni.consent(true));
  await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
  await ctx.close();
});

test("the worker down: the original stays and the page shows", async () => {
  const ctx = await browser.newContext();
  const { page: p } = await strictPage(ctx);
  await p.goto(`${server.url}/lease.html?endpoint=${encodeURIComponent("http://127.0.0.1:9")}`);
  await p.waitForFunction(() => !document.documentElement.classList.contains("dni-wait"));
  assert.equal(await shown(p), "Запись по телефону 8 (495) 123-45-67");
  assert.equal(await p.evaluate(() => getComputedStyle(document.body).opacity), "1");
  await ctx.close();
});
