// Browser benchmarks in Debian's Chromium, all in one run:
// 1. swap time on a large page (about 5,000 text nodes, 20 of the site's
//    numbers in many formats, many look-alikes): our wasm swapper, the usual
//    TreeWalker + regular expression snippet, and libphonenumber-js
//    findNumbers over the same page, and the floor under all of them (every
//    text read, nothing else); then ours and the snippet paired in one load,
//    each on a copy of the page's content;
// 2. long tasks of the swap on 5,000 and 20,000 nodes, also on first page
//    views (a new browser context each) and for content added later;
// 3. sizes (gzip -9): our loader + entry + wasm, libphonenumber-js's builds;
// 4. on the demo page: time from navigation until the tracking number is
//    visible, and whether the original number was ever painted.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { launch, serve } from "../tests/support/browser.mjs";
import { freePort, startWorker } from "../tests/support/workerd.mjs";
import { root } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS || 11);
// The paired swap takes a tenth of a second a load: more loads, a steadier median.
const PAIRED = RUNS * 4;
// The page reads national forms from its region's numbering line (the edge sends it).
const RU_LINE = execFileSync("cargo", ["run", "-q", "-p", "swap-wasm", "--example", "scan", "--", "--numbering", "RU"], { cwd: root, encoding: "utf8" }).trim();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A big page: `size` text nodes; 20 target numbers in various forms; look-alikes everywhere. */
function bigPage(size = 5000) {
  const forms = [
    "+7 (495) 123-45-67", "8 (495) 123-45-67", "+7 495 123 45 67", "8-495-123-45-67", "+74951234567",
    "8 495 1234567", "(495) 123-45-67", "+7\u00a0495\u00a0123-45-67", "8 (495) 123 45 67", "+7-495-123-45-67",
  ];
  const lookalikes = [
    "Заказ №4951234567 от 12.03.2024", "ИНН 7707083893", "Цена 45 000 ₽, скидка 12%", "IP 192.168.100.200",
    "Версия 4.95.123.45", "Индекс 123456, офис 495", "Склад: +7 (812) 555-12-34", "Тел. поддержки 8 800 555-35-35",
    "Время работы 09:00–21:00", "Артикул 495-123-4567-89", "Счёт 40702810900000012345", "Дата 2024-03-12 14:45:07",
  ];
  const parts = [];
  let targets = 0;
  for (let i = 0; i < size; i++) {
    if (i % 250 === 17 && targets < 20) {
      parts.push(`<p>Звоните: ${forms[targets % forms.length]}</p>`);
      targets++;
    } else if (i % 3 === 0) {
      parts.push(`<p>${lookalikes[i % lookalikes.length]} — позиция ${i}</p>`);
    } else {
      parts.push(`<span>Текст абзаца ${i}, немного слов и чисел ${i * 7}. </span>`);
    }
  }
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>big</title></head><body>${parts.join("\n")}</body></html>`;
}

const sizeOf = (p) => gzipSync(readFileSync(p), { level: 9 }).length;

/** The usual snippet: digits of the number with optional separators, +7 or 8 in front; how many it swapped under `root`. */
const SNIPPET = (root) => {
  const re = /(?:\+7|8)?[\s\u00a0\-()]*495[\s\u00a0\-()]*123[\s\u00a0\-]*45[\s\u00a0\-]*67/g;
  const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let swapped = 0;
  for (let n = w.nextNode(); n; n = w.nextNode()) {
    if (re.test(n.nodeValue)) {
      re.lastIndex = 0;
      n.nodeValue = n.nodeValue.replace(re, () => (swapped++, "+7 (499) 765-43-21"));
    }
  }
  return swapped;
};

const page = bigPage();
const hugePage = bigPage(20000);
const server = await serve({
  "/dist/": join(root, "dist"),
  "/lib/": join(root, "node_modules", "libphonenumber-js", "bundle"),
});
const browser = await launch();
// By page: each method's times, and ours and the snippet's paired in one load.
const byPage = { "5,000": { path: "big.html", results: {}, paired: [] }, "20,000": { path: "huge.html", results: {}, paired: [] } };
try {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  // Russia's numbering line, as the edge sends it with the lease.
  await p.addInitScript(`globalThis.RU_LINE = ${JSON.stringify(RU_LINE)};`);
  await p.route("**/big.html", (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: page }));
  await p.route("**/huge.html", (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: hugePage }));
  const methods = {
    "calltrack (wasm)": async () => {
      const { swapNumbers, load } = await import("/dist/index.js");
      await load();
      const t = performance.now();
      const h = await swapNumbers({ numbers: { "+74951234567": "+74997654321" }, region: "RU", numbering: globalThis.RU_LINE, observe: false });
      await h.done;
      const ms = performance.now() - t;
      return { ms, swapped: h.stats().swapped };
    },
    // What neither can do without: a TreeWalker over the texts, reading each
    // (nothing tested, nothing written). The browser makes a string of each
    // text when it is first read; that, and the walk, are most of either's time.
    "floor: every text read, nothing else": async () => {
      const t = performance.now();
      const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      let chars = 0;
      for (let n = w.nextNode(); n; n = w.nextNode()) chars += n.nodeValue.length;
      return { ms: performance.now() - t, swapped: 0, chars };
    },
    "TreeWalker + RegExp snippet": async (snippet) => {
      const run = (0, eval)(snippet);
      const t = performance.now();
      const swapped = run(document.body);
      return { ms: performance.now() - t, swapped };
    },
    "libphonenumber-js findNumbers": async () => {
      await new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = "/lib/libphonenumber-min.js";
        s.onload = resolve;
        s.onerror = reject;
        document.head.append(s);
      });
      const { findNumbers } = window.libphonenumber;
      const t = performance.now();
      const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      let swapped = 0;
      for (let n = w.nextNode(); n; n = w.nextNode()) {
        const text = n.nodeValue;
        if (!/\d/.test(text)) continue;
        const found = findNumbers(text, "RU", { v2: true }).filter((f) => f.number.number === "+74951234567");
        if (found.length === 0) continue;
        let out = text;
        for (const f of found.reverse()) out = out.slice(0, f.startsAt) + "+7 (499) 765-43-21" + out.slice(f.endsAt);
        swapped += found.length;
        n.nodeValue = out;
      }
      return { ms: performance.now() - t, swapped };
    },
  };
  // The methods take turns, load by load: a machine that slows down or
  // speeds up during the run weighs on each alike.
  for (const { path, results, paired } of Object.values(byPage)) {
    for (const name of Object.keys(methods)) results[name] = { times: [], swapped: 0, changedLookalikes: 0 };
    for (let i = 0; i < RUNS; i++) {
      for (const [name, fn] of Object.entries(methods)) {
        await p.goto(`${server.url}/${path}`);
        const before = await p.evaluate(() => [...document.querySelectorAll("p")].map((e) => e.textContent));
        // Each method meets the page laid out and painted, as a page's script does.
        await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r))));
        const r = await p.evaluate(`(${fn.toString()})(${JSON.stringify(SNIPPET.toString())})`);
        const after = await p.evaluate(() => [...document.querySelectorAll("p")].map((e) => e.textContent));
        results[name].times.push(r.ms);
        results[name].swapped = r.swapped;
        results[name].changedLookalikes = before.filter((t, k) => !t.startsWith("Звоните") && t !== after[k]).length;
      }
    }
    for (const r of Object.values(results)) r.ms = median(r.times);
    // Paired in one load: the page's content twice, one copy swapped by us and
    // the other by the snippet, taking turns who goes first. Whatever state the
    // machine is in during a load, both meet it.
    for (let i = 0; i < PAIRED; i++) {
      await p.goto(`${server.url}/${path}`);
      paired.push(await p.evaluate(async ([oursFirst, snippet]) => {
        const { swapNumbers, load } = await import("/dist/index.js");
        await load();
        const copies = [0, 1].map(() => {
          const box = document.createElement("div");
          box.append(...document.body.cloneNode(true).childNodes);
          return box;
        });
        document.body.replaceChildren(...copies);
        // Laid out and painted, as a page is when its script runs: the
        // copies' first layout and paint (which reading the scroll or a hit
        // test would force, and which a swap that yields would meet between
        // its slices) are the bench's own doing, counted against neither.
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
        const [mine, theirs] = oursFirst ? copies : copies.reverse();
        const ours = async () => {
          const t = performance.now();
          const h = await swapNumbers({ numbers: { "+74951234567": "+74997654321" }, region: "RU", numbering: globalThis.RU_LINE, observe: false, root: mine });
          await h.done;
          if (h.stats().swapped !== 20) throw new Error(`swapped ${h.stats().swapped} of 20`);
          return performance.now() - t;
        };
        const run = (0, eval)(snippet);
        const snip = () => {
          const t = performance.now();
          const n = run(theirs);
          if (n < 20) throw new Error(`the snippet swapped ${n}, not every one of the 20`);
          return performance.now() - t;
        };
        // Between the two, a frame: the layout that the first one's writes
        // call for is its own (the snippet rewrites 830 or 3,330 look-alikes
        // too), not a cost for the second, which yields between its slices
        // and would meet it there.
        const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
        if (oursFirst) {
          const o = await ours();
          await frame();
          return [o, snip()];
        }
        const s = snip();
        await frame();
        return [await ours(), s];
      }, [i % 2 === 0, SNIPPET.toString()]));
    }
  }
  await ctx.close();
} catch (e) {
  await server.close();
  throw e;
}

for (const [size, { results, paired }] of Object.entries(byPage)) {
  console.log(`\nswap on a large page: ${size} text nodes, 20 of the site's numbers in 10 forms, ~${size === "5,000" ? "1,700" : "6,700"} look-alikes (median of ${RUNS} loads, Chromium)`);
  console.log("| method | time ms | first load, ms (code not yet compiled) | numbers swapped (of 20) | look-alikes changed |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${r.ms.toFixed(1)} | ${r.times[0].toFixed(1)} | ${r.swapped} | ${r.changedLookalikes} |`);

  // Ours against the snippet: the ratio of the medians, and how it spreads
  // from load to load (each load of ours next to the snippet's that followed it).
  const ours = results["calltrack (wasm)"].times;
  const snippet = results["TreeWalker + RegExp snippet"].times;
  const pairs = ours.map((t, i) => t / snippet[i]).sort((a, b) => a - b);
  // The ratio at quantile `f` of sorted `xs`.
  const q = (xs, f) => xs[Math.min(xs.length - 1, Math.floor(xs.length * f))].toFixed(2);
  const at = (f) => q(pairs, f);
  console.log(`\ncalltrack / snippet: ${(median(ours) / median(snippet)).toFixed(2)}x (medians); load by load ${at(0)}x to ${at(1)}x, middle half ${at(0.25)}x to ${at(0.75)}x`);
  // Above the floor: what each adds to reading the texts (medians).
  const floor = median(results["floor: every text read, nothing else"].times);
  console.log(`above the floor (${floor.toFixed(1)} ms): calltrack ${(median(ours) - floor).toFixed(1)} ms, snippet ${(median(snippet) - floor).toFixed(1)} ms`);
  const ratios = paired.map(([a, b]) => a / b).sort((a, b) => a - b);
  const pat = (f) => q(ratios, f);
  console.log(`paired in one load (two copies of the page's content, one each, taking turns who goes first; ${PAIRED} loads): calltrack ${median(paired.map((x) => x[0])).toFixed(1)} ms, snippet ${median(paired.map((x) => x[1])).toFixed(1)} ms; ratio ${pat(0.5)}x (median of the loads), middle half ${pat(0.25)}x to ${pat(0.75)}x`);
}

// Long tasks: the swap of the 5,000- and 20,000-node pages, watched by a longtask observer.
{
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  // Russia's numbering line, as the edge sends it with the lease.
  await p.addInitScript(`globalThis.RU_LINE = ${JSON.stringify(RU_LINE)};`);
  await p.route("**/big.html", (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: page }));
  await p.route("**/huge.html", (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: hugePage }));
  console.log(`\nlong tasks during the swap (a task over 50 ms counts against Total Blocking Time; ${RUNS} loads each, Chromium: times are medians, the longest task and the count are over all loads)`);
  console.log("| page | swapNumbers resolved, ms | whole page swapped, ms | longest task, ms | tasks over 50 ms |");
  console.log("|---|---:|---:|---:|---:|");
  const swapWatched = async () => {
    const { swapNumbers, load } = await import("/dist/index.js");
    await load();
    const tasks = [];
    const po = new PerformanceObserver((l) => tasks.push(...l.getEntries().map((e) => e.duration)));
    po.observe({ type: "longtask" });
    await new Promise((r) => setTimeout(r, 20)); // the swap starts in a task of its own, observed
    const t = performance.now();
    const h = await swapNumbers({ numbers: { "+74951234567": "+74997654321" }, region: "RU", numbering: globalThis.RU_LINE, observe: false });
    const first = performance.now() - t;
    await h.done;
    const all = performance.now() - t;
    await new Promise((r) => setTimeout(r, 100)); // the observer reports after the task
    po.disconnect();
    return { first, all, longest: Math.max(0, ...tasks), over: tasks.length };
  };
  const row = (name, rows) => {
    const m = (k) => median(rows.map((r) => r[k]));
    const over = rows.reduce((n, r) => n + r.over, 0);
    console.log(`| ${name} | ${m("first").toFixed(1)} | ${m("all").toFixed(1)} | ${Math.max(...rows.map((r) => r.longest)).toFixed(0)} | ${over} |`);
  };
  for (const [name, path] of [["5,000 text nodes", "big.html"], ["20,000 text nodes", "huge.html"]]) {
    const rows = [];
    for (let i = 0; i < RUNS; i++) {
      await p.goto(`${server.url}/${path}`);
      rows.push(await p.evaluate(swapWatched));
    }
    row(name, rows);
  }
  // A visitor's first page view: a new browser context each time, so nothing
  // of ours is compiled yet (the wasm's functions are compiled as they are first
  // called, the page walk starts in the interpreter).
  for (const [name, body] of [["5,000", page], ["20,000", hugePage]]) {
    const cold = [];
    for (let i = 0; i < RUNS; i++) {
      const fresh = await browser.newContext();
      const q = await fresh.newPage();
      await q.addInitScript(`globalThis.RU_LINE = ${JSON.stringify(RU_LINE)};`);
      await q.route("**/cold.html", (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body }));
      await q.goto(`${server.url}/cold.html`);
      cold.push(await q.evaluate(swapWatched));
      await fresh.close();
    }
    row(`${name} text nodes, first page view (a new browser context each load: nothing compiled yet)`, cold);
  }
  // Content a single-page app adds later: 20,000 text nodes in one insertion, built
  // beforehand (the page's own parsing is not ours to count), watched from the append on.
  const added = [];
  for (let i = 0; i < RUNS; i++) {
    await p.goto(`${server.url}/big.html`);
    added.push(await p.evaluate(async (html) => {
      const { swapNumbers, load } = await import("/dist/index.js");
      await load();
      const h = await swapNumbers({ numbers: { "+74951234567": "+74997654321" }, region: "RU", numbering: globalThis.RU_LINE });
      await h.done;
      const box = document.createElement("div");
      box.innerHTML = html.slice(html.indexOf("<body>") + 6, html.indexOf("</body>")) + '<p id="last">8 (495) 123-45-67</p>';
      await new Promise((r) => setTimeout(r, 50));
      const tasks = [];
      const po = new PerformanceObserver((l) => tasks.push(...l.getEntries().map((e) => e.duration)));
      po.observe({ type: "longtask" });
      await new Promise((r) => setTimeout(r, 20));
      const t = performance.now();
      document.body.append(box);
      while (!document.getElementById("last").textContent.includes("499")) await new Promise((r) => setTimeout(r, 5));
      const all = performance.now() - t;
      await new Promise((r) => setTimeout(r, 100));
      po.disconnect();
      return { all, longest: Math.max(0, ...tasks), over: tasks.length };
    }, hugePage));
  }
  console.log(`| 20,000 text nodes added later (one insertion) | — | ${median(added.map((r) => r.all)).toFixed(1)} | ${Math.max(...added.map((r) => r.longest)).toFixed(0)} | ${added.reduce((n, r) => n + r.over, 0)} |`);
  await ctx.close();
  await server.close();
}

const ours = ["swap.js", "index.js", "swap_wasm_bg.wasm"].map((f) => sizeOf(join(root, "dist", f)));
console.log("\nsizes, gzip -9 bytes");
console.log("| what | gzip bytes |");
console.log("|---|---:|");
console.log(`| calltrack script tag: swap.js (loader, lease client, glue, page walk: one script) + wasm | ${ours[0] + ours[2]} (${ours[0]} + ${ours[2]}) |`);
console.log(`| calltrack ESM entry for bundlers: index.js + wasm | ${ours[1] + ours[2]} (${ours[1]} + ${ours[2]}) |`);
for (const f of ["libphonenumber-min.js", "libphonenumber-max.js"]) {
  console.log(`| libphonenumber-js ${f.replace("libphonenumber-", "").replace(".js", "")} build (parsing and findNumbers only, no DOM) | ${sizeOf(join(root, "node_modules", "libphonenumber-js", "bundle", f))} |`);
}
console.log("| AMP amp-call-tracking | not measured: published only on cdn.ampproject.org, not reachable from this machine |");

// Time to the tracking number on the demo page, and whether the original was ever painted.
const ADMIN_KEY = randomBytes(16).toString("hex");
// The same pages also through the insertion mode (/through/: the Worker as their origin).
const port = await freePort();
const w = await startWorker({ port, vars: { ADMIN_KEY, INSERT_ROUTES: `127.0.0.1:${port}/through/ demo http://127.0.0.1:${port}/demo/` } });
try {
  const spec = JSON.parse(readFileSync(join(root, "examples", "site.json"), "utf8"));
  spec.origins = [w.url];
  spec.limits = { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 10000 };
  const put = await fetch(`${w.url}/v1/sites/demo`, { method: "PUT", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: JSON.stringify(spec) });
  if (!put.ok) throw new Error(`site: ${put.status}`);
  const watch = () => {
    // Every frame: is the header number the tracking one, and is the original visible?
    window.__paint = { shownAt: null, originalPainted: false };
    const frame = () => {
      const el = document.getElementById("header-phone");
      if (el && document.body) {
        const visible = getComputedStyle(document.body).opacity !== "0";
        const text = el.textContent;
        if (visible && text.includes("123-45-67")) window.__paint.originalPainted = true;
        if (visible && !text.includes("123-45-67") && window.__paint.shownAt === null) window.__paint.shownAt = performance.now();
      }
      if (window.__paint.shownAt === null) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  // Chromium's network emulation: 150 ms round trip, 1.6 Mbit/s down.
  const RTT = 150;
  const KINDS = ["first", "reload", "through", "through-reload"];
  const rows = Object.fromEntries(KINDS.map((k) => [k, []]));
  const dcl = Object.fromEntries(KINDS.map((k) => [k, []]));
  const painted = Object.fromEntries(KINDS.map((k) => [k, 0]));
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext();
    await ctx.addInitScript(watch);
    const p = await ctx.newPage();
    const cdp = await ctx.newCDPSession(p);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: RTT, downloadThroughput: 200_000, uploadThroughput: 100_000 });
    for (const kind of KINDS) {
      if (kind === "first") await p.goto(`${w.url}/demo/?utm_source=google&utm_medium=cpc&gclid=bench${i}`);
      else if (kind === "through") await p.goto(`${w.url}/through/?utm_source=google&utm_medium=cpc&gclid=through${i}`);
      else await p.reload();
      await p.waitForFunction(() => window.__paint.shownAt !== null, null, { timeout: 20_000 });
      const r = await p.evaluate(() => ({ ...window.__paint, dcl: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd }));
      rows[kind].push(r.shownAt);
      dcl[kind].push(r.dcl);
      if (r.originalPainted) painted[kind]++;
    }
    await ctx.close();
  }
  console.log(`\nthe demo page (served by the worker on workerd) under Chromium's network emulation (${RTT} ms round trip, 1.6 Mbit/s down): time from navigation start until the tracking number is visible (median of ${RUNS} visitors)`);
  console.log("| visit | DOMContentLoaded, ms | number visible, ms | after DOMContentLoaded | floor (DOMContentLoaded + one lease round trip) | the original number was painted |");
  console.log("|---|---:|---:|---:|---:|---|");
  for (const [kind, label] of [
    ["first", "first (no session yet: lease over the network)"],
    ["reload", "reload (cached lease, files from the HTTP cache)"],
    ["through", "first through the insertion mode (/through/: the number in the HTML)"],
    ["through-reload", "reload through the insertion mode (its cookie)"],
  ]) {
    const d = median(dcl[kind]);
    const v = median(rows[kind]);
    console.log(`| ${label} | ${d.toFixed(0)} | ${v.toFixed(0)} | ${(v - d).toFixed(0)} ms (${((v - d) / RTT).toFixed(1)} round trips) | ${(d + RTT).toFixed(0)} | ${painted[kind]} of ${RUNS} |`);
  }
} finally {
  await w.stop();
  await browser.close();
}
