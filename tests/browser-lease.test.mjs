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

test("the visit carries the analytics' ids the page has: GA4's client id and Metrica's ClientID", async () => {
  await createSite(worker, "e2e-ids", siteSpec({ pool: 1, origins: [server.url] }));
  const ctx = await browser.newContext();
  await ctx.addCookies([
    { name: "_ga", value: "GA1.1.1234567890.1700000000", url: server.url },
    { name: "_ym_uid", value: "1764590000123456789", url: server.url },
  ]);
  const { page: p, problems } = await strictPage(ctx);
  const asked = p.waitForRequest((r) => r.url().endsWith("/sessions") && r.method() === "POST");
  await p.goto(page("&site=e2e-ids&utm_source=yandex&utm_medium=cpc&yclid=5551234567"));
  const body = (await asked).postDataJSON();
  assert.equal(body.ga_client_id, "1234567890.1700000000");
  assert.equal(body.ym_client_id, "1764590000123456789");
  await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
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
  // The client says what it shows (dni:assigned) once it has decided: the state waited for.
  await ctx.addInitScript(() => document.addEventListener("dni:assigned", (e) => (window.__assigned = e.detail)));
  const { page: p } = await strictPage(ctx);
  await p.goto(page("&consent=1"));
  await p.waitForFunction(() => window.__assigned);
  assert.equal(await p.evaluate(() => window.__assigned.sessionId), null, "no session before consent");
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
  await ctx.addInitScript(() => document.addEventListener("dni:assigned", (e) => (window.__assigned = e.detail)));
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
  await p.waitForFunction(() => window.__assigned);
  assert.deepEqual(await p.evaluate(() => window.__assigned.numbers.map((n) => n.kind)), ["original"]);
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

test("the visit's trail: the load, a single-page app's route changes and the site's events, up to the call", async () => {
  await createSite(worker, "e2e-trail", siteSpec({ pool: 2, origins: [server.url], trail_max: 5 }));
  const ctx = await browser.newContext();
  const { page: p, problems } = await strictPage(ctx);
  const sessions = [];
  p.on("request", (r) => r.url().includes("/trail") && sessions.push(r.postDataJSON()));
  await p.goto(page("&site=e2e-trail&utm_source=google&utm_medium=cpc"));
  await p.waitForFunction(() => document.getElementById("text").textContent.includes("499"));
  const tracking = await p.evaluate(() => Object.values(window.dni.numbers())[0]);
  // Route changes (query-only changes are no new page), then an event; sent
  // a moment later in one request: wait for its answer, not for a time.
  const sent = p.waitForResponse((r) => r.url().includes("/trail"));
  await p.evaluate(() => {
    history.pushState({}, "", "/prices?email=ivan@example.com");
    history.replaceState({}, "", "/prices?tab=2");
    history.pushState({}, "", "/doctors/ivanov");
    window.dni.event("price list opened");
  });
  assert.equal((await sent).status(), 204);
  assert.deepEqual(sessions.at(-1).steps, [
    { kind: "page", name: "/prices" },
    { kind: "page", name: "/doctors/ivanov" },
    { kind: "event", name: "price list opened" },
  ]);
  const c = await call(worker, "POST", "/v1/sites/e2e-trail/calls", { body: { call_id: "trail-1", tracking_number: tracking, status: "answered", duration_secs: 40 }, key: ADMIN_KEY, template: "/v1/sites/{site}/calls" });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.deepEqual(c.body.trail.map((s) => [s.kind, s.name]), [
    ["page", "/lease.html"],
    ["page", "/prices"],
    ["page", "/doctors/ivanov"],
    ["event", "price list opened"],
  ]);
  assert.ok(c.body.trail.every((s, i, a) => i === 0 || s.at >= a[i - 1].at), "in order");
  // After the call: not in the call's trail; the session keeps its newest 5.
  const later = p.waitForResponse((r) => r.url().includes("/trail"));
  await p.evaluate(() => window.dni.event("calculator used"));
  assert.equal((await later).status(), 204);
  const again = await call(worker, "GET", "/v1/sites/e2e-trail/calls/trail-1", { key: ADMIN_KEY, template: "/v1/sites/{site}/calls/{id}" });
  assert.equal(again.body.trail.length, 4);
  // Personal data is refused by the edge, and nothing of it is kept.
  const sid = await p.evaluate(() => window.dni.sessionId());
  const bad = await call(worker, "POST", `/v1/sites/e2e-trail/sessions/${sid}/trail`, { body: { steps: [{ kind: "event", name: "ivan@example.com" }] }, headers: { origin: server.url }, template: "/v1/sites/{site}/sessions/{id}/trail" });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.fields[0].path, "steps[0].name");
  // The CSV carries the trail.
  const csv = await (await fetch(`${worker.url}/v1/sites/e2e-trail/calls?format=csv`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  assert.match(csv, /\/lease\.html > \/prices > \/doctors\/ivanov > event: price list opened/);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("swapNumbers reads national forms with the line it fetches from `endpoint`; without one it counts them unread and says so once", async () => {
  const ctx = await browser.newContext();
  const { page: p, problems } = await strictPage(ctx);
  const warnings = [];
  p.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  const lines = [];
  p.on("request", (r) => r.url().includes("/v1/numbering/") && lines.push(r.url()));
  const run = (endpoint) => p.evaluate(async (endpoint) => {
    document.body.innerHTML = '<p id="nat">Réservez au 01 23 45 67 89</p><p id="intl">De l\'étranger : +33 1 23 45 67 89</p>';
    const { swapNumbers } = await import("/dist/index.js");
    const out = [];
    // Twice: the line is fetched once, the warning said once.
    for (let i = 0; i < 2; i++) {
      const h = await swapNumbers({ numbers: { "+33123456789": "+33198765432" }, region: "FR", ...(endpoint ? { endpoint } : {}) });
      await h.done;
      out.push({ texts: ["nat", "intl"].map((id) => document.getElementById(id).textContent), stats: h.stats(), coverage: h.coverage() });
      h.destroy();
    }
    return out;
  }, endpoint);
  await p.goto(`${server.url}/swap.html`);
  const without = await run(null);
  for (const r of without) {
    assert.deepEqual(r.texts, ["Réservez au 01 23 45 67 89", "De l'étranger : +33 1 98 76 54 32"]);
    assert.deepEqual(r.stats, { found: 2, swapped: 1 });
    assert.deepEqual(r.coverage, { found: 2, swapped: 1, unswapped: { unread: 1 } });
  }
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /national numbers of FR are not read.*endpoint/);
  // A fresh page: the line comes from the edge's GET /v1/numbering/FR, once.
  await p.goto(`${server.url}/swap.html`);
  warnings.length = 0;
  const withLine = await run(worker.url);
  for (const r of withLine) {
    assert.deepEqual(r.texts, ["Réservez au 01 98 76 54 32", "De l'étranger : +33 1 98 76 54 32"]);
    assert.deepEqual(r.coverage, { found: 2, swapped: 2, unswapped: {} });
  }
  assert.deepEqual(lines, [`${worker.url}/v1/numbering/FR`]);
  assert.deepEqual(warnings, []);
  assert.deepEqual(problems, []);
  await ctx.close();
});
