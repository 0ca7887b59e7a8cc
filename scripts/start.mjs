// npm start: builds what exists and starts it: the edge worker on workerd
// itself (no dev proxy; the config the build writes, local state in
// .wrangler/workerd), on 127.0.0.1:$PORT (8787). `wrangler dev` (hot reload)
// stays for development: `npx wrangler dev` in edge-worker/.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBrowser, buildWorker } from "./build.mjs";
import { demoSpendCsv } from "./demo-spend.mjs";
import { fail, log, root } from "./lib.mjs";
import { spawnWorkerd, writeWorkerdConfig } from "./workerd.mjs";

const port = Number(process.env.PORT || 8787);
if (!Number.isInteger(port) || port <= 0 || port > 65535) fail(`PORT=${process.env.PORT} is not a port number.`);

try {
  await buildWorker();
  await buildBrowser();
} catch (e) {
  fail(e.message);
}

// The deployment's admin key: a secret, generated once per checkout, never in the repo.
const devVars = join(root, "edge-worker", ".dev.vars");
let adminKey = existsSync(devVars) && /^ADMIN_KEY=(.+)$/m.exec(readFileSync(devVars, "utf8"))?.[1];
adminKey ||= randomBytes(24).toString("base64url");
// DEMO_SITES turns on the demo panel's "place a call" for the seeded site only.
// INSERT_ROUTES serves the demo pages a second way, through the insertion
// mode: /through/ is /demo/ fetched by the Worker as an origin, with the
// visitor's numbers written into the HTML.
const insertRoutes = [`127.0.0.1:${port}/through/ demo http://127.0.0.1:${port}/demo/`, `localhost:${port}/through/ demo http://localhost:${port}/demo/`].join(",");
writeFileSync(devVars, `ADMIN_KEY=${adminKey}\nDEMO_SITES=demo\nINSERT_ROUTES=${insertRoutes}\n`, { mode: 0o600 });

// A local demo: webhooks may go to receivers on this machine (a deployment's config allows public addresses only).
const config = writeWorkerdConfig({ outbound: ["public", "private", "local"], file: "workerd-local.capnp" });
const state = join(root, ".wrangler", "workerd");
mkdirSync(state, { recursive: true });
const child = spawnWorkerd({
  config,
  address: `127.0.0.1:${port}`,
  state,
  vars: { ADMIN_KEY: adminKey, DEMO_SITES: "demo", INSERT_ROUTES: insertRoutes },
  detached: false,
});
let out = "";
child.stdout.on("data", (d) => (out += d));
child.stderr.on("data", (d) => (out += d));
child.on("exit", (code) => {
  if (code) process.stderr.write(out);
  process.exit(code ?? 0);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill("SIGTERM"));

const url = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 60_000;
for (;;) {
  try {
    if ((await fetch(`${url}/healthz`)).ok) break;
  } catch {}
  if (Date.now() > deadline) {
    child.kill("SIGTERM");
    fail(`the worker did not answer on ${url} within 60 s:\n${out}`);
  }
  await new Promise((r) => setTimeout(r, 200));
}
// Seed the demo site from the documented example config.
// The demo pages are served by the worker itself: allow its own origin on this port.
const example = JSON.parse(readFileSync(join(root, "examples", "site.json"), "utf8"));
example.origins = [...new Set([...(example.origins ?? []), url, `http://localhost:${port}`])];
const spec = JSON.stringify(example);
const seeded = await fetch(`${url}/v1/sites/demo`, {
  method: "PUT",
  headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
  body: spec,
});
if (!seeded.ok) {
  child.kill("SIGTERM");
  fail(`seeding the demo site failed: ${seeded.status} ${await seeded.text()}`);
}

// A month of the demo campaigns' spend (a CSV upload, as a marketer would send it).
const spend = await fetch(`${url}/v1/sites/demo/costs`, {
  method: "PUT",
  headers: { authorization: `Bearer ${adminKey}`, "content-type": "text/csv" },
  body: demoSpendCsv(),
});
if (!spend.ok) {
  child.kill("SIGTERM");
  fail(`seeding the demo site's spend failed: ${spend.status} ${await spend.text()}`);
}

// From here on, show the worker's own log as it comes.
child.stdout.pipe(process.stdout);
child.stderr.pipe(process.stderr);
log(`
Started:
  edge worker (workerd, state in .wrangler/workerd) ${url}
  health                                           ${url}/healthz
  demo page (the script tag; examples/demo)        ${url}/demo/
  demo page, US branch                             ${url}/demo/us.html
  the same, the numbers written in by the edge     ${url}/through/ and ${url}/through/us.html
  dashboard (site "demo", the admin key below)     ${url}/dashboard/
  demo site config (examples/site.json)            ${url}/v1/sites/demo
  admin key (edge-worker/.dev.vars)                ${adminKey}

Try it: open the demo page, pick a visitor in its panel (a Google Ads click,
organic search, ...), press "Place a call", then sign in to the dashboard.
Or with curl:
  curl -s -X POST ${url}/v1/sites/demo/sessions -H 'content-type: application/json' \\
       -d '{"session_id":"0123456789abcdef0123456789abcdef","url":"${url}/?gclid=test&utm_term=implants"}'
  curl -s ${url}/v1/sites/demo/pools -H 'authorization: Bearer ${adminKey}'

Stop with Ctrl-C.`);
