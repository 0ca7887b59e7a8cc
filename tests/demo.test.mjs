// The demo page as `npm start` serves it: the worker on workerd serves the
// page, the script and the wasm, and leases the numbers; Chromium shows the
// visitor's tracking numbers in the page's own formats; the demo panel
// places calls; the dashboard shows them, signed in with the admin key.
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
  worker = await startWorker({ vars: { ADMIN_KEY, DEMO_SITES: "demo" } });
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

test("the US page swaps every US format and leaves look-alikes alone", async () => {
  const ctx = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const { page, problems } = await strictPage(ctx);
  await page.goto(`${worker.url}/demo/us.html?utm_source=google&utm_medium=organic`);
  await page.waitForFunction(() => document.getElementById("us-phone").textContent.includes("010") && !document.getElementById("us-phone").textContent.includes("0100"));
  const n = (await page.locator("#us-phone").getAttribute("href")).slice(-1);
  assert.match(n, /[1-3]/);
  assert.equal(await page.locator("#us-phone").textContent(), `(415) 555-010${n}`);
  assert.equal(await page.locator("#us-phone").getAttribute("aria-label"), `Call us at 415-555-010${n}`);
  assert.equal(await page.locator("#us-text").textContent(), `Call 415.555.010${n} or text 1-415-555-010${n}, Mon–Sat 8am–6pm.`);
  assert.equal(await page.locator("#us-lookalikes").textContent(), "Open since 04/15/2010 · Suite 415 · 1 Market St, San Francisco, CA 94105 · Implants from $1,995.00");
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("the demo panel places calls; the dashboard shows them", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const { page, problems } = await strictPage(ctx);
  // A visitor from a Google Ads click calls; another, from email, misses.
  await page.goto(`${worker.url}/demo/?utm_source=google&utm_medium=cpc&utm_campaign=implants&utm_term=dental+implants&gclid=e2e`);
  await page.waitForFunction(() => document.getElementById("moscow").textContent.includes("499") && window.dni.sessionId());
  // The visitor opens the price list (a site event) before calling: the call's trail shows it.
  const recorded = page.waitForResponse((r) => r.url().includes("/trail"));
  await page.click("#demo-panel .event");
  assert.equal((await recorded).status(), 204);
  await page.click("#demo-panel .call");
  await page.waitForFunction(() => document.querySelector("#demo-panel .result").textContent.includes("dashboard"));
  assert.match(await page.locator("#demo-panel .result").textContent(), /^Answered call to \+7499000000[1-5]: paid_search, keyword "dental implants" \(a target call\), taken by (Anna Petrova|Boris Ivanov)\. See it on the dashboard$/);
  // Someone who saw the billboard calls its own number.
  await page.click("#demo-panel .billboard");
  await page.waitForFunction(() => document.querySelector("#demo-panel .result").textContent.includes("+74990000070"));
  assert.match(await page.locator("#demo-panel .result").textContent(), /^Answered call to \+74990000070: outdoor \(Billboard, Leningradsky prospekt\) \(a target call\), taken by/);
  await page.click("#demo-panel .visits a:text('email newsletter')");
  await page.waitForFunction(() => window.dni?.sessionId() && document.getElementById("moscow").textContent.includes("499"));
  await page.click("#demo-panel .miss");
  await page.waitForFunction(() => document.querySelector("#demo-panel .result").textContent.startsWith("Missed"));
  assert.match(await page.locator("#demo-panel .result").textContent(), /: email, missed by (Anna Petrova|Boris Ivanov)\. See it/);

  // The dashboard: never in a frame, only its own scripts (and the test's
  // strict page fails on any CSP violation the dashboard's own code makes).
  const dash = await page.goto(`${worker.url}/dashboard/`);
  const csp = dash.headers()["content-security-policy"] ?? "";
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.equal(dash.headers()["x-frame-options"], "DENY");
  // A wrong key is refused, the right one shows everything.
  await page.fill("#site", "demo");
  await page.fill("#key", "not-the-key");
  await page.click("#sign-in button");
  await page.waitForFunction(() => document.getElementById("sign-in-error").textContent);
  assert.match(await page.locator("#sign-in-error").textContent(), /key/i);
  // Chromium logs the refused request (401) as a console error: expected here, and only here.
  assert.deepEqual(problems.splice(0), ["console: Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
  await page.fill("#key", ADMIN_KEY);
  await page.click("#sign-in button");
  await page.waitForFunction(() => document.body.dataset.loaded);
  assert.ok(!page.url().includes(ADMIN_KEY), "the key never goes into a URL");
  assert.equal(await page.locator("#sign-in").isVisible(), false, "the sign-in form goes away");
  const kpi = async (name) => page.locator(`.kpi:has(span:text-is("${name}")) b`).textContent();
  assert.equal(await kpi("Calls"), "3");
  assert.equal(await kpi("Target calls"), "2");
  assert.equal(await kpi("Answer rate"), "66.7%");
  // PTR: successful / all calls; none is rated yet.
  assert.equal(await kpi("PTR"), "0%");
  assert.equal(await kpi("Rated"), "0%");
  assert.equal(await kpi("PTR of rated"), "—");
  assert.equal(await kpi("Without outcome"), "3");
  // The agents: every demo call was taken or missed by one of them.
  const agentCalls = await page.locator("#agents tbody tr").evaluateAll((rows) => rows.map((r) => [r.cells[0].textContent, Number(r.cells[1].textContent)]));
  assert.ok(agentCalls.every(([name]) => ["Anna Petrova", "Boris Ivanov"].includes(name)), JSON.stringify(agentCalls));
  assert.equal(agentCalls.reduce((s, [, n]) => s + n, 0), 3);
  // The billboard's row, and the funnel from visits.
  const billboard = page.locator("#sources tbody tr", { hasText: "Billboard, Leningradsky prospekt" });
  assert.equal(await billboard.locator("td").nth(3).textContent(), "1");
  assert.equal(await page.locator("#sources tbody tr", { hasText: "Radio spot" }).locator("td").nth(3).textContent(), "0");
  const paid = page.locator("#funnel tbody tr", { hasText: "paid search" });
  assert.ok(Number(await paid.locator("td").nth(1).textContent()) >= 1, "visits");
  assert.equal(await paid.locator("td").nth(2).textContent(), "1");
  assert.match(await page.locator("#leads").textContent(), /No leads in this period/);
  // Visits beside the calls: this test's visitors, at least the two that called.
  assert.ok(Number(await kpi("Visits")) >= 2);
  assert.match(await kpi("Calls per 100 visits"), /^\d+(\.\d)?$/);
  for (const id of ["#chart-channels", "#chart-ptr", "#chart-target", "#chart-pools"]) {
    assert.equal(await page.locator(`${id} canvas`).count(), 1, `${id} draws`);
  }
  // Channels by their names (the catalogs'), the same word as the SMS alerts'.
  assert.match(await page.locator("#chart-channels .u-legend").textContent(), /paid search/);
  // Whose fault: the demo's office is always open, so the agent's phone was not answered.
  assert.match(await page.locator("#missed").textContent(), /not answered\s*1/);
  assert.equal(await page.locator("#not-called-back").textContent(), "1 not called back yet");
  // Why missed, by channel: the e-mail visitor's call, not answered, all of that channel's.
  const byChannel = await page.locator("#missed-by-channel table").evaluate((t) => ({
    head: [...t.tHead.rows[0].cells].map((c) => c.textContent),
    rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)),
  }));
  assert.deepEqual(byChannel.rows.map((r) => [r[0], r[1], r[byChannel.head.indexOf("not answered")]]), [["e-mail", "1", "100%"]]);
  assert.equal(await page.locator("#heatmap td:not(:empty)").count() >= 1, true);
  assert.equal(await page.locator("#log tbody tr").count(), 3);
  assert.match(await page.locator("#log tbody").textContent(), /dental implants/);
  // The Google call's trail: the page, then the price list opened.
  const googleRow = page.locator("#log tbody tr", { hasText: "dental implants" });
  await googleRow.locator("details.trail summary").click();
  assert.match(await googleRow.locator("details.trail ol").textContent(), /\/demo\/.*price list opened/s);
  assert.match(await page.locator("#log tbody").textContent(), /\+7\*+\d{4}/, "callers masked");
  // A manager gives the answered call its outcome in the log: PTR follows.
  const answeredRow = page.locator("#log tbody tr", { hasText: "dental implants" });
  await answeredRow.locator("select.outcome").selectOption("appointment");
  // PTR: one successful call of three; the one rated call was a success.
  await page.waitForFunction(() => document.querySelector(".kpi:nth-child(8) b")?.textContent === "100%");
  assert.equal(await kpi("PTR"), "33.3%");
  assert.equal(await kpi("Rated"), "33.3%");
  assert.equal(await kpi("PTR of rated"), "100%");
  assert.equal(await kpi("Without outcome"), "2");
  // Taken back.
  await answeredRow.locator("select.outcome").selectOption("");
  await page.waitForFunction(() => document.querySelector(".kpi:nth-child(8) b")?.textContent === "—");
  assert.equal(await kpi("PTR"), "0%");
  // Filters change the log.
  await page.selectOption("#f-channel", "paid_search");
  await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 1);
  await page.selectOption("#f-channel", "");
  // Boris's calls only (as many as the agents table says he had).
  const boris = agentCalls.find(([name]) => name === "Boris Ivanov")?.[1] ?? 0;
  await page.selectOption("#f-agent", "boris");
  await page.waitForFunction((n) => {
    const rows = [...document.querySelectorAll("#log tbody tr")];
    return n === 0 ? !document.getElementById("log-empty").hidden : rows.length === n && rows.every((r) => r.cells[11].textContent === "Boris Ivanov");
  }, boris);
  await page.selectOption("#f-agent", "");
  // By why a call was missed, and by talk time (the answered calls talked 95 s, the missed none).
  await page.selectOption("#f-reason", "not_answered");
  await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 1 && document.querySelector("#log tbody").textContent.includes("e-mail"));
  await page.selectOption("#f-reason", "busy");
  await page.waitForFunction(() => !document.getElementById("log-empty").hidden);
  await page.selectOption("#f-reason", "");
  await page.fill("#f-min-talk", "90");
  await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 2 && !document.querySelector("#log tbody").textContent.includes("e-mail"));
  await page.fill("#f-min-talk", "");
  await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 3);
  await page.selectOption("#f-status", "missed");
  await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 1 && document.querySelector("#log tbody").textContent.includes("e-mail"));
  await page.fill("#f-keyword", "no such keyword");
  await page.waitForFunction(() => !document.getElementById("log-empty").hidden);
  // Spend in: a month's CSV uploaded from the budget card; cost and ROMI by campaign.
  const today = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10);
  await page.setInputFiles("#spend-file", {
    name: "spend.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`day,source,medium,campaign,amount\n${today},google,cpc,implants,3000\n${today},yandex,cpc,crowns,1500\n`),
  });
  await page.waitForFunction(() => document.querySelector("#spend-result").textContent.startsWith("2 rows"));
  await page.waitForFunction(() => document.querySelector("#budget").textContent.includes("crowns"));
  const budgetRows = () => page.locator("#budget tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  const head = await page.locator("#budget thead th").evaluateAll((cells) => cells.map((c) => c.textContent.replace(/ [▲▼]$/, "")));
  const cell = (row, name) => row[head.indexOf(name)];
  let rows = await budgetRows();
  const implants = rows.find((r) => r[0] === "implants");
  assert.match(cell(implants, "Spend"), /3,000/);
  assert.equal(cell(implants, "Calls"), "1");
  assert.match(cell(implants, "Cost per target call"), /3,000/);
  assert.equal(cell(implants, "ROMI"), "-100%", "spend and no value yet");
  const crowns = rows.find((r) => r[0] === "crowns");
  assert.equal(cell(crowns, "Calls"), "0", "spend with no call is a row of its own");
  assert.match(cell(crowns, "Spend"), /1,500/);
  assert.match(await kpi("Spend"), /4,500/);
  // Sorted by spend, most first; a click on the header turns it round.
  const order = (list) => list.map((r) => r[0]).filter((k) => k === "implants" || k === "crowns");
  assert.deepEqual(order(rows.slice(0, -1)), ["implants", "crowns"]);
  await page.click("#budget thead button[data-key=cost_minor]");
  assert.deepEqual(order((await budgetRows()).slice(0, -1)), ["crowns", "implants"]);
  // The log unfiltered again.
  await page.fill("#f-keyword", "");
  await page.selectOption("#f-status", "");
  await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 3);
  // The manager rates the Google call an appointment, worth 15,000 (the outcome's own value):
  // (15,000 - 3,000) / 3,000 = 400%.
  await answeredRow.locator("select.outcome").selectOption("appointment");
  await page.waitForFunction(() => [...document.querySelectorAll("#budget tbody tr")].some((r) => r.cells[0].textContent === "implants" && r.textContent.includes("400%")));
  assert.match(cell((await budgetRows()).find((r) => r[0] === "implants"), "Revenue"), /15,000/);
  // The log by outcome: the one rated call; and the calls without one.
  await page.selectOption("#f-outcome", "appointment");
  await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 1 && document.querySelector("#log tbody").textContent.includes("dental implants"));
  await page.selectOption("#f-outcome", "none");
  await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 2 && !document.querySelector("#log tbody").textContent.includes("dental implants"));
  await page.selectOption("#f-outcome", "");
  // By channel, all of it is paid search's.
  await page.selectOption("#budget-group", "channel");
  await page.waitForFunction(() => [...document.querySelectorAll("#budget tbody tr")].some((r) => r.cells[0].textContent === "paid search"));
  rows = await budgetRows();
  assert.match(cell(rows.find((r) => r[0] === "paid search"), "Spend"), /4,500/);
  assert.equal(await page.locator("#chart-ptr-cost canvas").count(), 1);
  // When the missed calls came: one, the email visitor's.
  await page.selectOption("#heat-status", "missed");
  await page.waitForFunction(() => [...document.querySelectorAll("#heatmap td")].filter((td) => td.textContent).length === 1);
  await page.selectOption("#heat-status", "");
  // ...and when calls are missed for one reason: the agent's phone not answered, yes; busy, none.
  await page.selectOption("#heat-reason", "not_answered");
  await page.waitForFunction(() => [...document.querySelectorAll("#heatmap td")].filter((td) => td.textContent).length === 1);
  await page.selectOption("#heat-reason", "busy");
  await page.waitForFunction(() => !document.querySelector("#heatmap table"));
  await page.selectOption("#heat-reason", "");
  // The sizing calculator answers.
  await page.click("#sizing-form button");
  await page.waitForFunction(() => document.querySelector("#sizing table"));
  mkdirSync(join(root, "test-results"), { recursive: true });
  await page.screenshot({ path: join(root, "test-results", "dashboard.png"), fullPage: true });
  // A phone-width screen.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.loaded);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no sideways scrolling at phone width (${overflow}px)`);
  await page.screenshot({ path: join(root, "test-results", "dashboard-phone.png"), fullPage: true });
  // In Russian (?lang=, as the browser's language would), at phone width:
  // the headings, the figures and Russian plural forms, from the catalogs.
  await page.goto(`${worker.url}/dashboard/?lang=ru`);
  await page.waitForFunction(() => document.body.dataset.loaded);
  assert.equal(await page.evaluate(() => document.documentElement.lang), "ru");
  assert.equal(await page.locator('[data-l10n-id="h-missed"]').textContent(), "Пропущенные звонки");
  assert.equal(await page.locator('[data-l10n-id="h-agents"]').textContent(), "Сотрудники");
  assert.equal(await page.locator('[data-l10n-id="h-spend"]').textContent(), "Расходы и отдача");
  assert.equal(await page.locator("#sign-out").textContent(), "Выйти");
  assert.equal(await page.locator('#period option[value="30"]').textContent(), "30 дней");
  assert.equal(await kpi("Звонки"), "3");
  assert.equal(await kpi("Целевые звонки"), "2");
  assert.equal(await page.locator("#not-called-back").textContent(), "1 звонок: ещё не перезвонили");
  assert.match(await page.locator("#missed").textContent(), /Почему пропущен.*не ответили\s*1/s);
  // Every card in Russian, numbers, money and plurals in its forms (CLDR's rules).
  const ruPlural = (n, [one, few, many]) => (n % 10 === 1 && n % 100 !== 11 ? one : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? few : many);
  assert.equal(await page.locator('#log th[data-l10n-id="col-time"]').textContent(), "Время");
  assert.equal(await page.locator("#f-status option[value=missed]").textContent(), "пропущенные");
  assert.equal(await page.locator("#f-campaign").getAttribute("placeholder"), "любой");
  assert.match(await page.locator("#funnel").textContent(), /платный поиск/);
  assert.match(await page.locator("#log tbody").textContent(), /отвечен/);
  assert.match(await kpi("Расход"), /^4\s500\s₽$/u);
  assert.match(await kpi("Доля отвеченных"), /^66,7\s%$/u);
  assert.deepEqual(
    (await page.locator("#missed-by-channel tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)))).map((r) => r.slice(0, 2)),
    [["e-mail", "1"]],
  );
  assert.equal(await page.locator("#heatmap tbody th").first().textContent(), "пн");
  const cellTitle = await page.locator("#heatmap td:not(:empty)").first().getAttribute("title");
  assert.match(cellTitle, /^(пн|вт|ср|чт|пт|сб|вс) \d\d:00: /);
  const [, calls, word] = cellTitle.match(/: (\d+) (\S+)$/);
  assert.equal(word, ruPlural(Number(calls), ["звонок", "звонка", "звонков"]), cellTitle);
  const ruGoogle = page.locator("#log tbody tr", { hasText: "dental implants" });
  const steps = await ruGoogle.locator("details.trail li").count();
  assert.equal(await ruGoogle.locator("details.trail summary").textContent(), `${steps} ${ruPlural(steps, ["шаг", "шага", "шагов"])}`);
  const live = (await page.locator("#live").textContent()).match(/^Сейчас на сайте (\d+) (\S+)\./);
  assert.equal(live[2], ruPlural(Number(live[1]), ["посетитель", "посетителя", "посетителей"]));
  const ruOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(ruOverflow <= 1, `no sideways scrolling in Russian at phone width (${ruOverflow}px)`);
  await page.screenshot({ path: join(root, "test-results", "dashboard-phone-ru.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("the demo panel speaks the browser's language: Russian, Ukrainian, Kazakh", async () => {
  // A manager whose browser asks for Russian (navigator.languages), at phone width.
  const ctx = await browser.newContext({ locale: "ru-RU", viewport: { width: 390, height: 800 } });
  const { page, problems } = await strictPage(ctx);
  await page.goto(`${worker.url}/demo/?utm_source=yandex&utm_medium=cpc&utm_campaign=crowns&utm_term=dental+crowns&yclid=ru`);
  await page.waitForFunction(() => document.getElementById("moscow").textContent.includes("499") && window.dni.sessionId());
  assert.equal(await page.locator("#demo-panel .call").textContent(), "Позвонить на показанный номер");
  assert.equal(await page.locator("#demo-panel .visits a").first().textContent(), "клик в Google Ads");
  assert.equal(await page.locator("#demo-panel").getAttribute("lang"), "ru");
  await page.click("#demo-panel .call");
  await page.waitForFunction(() => document.querySelector("#demo-panel .result a"));
  assert.match(
    await page.locator("#demo-panel .result").textContent(),
    /^Отвеченный звонок на \+7499000000[1-5]: paid_search, ключевое слово «dental crowns» \(целевой звонок\), ответил\(а\) (Anna Petrova|Boris Ivanov)\. Посмотреть на дашборде$/,
  );
  // The panel's own links keep the language asked for in the address.
  await page.goto(`${worker.url}/demo/?lang=uk`);
  assert.equal(await page.locator("#demo-panel .miss").textContent(), "Зробити пропущений дзвінок");
  assert.match(await page.locator("#demo-panel .visits a").nth(3).getAttribute("href"), /utm_medium=email.*lang=uk$/);
  await page.goto(`${worker.url}/demo/?lang=kk`);
  assert.equal(await page.locator("#demo-panel [data-l10n-id=demo-title]").textContent(), "Демо панель");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no sideways scrolling at phone width (${overflow}px)`);
  assert.deepEqual(problems, []);
  await ctx.close();
});
