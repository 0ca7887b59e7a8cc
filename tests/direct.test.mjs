// Ad spend pulled from Yandex Direct, on a real workerd: the alarm asks
// Direct's Reports API (a stand-in answering as Yandex documents it: the
// report made offline, 201 and 202 with retryIn, then TSV) for the last
// three days' cost by campaign, stores it as yandex / cpc spend, and the
// report by campaign shows its cost; a refused token is shown, never lost.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, createSite, siteSpec, until } from "./support/api.mjs";
import { startDirect } from "./support/yandex-direct.mjs";
import { startWorker } from "./support/workerd.mjs";

const site = "clinic-direct";
const TOKEN = "y0_direct-reports-token";
let w, direct;
const costs = (day) => [
  { id: 705001, name: "implants", cost: day.endsWith("1") ? 1000.5 : 2000 },
  { id: 705002, name: "crowns", cost: 300.25 },
];

before(async () => {
  direct = await startDirect({ token: TOKEN, clientLogin: "clinic-moscow", costs });
  w = await startWorker({ vars: { ADMIN_KEY, TEST_FAULTS: "on" } });
});
after(async () => {
  await w?.stop();
  await direct?.close();
});

const costsOf = async () => (await call(w, "GET", `/v1/sites/${site}/costs`, { key: ADMIN_KEY, template: "/v1/sites/{site}/costs" })).body;

test("the alarm pulls three days of Direct's campaign cost, waiting for the offline report as Direct says", async () => {
  await createSite(w, site, siteSpec({
    time_zone: "Europe/Moscow",
    currency: "RUB",
    integrations: { yandex_direct: { oauth_token: TOKEN, client_login: "clinic-moscow", api_base: direct.url } },
  }));
  const got = await until(async () => {
    const c = await costsOf();
    return c.rows.filter((r) => r.origin === "yandex_direct").length === 6 && c;
  }, "three days of two campaigns' spend");
  // Asked as Direct documents it: the same report name until it is made.
  const asked = direct.requests;
  assert.ok(asked.length >= 3, `201, 202, then the report: ${asked.length} requests`);
  assert.equal(new Set(asked.map((r) => r.params.ReportName)).size, 1);
  const last = asked.at(-1);
  assert.equal(last.headers["client-login"], "clinic-moscow");
  assert.equal(last.headers.returnmoneyinmicros, "false");
  assert.deepEqual(last.params.FieldNames, ["Date", "CampaignName", "Cost"]);
  const days = got.rows.map((r) => r.day);
  assert.equal(last.params.SelectionCriteria.DateTo, got.to);
  assert.equal(new Set(days).size, 3);
  for (const r of got.rows) {
    const want = costs(r.day).find((c) => c.name === r.campaign).cost;
    assert.equal(r.amount_minor, Math.round(want * 100), `${r.day} ${r.campaign}`);
    assert.deepEqual([r.source, r.medium], ["yandex", "cpc"]);
  }
  assert.equal(got.connectors.yandex_direct.last_error, null);
  assert.ok(got.connectors.yandex_direct.next_at > got.connectors.yandex_direct.last_at);
  // The report by campaign shows Direct's cost.
  const rep = await call(w, "GET", `/v1/sites/${site}/reports/calls?group_by=campaign`, { key: ADMIN_KEY, template: "/v1/sites/{site}/reports/calls" });
  const crowns = rep.body.rows.find((r) => r.key === "crowns");
  assert.equal(crowns.cost_minor, 3 * 30_025);
});

test("a token Direct refuses is shown with Direct's words, and the spend already pulled stays", async () => {
  direct.state.tokens.clear();
  const before = (await costsOf()).total_minor;
  // Six hours later the next pull is due (the test clock), and refused.
  const moved = await call(w, "POST", `/v1/sites/${site}/_test/clock`, { body: { advance_ms: 6 * 3_600_000 + 1_000 }, key: ADMIN_KEY, template: null });
  assert.equal(moved.status, 200);
  const c = await until(async () => {
    const c = await costsOf();
    return c.connectors.yandex_direct.last_error && c;
  }, "the refusal shown");
  assert.match(c.connectors.yandex_direct.last_error, /Yandex Direct answered 400: 53 Authorization error: Invalid OAuth token/);
  assert.equal((await call(w, "GET", `/v1/sites/${site}/costs?from=2000-01-01&to=2100-01-01`, { key: ADMIN_KEY, template: "/v1/sites/{site}/costs" })).body.rows.filter((r) => r.origin === "yandex_direct").length >= 6, true);
  assert.ok(before > 0);
  const cfg = await call(w, "GET", `/v1/sites/${site}`, { key: ADMIN_KEY, template: "/v1/sites/{site}" });
  assert.equal(cfg.body.integrations.yandex_direct.oauth_token, "(hidden)");
});
