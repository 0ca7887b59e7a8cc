// The insertion mode in Chromium: the demo pages through the Worker
// (INSERT_ROUTES, as npm start serves them at /through/), with JavaScript off
// and on. Without JavaScript the HTML itself shows the visit's tracking
// number, and a call to it is that visit's; with it, the tag takes the visit
// the edge started (its cookie, its session on <html>), does no first walk,
// and swaps what comes later.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, root } from "./support/api.mjs";
import { launch, strictPage } from "./support/browser.mjs";
import { freePort, startWorker } from "./support/workerd.mjs";

let worker, browser, url;
const ADS = "?utm_source=google&utm_medium=cpc&utm_campaign=implants&utm_term=dental+implants&gclid=through";

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  worker = await startWorker({ port, vars: { ADMIN_KEY, DEMO_SITES: "demo", INSERT_ROUTES: `127.0.0.1:${port}/through/ demo ${url}/demo/` } });
  browser = await launch();
  const spec = JSON.parse(readFileSync(join(root, "examples", "site.json"), "utf8"));
  spec.origins = [url];
  const r = await call(worker, "PUT", "/v1/sites/demo", { raw: JSON.stringify(spec), headers: { "content-type": "application/json" }, key: ADMIN_KEY });
  assert.equal(r.status, 201, JSON.stringify(r.body));
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

test("without JavaScript the page shows the visit's tracking number, and a call to it is that visit's", async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 900, height: 700 } });
  const page = await ctx.newPage();
  const r = await page.goto(`${url}/through/${ADS}`);
  assert.equal(r.status(), 200);
  // The original is never sent where a tracking number belongs.
  const html = await r.text();
  assert.ok(!html.includes(">+7 (495) 123-45-67</a>"), "the header's number was rewritten in the HTML");
  const shown = await page.locator("#header-phone").textContent();
  assert.match(shown, /^\+7 \(499\) 000-00-0[1-5]$/);
  assert.match(await page.locator("#header-phone").getAttribute("href"), /^tel:\+7499000000[1-5]$/);
  assert.match(await page.locator("#moscow").textContent(), /499/);
  // The demo panel's own copy of the original stays (data-no-swap).
  assert.match(await page.locator("#demo-panel code").first().textContent(), /^\+7 \(495\) 123-45-67$/);
  const sid = (await ctx.cookies()).find((c) => c.name === "calltrack_sid")?.value;
  assert.match(sid, /^[0-9a-f]{32}$/);
  // A call to the number the HTML showed: attributed to this visit, from Google Ads.
  const tracking = `+7${shown.replace(/\D/g, "").slice(1)}`;
  const c = await call(worker, "POST", "/v1/sites/demo/calls", {
    body: { call_id: "through-nojs", tracking_number: tracking, caller: "+79160001122" },
    key: ADMIN_KEY, template: "/v1/sites/{site}/calls",
  });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal(c.body.attribution.session_id, sid);
  assert.equal(c.body.attribution.channel.term, "dental implants");
  // The US branch's page: its tag says data-region="US", and its national forms are read so.
  await page.goto(`${url}/through/us.html${ADS}`);
  assert.match(await page.locator("#us-phone").textContent(), /^\(415\) 555-01\d\d$/);
  assert.notEqual(await page.locator("#us-phone").textContent(), "(415) 555-0100");
  assert.doesNotMatch(await page.locator("#us-text").textContent(), /555-0100|555\.0100/);
  await ctx.close();
});

test("with JavaScript the tag takes the edge's visit, walks nothing, and swaps what comes later", async () => {
  const ctx = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const { page, problems } = await strictPage(ctx);
  // The page walk goes through a TreeWalker over elements and text (collect.js): counted.
  // And whether the page was ever hidden (the anti-flicker class on <html>).
  await page.addInitScript(() => {
    window.__hidden = false;
    new MutationObserver(() => (window.__hidden ||= document.documentElement.classList.contains("dni-wait")))
      .observe(document, { subtree: true, attributes: true, attributeFilter: ["class"] });
    window.__walks = 0;
    const make = Document.prototype.createTreeWalker;
    Document.prototype.createTreeWalker = function (root, show, ...rest) {
      if (show === 5) window.__walks++;
      return make.call(this, root, show, ...rest);
    };
  });
  // The same page served straight: the tag walks it.
  await page.goto(`${url}/demo/${ADS}`);
  await page.waitForFunction(() => document.getElementById("moscow").textContent.includes("499"));
  assert.ok((await page.evaluate(() => window.__walks)) > 0, "the counter sees a walk");
  assert.equal(await page.evaluate(() => window.__hidden), true, "the straight page hides until its numbers show");
  await ctx.clearCookies();
  await page.evaluate(() => localStorage.clear());
  const r = await page.goto(`${url}/through/${ADS}`);
  const first = (await r.text()).match(/id="header-phone"[^>]*>([^<]+)</)[1];
  assert.match(first, /^\+7 \(499\) 000-00-0[1-5]$/, "the HTML carries the number");
  await page.waitForFunction(() => window.dni?.sessionId());
  const sid = (await ctx.cookies()).find((c) => c.name === "calltrack_sid")?.value;
  assert.equal(await page.evaluate(() => window.dni.sessionId()), sid, "one visit: the edge's");
  assert.equal(await page.evaluate(() => document.documentElement.dataset.calltrackSession), sid);
  await page.waitForFunction(() => Object.keys(window.dni.numbers()).length > 0);
  assert.equal(await page.locator("#header-phone").textContent(), first, "the same number, not swapped again");
  assert.equal(await page.evaluate(() => window.__walks), 0, "no first walk");
  assert.equal(await page.evaluate(() => window.__hidden), false, "a page that carries its numbers is never hidden");
  // Content added later is swapped by the tag, with this visit's number.
  await page.evaluate(() => {
    const p = document.createElement("p");
    p.id = "late";
    p.textContent = "Или звоните: 8 (495) 123-45-67";
    document.querySelector("main").append(p);
  });
  await page.waitForFunction(() => document.getElementById("late").textContent.includes("499"));
  const digits = (s) => s.replace(/\D/g, "").slice(-7);
  assert.equal(digits(await page.locator("#late").textContent()), digits(first));
  // A reload with the cookie: the same number, from the HTML.
  const again = await page.goto(`${url}/through/`);
  assert.equal((await again.text()).match(/id="header-phone"[^>]*>([^<]+)</)[1], first);
  assert.deepEqual(problems, []);
  await ctx.close();
});
