// The script tag against the real worker on workerd, in a real Chromium:
// a visitor gets a leased number in the original's format, keeps it on
// reload, another visitor gets another; an exhausted pool shows the
// fallback; a stopped worker leaves the original.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, createSite, siteSpec } from "./support/api.mjs";
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

test("the worker down: a visitor who was here before sees the channel's static number", async () => {
  await createSite(worker, "e2e-down", siteSpec({
    pool: 2,
    origins: [server.url],
    targets: [{ number: "8 (495) 123-45-67", pool: ["+74991000000", "+74991000001"], static_numbers: { email: "+74990007777" } }],
  }));
  const ctx = await browser.newContext();
  const { page: p } = await strictPage(ctx);
  const email = "&site=e2e-down&utm_source=newsletter&utm_medium=email";
  await p.goto(page(email));
  await p.waitForFunction(() => localStorage.getItem("dni.public.e2e-down"));
  // The edge is gone: the site's static numbers, kept from the last visit, still hold.
  await p.goto(`${server.url}/lease.html?endpoint=${encodeURIComponent("http://127.0.0.1:9")}${email}`);
  await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
  assert.equal(await shown(p), "Запись по телефону 8 (499) 000-77-77");
  await ctx.close();
});

test("without consent: the channel's static number, decided on the page, nothing stored", async () => {
  await createSite(worker, "e2e-static", siteSpec({
    pool: 2,
    origins: [server.url],
    targets: [{ number: "8 (495) 123-45-67", pool: ["+74991000000", "+74991000001"], static_numbers: { email: "+74990007777" } }],
  }));
  const ctx = await browser.newContext();
  const { page: p, problems } = await strictPage(ctx);
  const leases = [];
  p.on("request", (r) => r.url().includes("/sessions") && leases.push(r.url()));
  await p.goto(page("&site=e2e-static&consent=1&utm_source=newsletter&utm_medium=email"));
  await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
  assert.equal(await shown(p), "Запись по телефону 8 (499) 000-77-77");
  assert.equal(await p.locator("#call").getAttribute("href"), "tel:+74990007777");
  assert.equal(await p.evaluate(() => window.dni.sessionId()), null);
  assert.deepEqual(await p.evaluate(() => ({ ...localStorage })), {}, "nothing in localStorage");
  assert.equal(await p.evaluate(() => document.cookie), "", "no cookie");
  assert.deepEqual(leases, [], "no session asked for");
  // A direct visit has no static number: the original until consent, then a lease.
  await p.goto(page("&site=e2e-static&consent=1"));
  await p.waitForTimeout(300);
  assert.equal(await shown(p), "Запись по телефону 8 (495) 123-45-67");
  await p.evaluate(() => window.dni.consent(true));
  await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
  assert.match(await shown(p), /^Запись по телефону 8 \(499\) 100-00-0[01]$/);
  assert.match(await p.evaluate(() => window.dni.sessionId()), /^[0-9a-f]{32}$/);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("the coverage beacon: what was found, swapped and left (and why) reaches the edge", async () => {
  await createSite(worker, "e2e-cov", siteSpec({ pool: 2, origins: [server.url], ignore_selectors: [".reviews"] }));
  const ctx = await browser.newContext();
  const { page: p } = await strictPage(ctx);
  await p.goto(page("&site=e2e-cov"));
  await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
  // Leaving the page sends the release beacon with the page's coverage.
  await p.goto("about:blank");
  let pages = [];
  for (let i = 0; i < 50 && pages.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    pages = (await call(worker, "GET", "/v1/sites/e2e-cov/coverage", { key: ADMIN_KEY, template: "/v1/sites/{site}/coverage" })).body.pages;
  }
  assert.equal(pages.length, 1, "one page reported");
  const [c] = pages;
  assert.equal(c.page, `${new URL(server.url).host}/lease.html`);
  // Swapped: the link's href and text, the paragraph. Left: data-no-swap and
  // .reviews (ignored), the textarea (editable), the WhatsApp link's text (messenger).
  assert.deepEqual({ found: c.found, swapped: c.swapped, unswapped: c.unswapped }, {
    found: 7,
    swapped: 3,
    unswapped: { ignored: 2, editable: 1, messenger: 1 },
  });
  await ctx.close();
});

test("the ESM client: start(), ready(), numbers(), sessionId() and the typed events", async () => {
  await createSite(worker, "e2e-esm", siteSpec({ pool: 2, origins: [server.url] }));
  const ctx = await browser.newContext();
  const { page: p, problems } = await strictPage(ctx);
  await p.goto(`${server.url}/esm.html?site=e2e-esm&endpoint=${encodeURIComponent(worker.url)}`);
  await p.waitForFunction(() => window.result);
  const { result, events } = await p.evaluate(() => ({ result: window.result, events: window.events }));
  assert.match(result.text, /^Звоните: \+7 499 100 00 0[01]$/, "swapped by the time ready() settles");
  assert.match(result.sessionId, /^[0-9a-f]{32}$/);
  assert.deepEqual(Object.keys(result.numbers), ["+74951234567"]);
  assert.match(result.numbers["+74951234567"], /^\+7499100000[01]$/);
  const assigned = events.find((e) => e.name === "dni:assigned");
  assert.equal(assigned.detail.sessionId, result.sessionId);
  assert.equal(assigned.detail.numbers[0].kind, "dynamic");
  assert.equal(assigned.detail.channel.channel, "direct");
  assert.deepEqual(events.find((e) => e.name === "dni:swapped").detail, { found: 1, swapped: 1 });
  assert.equal(events.filter((e) => e.name === "dni:fallback").length, 0);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("leaving the page keeps the number for the fixation; a release_on_leave site releases it", async () => {
  const pools = async (site) => (await call(worker, "GET", `/v1/sites/${site}/pools`, { key: ADMIN_KEY })).body.pools[0];
  for (const [site, release] of [["e2e-keep", false], ["e2e-release", true]]) {
    await createSite(worker, site, siteSpec({ pool: 2, origins: [server.url], release_on_leave: release }));
    const ctx = await browser.newContext();
    const { page: p } = await strictPage(ctx);
    await p.goto(page(`&site=${site}`));
    await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
    await p.goto("about:blank");
    // The beacon carries the coverage either way: wait for it to land.
    for (let i = 0; i < 50; i++) {
      const cov = await call(worker, "GET", `/v1/sites/${site}/coverage`, { key: ADMIN_KEY });
      if (cov.body.pages.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await pools(site);
    if (release) {
      assert.deepEqual([after.leased, after.cooling], [0, 1], `${site}: released`);
    } else {
      assert.deepEqual([after.leased, after.cooling], [1, 0], `${site}: kept for the fixation`);
    }
    await ctx.close();
  }
});
