// The demo page as `npm start` serves it: the worker on workerd serves the
// page, the script and the wasm, and leases the numbers; Chromium shows the
// visitor's tracking numbers in the page's own formats.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call } from "./support/api.mjs";
import { launch, strictPage } from "./support/browser.mjs";
import { startWorker } from "./support/workerd.mjs";

const root = new URL("..", import.meta.url).pathname;
let worker, browser;

before(async () => {
  worker = await startWorker({ vars: { ADMIN_KEY } });
  browser = await launch();
  const spec = JSON.parse(readFileSync(join(root, "examples", "site.json"), "utf8"));
  spec.origins = [worker.url];
  const r = await call(worker, "PUT", "/v1/sites/demo", { raw: JSON.stringify(spec), headers: { "content-type": "application/json" }, key: ADMIN_KEY });
  assert.equal(r.status, 201, JSON.stringify(r.body));
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

test("the demo page from a Google Ads click shows leased numbers in the page's formats", async () => {
  const ctx = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const { page, problems } = await strictPage(ctx);
  await page.goto(`${worker.url}/demo/?utm_source=google&utm_medium=cpc&utm_campaign=implants&utm_term=dental+implants&gclid=e2e`);
  await page.waitForFunction(() => document.getElementById("moscow").textContent.includes("499"));
  assert.match(await page.locator("#header-phone").textContent(), /^\+7 \(499\) 000-00-0[1-5]$/);
  assert.match(await page.locator("#header-phone").getAttribute("href"), /^tel:\+7499000000[1-5]$/);
  assert.match(await page.locator("#hero-text").textContent(), /звоните 8 \(499\) 000-00-0[1-5], ежедневно с 9:00 до 21:00\.$/);
  assert.match(await page.locator("#sf").textContent(), /^Phone: \+1 \(415\) 555-010[1-3]$/);
  // Left alone: the site's ignore_selectors, the demo panel, the legal footer's ids and prices.
  assert.equal(await page.locator("#review").textContent(), "«Позвонила по номеру 8 (495) 123-45-67 — записали на следующий день». — Анна");
  assert.match(await page.locator(".demo code").textContent(), /\+7 \(495\) 123-45-67/);
  assert.match(await page.locator("#footer").textContent(), /ИНН 7707083893, ОГРН 1027700132195\. Прайс от 12\.03\.2024: имплант от 45 000 ₽\./);
  const assigned = await page.evaluate(() => window.dni.numbers());
  assert.equal(Object.keys(assigned).length, 2);
  mkdirSync(join(root, "test-results"), { recursive: true });
  await page.screenshot({ path: join(root, "test-results", "demo.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});
