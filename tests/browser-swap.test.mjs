// The browser module in a real Chromium: the ESM entry swaps a fixed mapping
// on a page in every place a number can show, in the original's format, and
// nowhere else; content added later is swapped; destroy() puts it all back.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launch, serve, strictPage } from "./support/browser.mjs";

const root = new URL("..", import.meta.url).pathname;
let server, browser;

before(async () => {
  server = await serve({ "/dist/": join(root, "dist"), "/": join(root, "tests", "fixtures") });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const MAP = { "+74951234567": "+74997654321", "+14155550100": "+16505550199" };
// Russia's numbering line, as the edge serves it (the command prints the same).
const numbering = (region) => spawnSync(join(root, "target", "debug", "examples", "scan"), ["--numbering", region], { encoding: "utf8" }).stdout.trim();
const RU = numbering("RU");

async function swapped(page, opts = {}) {
  return page.evaluate(async ({ map, opts, ru }) => {
    const { swapNumbers } = await import("/dist/index.js");
    window.handle = await swapNumbers({ numbers: map, region: "RU", numbering: ru, ignore: ".reviews", ...opts });
    return window.handle.stats();
  }, { map: MAP, opts, ru: RU });
}

const text = (page, sel) => page.locator(sel).evaluate((e) => e.textContent);
const attr = (page, sel, name) => page.locator(sel).getAttribute(name);

test("swaps text, links and attributes in the original format, and nothing else", async () => {
  const ctx = await browser.newContext();
  const { page, problems } = await strictPage(ctx);
  await page.goto(`${server.url}/swap.html`);
  const stats = await swapped(page);
  assert.equal(await text(page, "#text"), "Звоните: 8 (499) 765-43-21, ежедневно.");
  assert.equal(await text(page, "#intl"), "Из-за рубежа: +7 499 765 43 21 доб. 204");
  assert.equal(await text(page, "#nbsp"), "8\u00a0499\u00a0765\u201143\u201121");
  assert.equal(await attr(page, "#link", "href"), "tel:+74997654321");
  assert.equal(await attr(page, "#link", "title"), "Позвонить +7 (499) 765-43-21");
  assert.equal(await text(page, "#link"), "+7 (499) 765-43-21");
  assert.equal(await attr(page, "#link2", "href"), "tel:+74997654321");
  assert.equal(await attr(page, "#img", "alt"), "Телефон 8 (499) 765-43-21");
  assert.equal(await attr(page, "#aria", "aria-label"), "Телефон 8 499 765 43 21");
  assert.equal(await page.title(), "Клиника — 8 (499) 765-43-21");
  // Numbers that are not the site's, look-alikes, and every ignored place stay as they were.
  assert.equal(await text(page, "#us"), "US office: (415) 555-0100", "a US number written nationally is not a RU number of the map");
  assert.equal(await text(page, "#other"), "Другой номер: 8 (495) 765-43-21");
  assert.equal(await text(page, "#lookalikes"), "Заказ № 84951234567, ИНН 7707083893, цена 4 950 000 ₽, 12.03.2024, 192.168.100.200");
  for (const id of ["#ignored", "#ignored2", "#ignored3", "#edit"]) assert.match(await text(page, id), /8 \(495\) 123-45-67/, id);
  assert.equal(await text(page, "#whatsapp"), "WhatsApp 8 (495) 123-45-67");
  assert.equal(await attr(page, "#whatsapp", "href"), "https://wa.me/74951234567");
  assert.equal(await page.locator("#textarea").inputValue(), "8 (495) 123-45-67");
  assert.equal(await page.locator("#input").inputValue(), "8 (495) 123-45-67");
  assert.equal(await attr(page, "#data", "data-phone"), "8 (495) 123-45-67");
  assert.equal(await attr(page, "#alt-other", "alt"), "8 (495) 123-45-67");
  const ld = await page.locator("script[type='application/ld+json']").evaluate((e) => e.textContent);
  assert.match(ld, /\+7 \(495\) 123-45-67/);
  const html = await page.content();
  assert.match(html, /<!-- 8 \(495\) 123-45-67 in a comment -->/);
  assert.ok(stats.swapped >= 10, JSON.stringify(stats));
  assert.deepEqual(problems, []);
  mkdirSync(join(root, "test-results"), { recursive: true });
  await page.screenshot({ path: join(root, "test-results", "swap-fixture.png"), fullPage: true });
  await ctx.close();
});

test("content added later is swapped; destroy() puts the originals back", async () => {
  const ctx = await browser.newContext();
  const { page, problems } = await strictPage(ctx);
  await page.goto(`${server.url}/swap.html`);
  await swapped(page);
  await page.evaluate(() => {
    const p = document.createElement("p");
    p.id = "later";
    p.textContent = "Новый филиал: +7 (495) 123-45-67";
    document.getElementById("root").append(p);
    const a = document.createElement("a");
    a.id = "later-link";
    a.href = "tel:84951234567";
    a.textContent = "84951234567";
    document.getElementById("root").append(a);
    document.getElementById("other").firstChild.data = "Сменили: 8 (495) 123-45-67";
  });
  await page.waitForFunction(() => document.getElementById("later")?.textContent.includes("499"));
  assert.equal(await text(page, "#later"), "Новый филиал: +7 (499) 765-43-21");
  assert.equal(await attr(page, "#later-link", "href"), "tel:+74997654321");
  assert.equal(await text(page, "#later-link"), "84997654321");
  await page.waitForFunction(() => document.getElementById("other").textContent.includes("499"));
  assert.equal(await text(page, "#other"), "Сменили: 8 (499) 765-43-21");
  await page.evaluate(() => window.handle.destroy());
  assert.equal(await text(page, "#text"), "Звоните: 8 (495) 123-45-67, ежедневно.");
  assert.equal(await attr(page, "#link", "href"), "tel:+74951234567");
  assert.equal(await page.title(), "Клиника — 8 (495) 123-45-67");
  assert.equal(await text(page, "#later"), "Новый филиал: +7 (495) 123-45-67");
  // After destroy, nothing is watched any more. The state waited for: a
  // live swap on a sentinel changed in the same task, which the destroyed
  // handle's observer would have seen at the same time.
  await page.evaluate(async () => {
    const { swapNumbers } = await import("/dist/index.js");
    const sentinel = document.body.appendChild(document.createElement("p"));
    sentinel.id = "sentinel";
    window.live = await swapNumbers({ numbers: { "+74951234567": "+74997654321" }, region: "RU", numbering: window.RU_LINE ?? "", root: sentinel });
    sentinel.textContent = "+7 495 123-45-67";
    document.getElementById("text").textContent = "8 (495) 123-45-67";
  });
  await page.waitForFunction(() => document.getElementById("sentinel").textContent.includes("499"));
  assert.equal(await text(page, "#text"), "8 (495) 123-45-67");
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("a Kyiv page: national forms are read from the region's numbering line, and only with it", async () => {
  const ctx = await browser.newContext();
  const { page, problems } = await strictPage(ctx);
  await page.goto(`${server.url}/swap.html`);
  const run = (ua) => page.evaluate(async ({ ua }) => {
    document.body.innerHTML = '<p id="a">Телефон: (044) 123-45-67</p><p id="b">Моб.: 067 123 45 67, 8 (067) 123-45-67</p>' +
      '<p id="c">Оновлено 12.03.2024, ціна 1 234 567 грн, замовлення № 0441234567</p>';
    const { swapNumbers } = await import("/dist/index.js");
    const h = await swapNumbers({ numbers: { "+380441234567": "+380442223344", "+380671234567": "+380679876543" }, region: "UA", ...(ua ? { numbering: ua } : {}) });
    await h.done;
    const out = ["a", "b", "c"].map((id) => document.getElementById(id).textContent);
    h.destroy();
    return out;
  }, { ua });
  // A fresh page: no line loaded yet, so the national forms stay as they are.
  assert.deepEqual(await run(null), ["Телефон: (044) 123-45-67", "Моб.: 067 123 45 67, 8 (067) 123-45-67", "Оновлено 12.03.2024, ціна 1 234 567 грн, замовлення № 0441234567"]);
  assert.deepEqual(await run(numbering("UA")), [
    "Телефон: (044) 222-33-44",
    "Моб.: 067 987 65 43, 8 (067) 987-65-43",
    "Оновлено 12.03.2024, ціна 1 234 567 грн, замовлення № 0441234567",
  ]);
  const bad = await page.evaluate(async () => {
    const { swapNumbers } = await import("/dist/index.js");
    return swapNumbers({ numbers: {}, region: "UA", numbering: "Ukraine" }).then(() => "no error", (e) => e instanceof TypeError);
  });
  assert.equal(bad, true);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("a number split over inline elements is swapped wherever it stands on the page", async () => {
  const ctx = await browser.newContext();
  const { page, problems } = await strictPage(ctx);
  await page.goto(`${server.url}/swap.html`);
  const out = await page.evaluate(async (fr) => {
    // Other runs of inline texts come first, as on any real page: the walk's state carries over.
    document.body.innerHTML = '<p>Ouvert <b>du lundi</b> <i>au samedi</i>, <span>9</span><span>h-19</span><span>h</span></p>' +
      '<h2 id="a">Réservez au <span class="a">01 23</span><span class="b"> 45 67 89</span></h2>' +
      '<p id="b"><a href="tel:+33123456789"><span>+33 1 2</span><b>3 45</b> <i>67 89</i></a></p>';
    const { swapNumbers } = await import("/dist/index.js");
    const h = await swapNumbers({ numbers: { "+33123456789": "+33198765432" }, region: "FR", numbering: fr });
    await h.done;
    return [document.getElementById("a").textContent, document.getElementById("b").textContent, document.querySelector("#b a").getAttribute("href"), h.stats()];
  }, numbering("FR"));
  assert.deepEqual(out, ["Réservez au 01 98 76 54 32", "+33 1 98 76 54 32", "tel:+33198765432", { found: 3, swapped: 3 }]);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("bad options are errors, not broken pages", async () => {
  const ctx = await browser.newContext();
  const { page } = await strictPage(ctx);
  await page.goto(`${server.url}/swap.html`);
  const errors = await page.evaluate(async () => {
    const { swapNumbers } = await import("/dist/index.js");
    const out = [];
    for (const opts of [{ numbers: { "not a number": "+74997654321" } }, { numbers: { "+74951234567": "+74997654321" }, ignore: "p[" }]) {
      try {
        await swapNumbers(opts);
        out.push("no error");
      } catch (e) {
        out.push(String(e));
      }
    }
    return out;
  });
  assert.match(errors[0], /not an E\.164 number/);
  assert.match(errors[1], /not a CSS selector/);
  // The root: an element, a document or a shadow root; anything else is a TypeError.
  const roots = await page.evaluate(async () => {
    const { swapNumbers } = await import("/dist/index.js");
    const out = [];
    for (const root of ["body", 1, {}, document.createTextNode("8 (495) 123-45-67"), document.createComment("x")]) {
      try {
        await swapNumbers({ numbers: { "+74951234567": "+74997654321" }, root });
        out.push("no error");
      } catch (e) {
        out.push(e instanceof TypeError ? "TypeError" : String(e));
      }
    }
    return out;
  });
  assert.deepEqual(roots, ["TypeError", "TypeError", "TypeError", "TypeError", "TypeError"]);
  assert.equal(await text(page, "#text"), "Звоните: 8 (495) 123-45-67, ежедневно.");
  await ctx.close();
});

test("open shadow roots and the frames the site marks are swapped like the page, also later", async () => {
  const ctx = await browser.newContext();
  const { page, problems } = await strictPage(ctx);
  await page.goto(`${server.url}/components.html`);
  await page.waitForFunction(() => [...document.querySelectorAll("iframe")].every((f) => f.contentDocument?.readyState === "complete"));
  await swapped(page, { root: await page.evaluateHandle(() => document) });
  const inShadow = (sel) => page.evaluate((s) => document.getElementById("header").shadowRoot.querySelector(s)?.textContent, sel);
  const inFrame = (id) => page.evaluate((f) => document.getElementById(f).contentDocument.getElementById("in-frame").textContent, id);
  assert.equal(await text(page, "#page"), "Звоните: 8 (499) 765-43-21");
  assert.equal(await inShadow("#call"), "+7 (499) 765-43-21");
  assert.equal(await page.evaluate(() => document.getElementById("header").shadowRoot.getElementById("call").getAttribute("href")), "tel:+74997654321");
  assert.equal(await inFrame("marked"), "Запись: 8 499 765-43-21");
  assert.equal(await inFrame("unmarked"), "Запись: 8 495 123-45-67", "a frame the site did not mark is left alone");
  // Content added later inside the shadow root is swapped too (the observer watches it).
  await page.evaluate(() => {
    document.getElementById("header").shadowRoot.getElementById("later-slot").textContent = "8 (495) 123-45-67";
  });
  await page.waitForFunction(() => document.getElementById("header").shadowRoot.getElementById("later-slot").textContent.includes("499"));
  // A web component added later brings its shadow root along.
  await page.evaluate(() => {
    const h = document.createElement("site-header");
    h.id = "header2";
    document.body.append(h);
  });
  await page.waitForFunction(() => document.getElementById("header2").shadowRoot.getElementById("call").textContent.includes("499"));
  await page.evaluate(() => window.handle.destroy());
  assert.equal(await inShadow("#call"), "+7 (495) 123-45-67");
  assert.equal(await inFrame("marked"), "Запись: 8 495 123-45-67");
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("a marked frame that loads after the swap is swapped when it loads", async () => {
  const ctx = await browser.newContext();
  const { page, problems } = await strictPage(ctx);
  await page.goto(`${server.url}/swap.html`);
  await swapped(page);
  await page.evaluate(() => {
    const f = document.createElement("iframe");
    f.id = "late";
    f.setAttribute("data-dni-swap", "");
    f.src = "/frame.html";
    document.body.append(f);
  });
  await page.waitForFunction(() => document.getElementById("late").contentDocument?.getElementById("in-frame")?.textContent.includes("499"), null, { timeout: 10_000 });
  assert.deepEqual(problems, []);
  await ctx.close();
});

// A page that takes more than one slice: the browser's CPU slowed 20 times
// (CDP), so that even a fast machine cannot walk 6,000 elements in the first
// slice. It is swapped whole before swapNumbers resolves, so that the
// anti-flicker hide never ends on an original; a large page (over 8,000
// elements) resolves once its viewport is swapped, and the rest follows.
test("a page that takes several slices resolves swapped whole; a large one scrolled away from its top once its viewport is", async () => {
  const ctx = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const { page, problems } = await strictPage(ctx);
  const cdp = await ctx.newCDPSession(page);
  const para = (i) => `<p>Абзац ${i}: ИНН 7707083893 от 12.03.2024</p>`;
  const html = (n) =>
    `<!doctype html><meta charset="utf-8"><title>slices</title><body><p id="top" style="height:300px">Звоните: 8 (495) 123-45-67</p>` +
    Array.from({ length: n / 2 }, (_, i) => para(i)).join("") + `<p id="mid">Посередине: 8 495 123-45-67</p>` +
    Array.from({ length: n / 2 }, (_, i) => para(i)).join("") + `<p id="last">Внизу: +7 495 123-45-67</p></body>`;
  for (const [n, scrolled] of [[6000, false], [6000, true], [9000, false], [9000, true]]) {
    await page.route("**/slices.html", (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body: html(n) }));
    await page.goto(`${server.url}/slices.html`);
    await page.evaluate(() => import("/dist/index.js").then((m) => m.load()));
    if (scrolled) await page.evaluate(() => document.getElementById("mid").scrollIntoView({ block: "center" }));
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 20 });
    const at = await page.evaluate(async ({ map, ru }) => {
      const { swapNumbers } = await import("/dist/index.js");
      window.handle = await swapNumbers({ numbers: map, region: "RU", numbering: ru, observe: false });
      const shown = (id) => document.getElementById(id).textContent;
      return { top: shown("top"), mid: shown("mid"), last: shown("last") };
    }, { map: MAP, ru: RU });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    const what = `${n} elements${scrolled ? ", scrolled to the middle" : ""}`;
    assert.equal(at.mid, "Посередине: 8 499 765-43-21", `${what}: the viewport is swapped when swapNumbers resolves`);
    if (n > 8000 && scrolled) assert.equal(at.last, "Внизу: +7 495 123-45-67", `${what}: the rest follows swapNumbers`);
    else assert.deepEqual([at.top, at.last], ["Звоните: 8 (499) 765-43-21", "Внизу: +7 499 765-43-21"], `${what}: swapped whole when swapNumbers resolves`);
    await page.evaluate(() => window.handle.done);
    assert.equal(await text(page, "#last"), "Внизу: +7 499 765-43-21");
    assert.equal(await text(page, "#top"), "Звоните: 8 (499) 765-43-21");
    await page.unroute("**/slices.html");
  }
  assert.deepEqual(problems, []);
  await ctx.close();
});
