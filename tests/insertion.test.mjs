// The insertion mode on workerd: the Worker in front of a site (INSERT_ROUTES)
// fetches each page from the site's origin (a server here), leases the
// visit's numbers as POST /sessions does, and streams the page on with the
// tracking numbers written in. Requests are plain HTTP with the site's Host,
// as a visitor without JavaScript (or curl) sends them.
import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import { createServer, request } from "node:http";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, siteSpec } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";

const HOST = "clinic.test";
const site = "insert-clinic";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
const ADS = "/index.html?utm_source=yandex&utm_medium=cpc&utm_campaign=spring&yclid=1";

const PAGE = `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Клиника: +7 (495) 123-45-67</title>
<script type="application/ld+json">{"@type":"Dentist","telephone":"+7 (495) 123-45-67"}</script>
<style>.phone::after { content: "8 495 123-45-67"; }</style></head>
<body>
<header><a id="header" href="tel:+74951234567" title="Позвонить: 8 (495) 123-45-67">+7 (495) 123-45-67</a></header>
<p id="nbsp">Звоните: 8&nbsp;(495)&nbsp;123-45-67, ежедневно.</p>
<p id="lookalikes">ИНН 7707083893 · ОГРН 1027700132195 · +7 (495) 123-45-68</p>
<img id="img" alt="Телефон 8-495-123-45-67" src="x.png">
<form><textarea>8 495 123-45-67</textarea><input value="+7 495 123-45-67"></form>
<div id="legal" data-no-swap>Юр. адрес и телефон: +7 (495) 123-45-67</div>
<div id="keep" class="keep">Для прессы: +7 (495) 123-45-67</div>
</body></html>`;

let origin, w;
/** What the origin was asked, and a gate a page waits behind. */
const asked = [];
let gate = null;

/** The site's own server: pages, data, errors, as a real origin answers. */
async function startOrigin() {
  const server = createServer(async (req, res) => {
    asked.push({ method: req.method, url: req.url, host: req.headers.host, cookie: req.headers.cookie, ip: req.headers["x-forwarded-for"] });
    const path = req.url.split("?")[0];
    if (path === "/index.html") {
      return res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "public, max-age=600", etag: '"v1"' }).end(PAGE);
    }
    if (path === "/split.html") {
      // A number cut in two between the origin's writes; the second waits
      // until the visitor has had the first bytes (so they are two chunks,
      // and the page streams).
      res.writeHead(200, { "content-type": "text/html" });
      res.write(`<html><body><h1>Запись</h1><p id="split">Звоните: 8 (495) 12`);
      await gate.opened;
      return res.end(`3-45-67 с 9 до 21</p></body></html>`);
    }
    if (path === "/big.html") {
      // About 10 MB in 64 KB writes, a number in every one; the rest waits for the first bytes out.
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      const block = `<p>Звоните: +7 (495) 123-45-67. ${"Лечение зубов без боли. ".repeat(1600)}</p>\n`;
      res.write("<html><body>");
      await gate.opened;
      for (let i = 0; i < 160; i++) {
        if (!res.write(block)) await new Promise((r) => res.once("drain", r));
      }
      return res.end("</body></html>");
    }
    if (path === "/data.json") {
      const body = gzipSync(JSON.stringify({ phone: "+7 (495) 123-45-67" }));
      return res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(body);
    }
    if (path === "/gzip.html") {
      // A page the origin compresses, as most do.
      return res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-encoding": "gzip", vary: "Accept-Encoding" })
        .end(gzipSync(`<html><body><p id="gz">Звоните: +7 (495) 123-45-67</p></body></html>`));
    }
    if (path === "/cp1251.html") {
      return res.writeHead(200, { "content-type": "text/html; charset=windows-1251" }).end("<p>+7 (495) 123-45-67</p>");
    }
    if (path === "/broken.html") {
      return res.writeHead(500, { "content-type": "text/html" }).end("<p>Ошибка. Звоните +7 (495) 123-45-67</p>");
    }
    if (path === "/moved") {
      return res.writeHead(302, { location: "/index.html" }).end();
    }
    if (path === "/form") {
      let body = "";
      for await (const c of req) body += c;
      return res.writeHead(200, { "content-type": "text/plain" }).end(`got ${body}`);
    }
    res.writeHead(404, { "content-type": "text/html" }).end("<p>Нет такой страницы</p>");
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

function newGate() {
  let open;
  const opened = new Promise((r) => (open = r));
  return { opened, open };
}

/**
 * GET (or `method`) `path` of the site through the Worker, as a browser
 * without JavaScript would: the body as text, and `onFirst` called once
 * with the first bytes, while the rest may still be on its way.
 */
function visit(path, { headers = {}, method = "GET", body, onFirst } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(w.url);
    const req = request({ host: u.hostname, port: u.port, path, method, headers: { host: HOST, "user-agent": BROWSER, ...headers } }, (res) => {
      const chunks = [];
      let first = true;
      res.on("data", (c) => {
        chunks.push(c);
        if (first) {
          first = false;
          onFirst?.(Buffer.concat(chunks).toString());
        }
      });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, bytes: Buffer.concat(chunks), text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const cookieOf = (r) => (r.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).find((c) => c.startsWith("calltrack_sid="));
const tracking = (text) => text.match(/id="header" href="tel:(\+7499\d{7})"/)?.[1];

before(async () => {
  origin = await startOrigin();
  w = await startWorker({
    vars: { ADMIN_KEY, TEST_FAULTS: "on", INSERT_ROUTES: `${HOST}/ ${site} ${origin.url}, ${HOST}/elsewhere/ no-such-site ${origin.url}` },
  });
  await createSite(w, site, siteSpec({
    origins: [`http://${HOST}`],
    ignore_selectors: [".keep"],
    targets: [{
      number: "8 (495) 123-45-67",
      label: "Main",
      pool: Array.from({ length: 40 }, (_, i) => `+7499${String(1000000 + i).padStart(7, "0")}`),
      fallback: "+74990009999",
      static_numbers: { direct: "+74990008877" },
    }],
  }));
});
after(async () => {
  await w?.stop();
  await origin?.close();
});

describe("the number in the HTML", () => {
  test("a first visit's page carries its tracking number in each of the page's forms; what must stay, stays", async () => {
    const r = await visit(ADS);
    assert.equal(r.status, 200);
    const number = tracking(r.text);
    assert.ok(number, r.text);
    const [, a, b, c] = number.match(/^\+7(499)(\d{3})(\d{4})$/);
    const [c1, c2] = [c.slice(0, 2), c.slice(2)];
    // Text, a link, a title, an image's alt, entities kept as they were written.
    assert.match(r.text, new RegExp(`title="Позвонить: 8 \\(${a}\\) ${b}-${c1}-${c2}">\\+7 \\(${a}\\) ${b}-${c1}-${c2}</a>`));
    assert.match(r.text, new RegExp(`<p id="nbsp">Звоните: 8&nbsp;\\(${a}\\)&nbsp;${b}-${c1}-${c2}, ежедневно.</p>`));
    assert.match(r.text, new RegExp(`alt="Телефон 8-${a}-${b}-${c1}-${c2}"`));
    // The document's title too, as the page script writes it.
    assert.match(r.text, new RegExp(`<title>Клиника: \\+7 \\(${a}\\) ${b}-${c1}-${c2}</title>`));
    // The site's number stays only where it must: the head's JSON-LD and styles,
    // form fields, [data-no-swap] and the site's ignore_selectors.
    const left = [...r.text.matchAll(/(?:\+7|8)[ -(]*495[ )&nbsp;-]*123-45-67/g)].length;
    assert.equal(left, 6, r.text);
    for (const stays of ['"telephone":"+7 (495) 123-45-67"', 'content: "8 495 123-45-67"',
      "<textarea>8 495 123-45-67</textarea>", '<input value="+7 495 123-45-67">', "телефон: +7 (495) 123-45-67</div>", "Для прессы: +7 (495) 123-45-67</div>"]) {
      assert.ok(r.text.includes(stays), stays);
    }
    assert.ok(r.text.includes("ИНН 7707083893 · ОГРН 1027700132195 · +7 (495) 123-45-68"), "look-alikes stay");
    // The visit's session: a first-party cookie the page script reads, on <html> too; the page is the visitor's own.
    const cookie = cookieOf(r);
    assert.match(cookie, /^calltrack_sid=[0-9a-f]{32}$/);
    assert.match(r.headers["set-cookie"].join(), /Path=\/; Max-Age=\d+; SameSite=Lax/);
    assert.ok(r.text.includes(`<html lang="ru" data-calltrack-session="${cookie.split("=")[1]}">`));
    assert.equal(r.headers["cache-control"], "private, no-store");
    assert.equal(r.headers.etag, undefined, "the origin's tag named another body");
    // The origin was asked for the page itself, with its path and query.
    assert.deepEqual(asked.at(-1), { method: "GET", url: ADS, host: new URL(origin.url).host, cookie: undefined, ip: undefined });
  });

  test("the same visitor, by the cookie, keeps the number; a call to it is that visit's", async () => {
    const first = await visit(`${ADS}&n=2`);
    const cookie = cookieOf(first);
    const again = await visit("/index.html", { headers: { cookie: `theme=dark; ${cookie}` } });
    assert.equal(tracking(again.text), tracking(first.text));
    // The origin gets the visitor's cookies as they came.
    assert.equal(asked.at(-1).cookie, `theme=dark; ${cookie}`);
    // A visitor without JavaScript calls the number the HTML showed: attributed to that visit.
    const r = await call(w, "POST", `/v1/sites/${site}/calls`, {
      body: { call_id: "insert-1", tracking_number: tracking(first.text), caller: "+79161234567" },
      key: ADMIN_KEY, template: "/v1/sites/{site}/calls",
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.attribution.session_id, cookie.split("=")[1]);
    assert.equal(r.body.attribution.channel.campaign, "spring");
  });

  test("a bot gets the static number, no cookie, and the origin's caching", async () => {
    const r = await visit("/index.html", { headers: { "user-agent": "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)" } });
    assert.equal(r.status, 200);
    assert.equal(tracking(r.text), "+74990008877");
    assert.equal(cookieOf(r), undefined);
    assert.equal(r.headers["cache-control"], "public, max-age=600");
    assert.ok(!r.text.includes("data-calltrack-session"));
  });

  test("a number cut between the origin's chunks is rewritten, and the page's first bytes leave before its last", async () => {
    gate = newGate();
    const r = await visit(`/split.html?utm_source=google&utm_medium=cpc`, { onFirst: (text) => {
      // The first bytes are out while the origin still holds the rest.
      assert.ok(text.startsWith("<html"), text);
      gate.open();
    } });
    assert.match(r.text, /<p id="split">Звоните: 8 \(499\) \d{3}-\d{2}-\d{2} с 9 до 21<\/p>/);
  });

  test("a 10 MB page streams through, every number in it rewritten", async () => {
    gate = newGate();
    let early = false;
    const r = await visit("/big.html?utm_source=google&utm_medium=cpc&n=big", { onFirst: () => {
      early = true;
      gate.open();
    } });
    assert.ok(early);
    assert.ok(r.bytes.length > 10_000_000, `${r.bytes.length} bytes`);
    assert.equal((r.text.match(/\+7 \(495\) 123-45-67/g) ?? []).length, 0);
    assert.equal((r.text.match(/\+7 \(499\) \d{3}-\d{2}-\d{2}\./g) ?? []).length, 160);
  });

  test("a page the origin compressed is read and rewritten", async () => {
    const r = await visit(`/gzip.html?utm_source=google&utm_medium=cpc`, { headers: { "accept-encoding": "gzip" } });
    const text = r.headers["content-encoding"] === "gzip" ? gunzipSync(r.bytes).toString() : r.text;
    assert.match(text, /<p id="gz">Звоните: \+7 \(499\) \d{3}-\d{2}-\d{2}<\/p>/);
  });

  test("what is not a page of the site in UTF-8 passes through as it came", async () => {
    const json = await visit("/data.json?utm_source=google&utm_medium=cpc", { headers: { "accept-encoding": "gzip" } });
    assert.equal(json.headers["content-encoding"], "gzip");
    assert.deepEqual(JSON.parse(gunzipSync(json.bytes)), { phone: "+7 (495) 123-45-67" });
    const cp = await visit("/cp1251.html");
    assert.equal(cp.text, "<p>+7 (495) 123-45-67</p>");
    const broken = await visit("/broken.html");
    assert.equal(broken.status, 500);
    assert.equal(broken.text, "<p>Ошибка. Звоните +7 (495) 123-45-67</p>");
    const moved = await visit("/moved");
    assert.equal(moved.status, 302);
    assert.equal(moved.headers.location, "/index.html");
    // A form posts to the origin with its body.
    const form = await visit("/form", { method: "POST", body: "name=Анна", headers: { "content-type": "application/x-www-form-urlencoded" } });
    assert.equal(form.text, "got name=Анна");
    // The API keeps its own paths on the site's host.
    const health = await visit("/healthz");
    assert.match(health.text, /"status":"ok"/);
  });

  test("one address cannot take the pool through page views: past its cap its pages show the fallback", async () => {
    // As a self-hoster's proxy says (X-Real-IP): one client, 30 first visits.
    const FALLBACK = "+74990009999";
    const held = new Set();
    let capped = 0;
    for (let i = 0; i < 30; i++) {
      const r = await visit(`${ADS}&flood=${i}`, { headers: { "x-real-ip": "203.0.113.9" } });
      assert.equal(r.status, 200, "every page is served");
      const n = tracking(r.text);
      if (n && n !== FALLBACK) held.add(n);
      else capped += 1;
    }
    // The live-lease cap per client (a tenth of the pool by default): the rest stays for others.
    assert.ok(held.size <= 4, `${[...held]}`);
    assert.ok(capped >= 26, `${capped} pages without a number of the pool`);
    const other = tracking((await visit(ADS, { headers: { "x-real-ip": "198.51.100.7", "x-forwarded-for": "10.0.0.1" } })).text);
    // The origin is told the visitor's address as the edge read it, not as the visitor wrote it.
    assert.equal(asked.at(-1).ip, "198.51.100.7");
    assert.ok(other && other !== FALLBACK && !held.has(other), `another visitor gets a number of its own (${other})`);
  });

  test("a page whose numbers cannot be leased goes out with its own, never blank", async () => {
    const r = await visit("/elsewhere/index.html");
    assert.equal(r.status, 200);
    assert.equal(r.text, PAGE);
    assert.equal(cookieOf(r), undefined);
    // A lease that does not come (a test build holds it) within the deadline: the page as it is.
    const held = await visit(ADS, { headers: { "x-calltrack-test-hold-lease": "1" } });
    assert.equal(held.status, 200);
    assert.equal(held.text, PAGE);
    assert.equal(cookieOf(held), undefined);
    assert.equal(held.headers["cache-control"], "public, max-age=600");
  });
});
