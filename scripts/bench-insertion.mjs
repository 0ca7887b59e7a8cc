// The insertion mode's cost to a visitor: time to the first byte and to the
// last of a 5,000-element page, straight from the origin and through the
// Worker (a first visit, leased then; a return visit, by its cookie), in the
// same run, one request at a time; and where in the HTML the tracking number
// is. Starts its own origin and workerd (the build in edge-worker/build).
//   node scripts/bench-insertion.mjs [--requests 200]
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { log, root } from "./lib.mjs";
import { spawnWorkerd, workerdBin, writeWorkerdConfig } from "./workerd.mjs";

const requests = Number(process.argv[process.argv.indexOf("--requests") + 1]) || 200;
const HOST = "clinic.bench";

/** The page: 5,000 elements, the site's number in one card of 25. */
function page() {
  let s = `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Клиника</title></head><body><header><a href="tel:+74951234567">+7 (495) 123-45-67</a></header><main>`;
  for (let i = 0, n = 3; n < 5000; i++, n += 4) {
    s += `<div class="card"><h3>Имплантация зубов</h3><p>Приём врача от 1 500 ₽, запись на 12.03.2024 с 09:00 до 21:00. ${i % 25 ? "ИНН 7707083893." : "Телефон: 8 (495) 123-45-67."} <a href="/prices">Цены</a></p></div>\n`;
  }
  return `${s}</main></body></html>`;
}
const PAGE = Buffer.from(page());

const origin = createServer((req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE));
await new Promise((r) => origin.listen(0, "127.0.0.1", r));
const originPort = origin.address().port;

const port = 18000 + Math.floor(Math.random() * 2000);
const adminKey = randomBytes(16).toString("hex");
const config = writeWorkerdConfig({ outbound: ["public", "private", "local"], file: "workerd-bench.capnp" });
const child = spawnWorkerd({
  config,
  address: `127.0.0.1:${port}`,
  state: mkdtempSync(join(tmpdir(), "calltrack-bench-")),
  vars: { ADMIN_KEY: adminKey, INSERT_ROUTES: `${HOST}/ bench http://127.0.0.1:${originPort}/` },
});
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch {}
  if (i > 300) throw new Error("workerd did not start");
  await new Promise((r) => setTimeout(r, 100));
}
// The other way the issue names: workerd's own HTMLRewriter (native
// lol-html), from a JS worker whose handlers read every element and text and
// do nothing: the floor of a rewriter built on it, here, in the same run.
const jsDir = mkdtempSync(join(tmpdir(), "calltrack-htmlrewriter-"));
const jsPort = port + 1;
const compat = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(join(root, "edge-worker", "wrangler.toml"), "utf8"))[1];
writeFileSync(join(jsDir, "w.js"), `export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const r = await fetch(env.ORIGIN + url.pathname + url.search);
    let n = 0;
    return new HTMLRewriter().on("*", { element() { n++; } }).onDocument({ text(t) { n += t.text.length; } }).transform(r);
  },
};
`);
writeFileSync(join(jsDir, "w.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w), (name = "internet", network = (allow = ["public", "private", "local"]))],
  sockets = [(name = "http", address = "127.0.0.1:${jsPort}", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [(name = "w.js", esModule = embed "w.js")],
  compatibilityDate = "${compat}",
  bindings = [(name = "ORIGIN", text = "http://127.0.0.1:${originPort}")],
  globalOutbound = "internet",
);
`);
const jsChild = spawn(workerdBin(), ["serve", join(jsDir, "w.capnp")], { stdio: "ignore", detached: true });
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${jsPort}/`)).ok) break;
  } catch {}
  if (i > 300) throw new Error("the HTMLRewriter worker did not start");
  await new Promise((r) => setTimeout(r, 100));
}
const pool = Array.from({ length: requests + 50 }, (_, i) => `+7499${String(1000000 + i).padStart(7, "0")}`);
const put = await fetch(`http://127.0.0.1:${port}/v1/sites/bench`, {
  method: "PUT",
  headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
  body: JSON.stringify({ name: "Bench", origins: [`http://${HOST}`], region: "RU", targets: [{ number: "+74951234567", pool }], fixation_secs: 1800, heartbeat_secs: 60 }),
});
if (!put.ok) throw new Error(`site: ${put.status} ${await put.text()}`);

/** One GET: ms to the first byte of the body and to the last, the body, the headers. */
function get(p, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = null;
    const chunks = [];
    const req = request({ host: "127.0.0.1", port: p, path: "/?utm_source=google&utm_medium=cpc", headers: { host: HOST, "user-agent": "Mozilla/5.0 Chrome/156.0", ...headers } }, (res) => {
      res.on("data", (c) => {
        first ??= performance.now() - t0;
        chunks.push(c);
      });
      res.on("end", () => resolve({ first, last: performance.now() - t0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const rows = { straight: [], native: [], first: [], again: [] };
for (let i = 0; i < 20; i++) await get(originPort); // warm up both
const warm = await get(port, { "x-real-ip": "10.2.0.1" });
const cookie = warm.headers["set-cookie"]?.[0]?.split(";")[0];
for (let i = 0; i < requests; i++) {
  rows.straight.push(await get(originPort));
  rows.native.push(await get(jsPort));
  // Each first visit from an address of its own (as the proxy's X-Real-IP says), as visitors come.
  rows.first.push(await get(port, { "x-real-ip": `10.1.${i >> 8}.${i & 255}` }));
  rows.again.push(await get(port, { cookie, "x-real-ip": "10.2.0.1" }));
}
const one = rows.first.at(-1).body.toString();
const rewritten = (r) => !/\+7 \(495\) 123-45-67|8 \(495\) 123-45-67/.test(r.body.toString());
log(`rewritten: ${rows.first.filter(rewritten).length} of ${requests} first visits, ${rows.again.filter(rewritten).length} of ${requests} return visits`);
const at = one.search(/\+7 \(499\) \d{3}-\d{2}-\d{2}/);
log(`page: ${(PAGE.length / 1e3).toFixed(0)} KB, 5,000 elements; ${requests} requests of each, one at a time`);
console.log("| the page | first byte p50 ms | p99 | last byte p50 ms | p99 |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, label] of [
  ["straight", "straight from the origin (baseline)"],
  ["native", "through a JS worker with workerd's HTMLRewriter reading every element and text, doing nothing (the other way's floor)"],
  ["first", "through the Worker, a first visit (leased)"],
  ["again", "through the Worker, a return visit (its cookie)"],
]) {
  const f = rows[name].map((r) => r.first);
  const l = rows[name].map((r) => r.last);
  console.log(`| ${label} | ${pct(f, 0.5).toFixed(1)} | ${pct(f, 0.99).toFixed(1)} | ${pct(l, 0.5).toFixed(1)} | ${pct(l, 0.99).toFixed(1)} |`);
}
console.log(`\nthe tracking number: at byte ${Buffer.byteLength(one.slice(0, at))} of the HTML (in the HTML itself: no round trip after the response starts); the site's number where a tracking number belongs: ${(one.match(/\+7 \(495\) 123-45-67|8 \(495\) 123-45-67/g) ?? []).length} times`);
child.kill("SIGTERM");
jsChild.kill("SIGTERM");
origin.close();
