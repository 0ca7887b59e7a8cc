// Ad spend in, cost per call and ROMI out, on a real workerd: a Yandex
// Direct campaign's visitors call; its spend, uploaded as JSON or as a
// Russian spreadsheet's CSV, moves the campaign's cost per target call and
// ROMI; spend with no call is a row of its own; bad uploads change nothing.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec } from "./support/api.mjs";
import { startWorker } from "./support/workerd.mjs";
import { demoSpendCsv } from "../scripts/demo-spend.mjs";

const site = "clinic-money";
const R = "/v1/sites/{site}/reports/calls";
const C = "/v1/sites/{site}/costs";
let w;

before(async () => {
  w = await startWorker({ vars: { ADMIN_KEY } });
  await createSite(w, site, siteSpec({
    pool: 6,
    currency: "RUB",
    time_zone: "Europe/Moscow",
    target_call: { min_duration_secs: 30, unique_days: 30 },
    limits: { sessions_per_client_per_minute: 1000, sessions_per_site_per_minute: 1000, live_leases_per_client: 6 },
  }));
});
after(async () => w?.stop());

const report = async (q) => {
  const r = await call(w, "GET", `/v1/sites/${site}/reports/calls?${q}`, { key: ADMIN_KEY, template: R });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const upload = (body, { key = ADMIN_KEY, type } = {}) =>
  type
    ? call(w, "PUT", `/v1/sites/${site}/costs`, { raw: body, key, headers: { "content-type": type }, template: C })
    : call(w, "PUT", `/v1/sites/${site}/costs`, { body, key, template: C });
/** Today in Moscow, and n days before, as 2026-12-01. */
const day = (back = 0) =>
  new Date(Date.now() + 3 * 3_600_000 - back * 86_400_000).toISOString().slice(0, 10);
const ru = (iso) => iso.split("-").reverse().join(".");

let seq = 0;
/** A visit from `campaign` of Yandex Direct calls and talks `secs`; a sale worth `value`. */
async function callFrom(campaign, secs, value) {
  const s = await newSession(w, site, { url: `https://shop.test/?utm_source=yandex&utm_medium=cpc&utm_campaign=${campaign}&yclid=77${seq}` });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  const id = `money-${++seq}`;
  const r = await call(w, "POST", `/v1/sites/${site}/calls`, {
    body: { call_id: id, tracking_number: s.body.numbers[0].number, caller: `+7916555${String(1000 + seq).slice(-4)}`, status: "answered", duration_secs: secs },
    key: ADMIN_KEY,
    template: "/v1/sites/{site}/calls",
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  if (value !== undefined) {
    const o = await call(w, "PATCH", `/v1/sites/${site}/calls/${id}`, { body: { outcome: { label: "sale", value } }, key: ADMIN_KEY, template: "/v1/sites/{site}/calls/{id}" });
    assert.equal(o.status, 200, JSON.stringify(o.body));
  }
}

describe("spend and return", () => {
  test("a campaign's spend gives its cost per target call and ROMI; spend without calls is a row of its own", async () => {
    await callFrom("implants", 120, 60000); // a target call, a sale of 60,000
    await callFrom("implants", 90); // a target call, no outcome yet
    await callFrom("implants", 10); // too short to be a target call
    let implants = (await report("group_by=campaign")).rows.find((r) => r.key === "implants");
    assert.equal(implants.calls, 3);
    assert.equal(implants.target, 2);
    assert.equal(implants.cost_minor, 0);
    assert.equal(implants.romi_percent, null, "no spend, no ROMI");
    assert.equal(implants.cost_per_target_call_minor, null);

    const up = await upload({ rows: [
      { day: day(), source: "Yandex", medium: "cpc", campaign: "implants", amount: 15000 },
      { day: day(1), source: "yandex", medium: "cpc", campaign: "Implants", amount: "5 000,50" },
      { day: day(), source: "yandex", medium: "cpc", campaign: "crowns", amount: 2500.25 },
    ] });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.stored, 3);

    const rep = await report("group_by=campaign");
    implants = rep.rows.find((r) => r.key === "implants");
    assert.equal(implants.cost_minor, 2_000_050, "both days, letter case aside");
    assert.equal(implants.cost_per_call_minor, 666_683);
    assert.equal(implants.cost_per_target_call_minor, 1_000_025);
    assert.equal(implants.cost_per_successful_minor, 2_000_050);
    assert.equal(implants.value_per_successful_minor, 6_000_000);
    // (60,000 - 20,000.50) / 20,000.50 x 100
    assert.equal(implants.romi_percent, 200.0);
    const crowns = rep.rows.find((r) => r.key === "crowns");
    assert.ok(crowns, "spend with no call, visit or lead is shown");
    assert.equal(crowns.calls, 0);
    assert.equal(crowns.cost_minor, 250_025);
    assert.equal(crowns.romi_percent, -100.0);
    assert.equal(rep.total.cost_minor, 2_250_075);

    // By landing page, spend cannot be told apart: it is shown unallocated.
    const pages = await report("group_by=landing_page");
    assert.equal(pages.rows.find((r) => r.key === "(spend not by this grouping)").cost_minor, 2_250_075);
    // A channel filter keeps the channel's spend only.
    assert.equal((await report("group_by=channel&channel=email")).total.cost_minor, 0);
    assert.equal((await report("group_by=channel&channel=paid_search")).total.cost_minor, 2_250_075);
    // A period before the spend has none.
    const old = await report(`group_by=campaign&from=${Date.now() - 40 * 86_400_000}&to=${Date.now() - 35 * 86_400_000}`);
    assert.equal(old.total.cost_minor, 0);
  });

  test("a Russian spreadsheet's CSV corrects the same rows (idempotent) and shows in the report's CSV", async () => {
    const csv = `Дата;Источник;Канал;Кампания;Расход\r\n${ru(day())};yandex;cpc;implants;"12 000,00"\r\n${ru(day())};yandex;cpc;crowns;0\r\n`;
    const r = await upload(csv, { type: "text/csv" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.stored, 2);
    // The same upload again changes nothing.
    assert.equal((await upload(csv, { type: "text/csv" })).status, 200);
    const list = await call(w, "GET", `/v1/sites/${site}/costs?from=${day(1)}&to=${day()}`, { key: ADMIN_KEY, template: C });
    assert.equal(list.status, 200);
    assert.equal(list.body.rows.length, 3, "two corrected, one kept");
    assert.equal(list.body.rows.find((x) => x.campaign === "implants" && x.day === day()).amount_minor, 1_200_000);
    assert.equal(list.body.rows.find((x) => x.campaign === "crowns").origin, "csv");
    assert.equal(list.body.total_minor, 1_200_000 + 500_050);
    const rep = await fetch(`${w.url}/v1/sites/${site}/reports/calls?group_by=campaign&format=csv`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const lines = (await rep.text()).trim().split("\r\n").map((l) => l.split(","));
    const col = (name) => lines[0].indexOf(name);
    const implants = lines.find((l) => l[0] === "implants");
    assert.equal(implants[col("cost")], "17000.50");
    assert.equal(implants[col("cost_per_target_call")], "8500.25");
    assert.equal(implants[col("romi_percent")], "252.9");
  });

  test("a bad upload names each bad row and stores none of it", async () => {
    const before = (await call(w, "GET", `/v1/sites/${site}/costs`, { key: ADMIN_KEY, template: C })).body.total_minor;
    const bad = await upload({ rows: [
      { day: day(), source: "yandex", medium: "cpc", campaign: "implants", amount: 1 },
      { day: "2026-02-30", source: "", medium: "cpc", campaign: "x", amount: -5 },
    ] });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.error.fields.map((f) => f.path).sort(), ["rows[1].amount", "rows[1].day", "rows[1].source"]);
    const csv = await upload("day,source,medium,campaign,amount\n2026-12-01,yandex,cpc,implants,1\n2026-12-01,yandex,cpc,implants,ten\n", { type: "text/csv" });
    assert.equal(csv.status, 422);
    assert.equal(csv.body.error.fields[0].path, "line 3");
    assert.equal((await upload("day,source,amount\n", { type: "text/csv" })).status, 422);
    assert.equal((await upload("<xml/>", { type: "application/xml" })).status, 415);
    const many = { rows: Array.from({ length: 10_001 }, () => ({ day: day(), source: "y", medium: "cpc", campaign: "c", amount: 1 })) };
    assert.equal((await upload(many)).status, 422, "10,000 rows an upload at most");
    assert.equal((await call(w, "GET", `/v1/sites/${site}/costs`, { key: ADMIN_KEY, template: C })).body.total_minor, before);
  });

  test("npm start's month of demo spend is read whole: 30 days of both demo campaigns", async () => {
    await createSite(w, "demo-spend", siteSpec({ time_zone: "Europe/Moscow", currency: "RUB" }));
    const r = await call(w, "PUT", "/v1/sites/demo-spend/costs", { raw: demoSpendCsv(), key: ADMIN_KEY, headers: { "content-type": "text/csv" }, template: C });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.stored, 60);
    const rep = await call(w, "GET", "/v1/sites/demo-spend/reports/calls?group_by=campaign", { key: ADMIN_KEY, template: R });
    assert.deepEqual(rep.body.rows.map((x) => x.key).sort(), ["crowns", "implants"]);
    assert.ok(rep.body.rows.every((x) => x.cost_minor > 0 && x.calls === 0));
  });

  test("a server key uploads, a browser cannot; an admin key takes spend back", async () => {
    const k = await call(w, "POST", `/v1/sites/${site}/keys`, { body: { scope: "server", label: "ads connector" }, key: ADMIN_KEY, template: "/v1/sites/{site}/keys" });
    assert.equal(k.status, 201);
    const row = { rows: [{ day: day(2), source: "google", medium: "cpc", campaign: "brand", amount: 100 }] };
    assert.equal((await upload(row, { key: null })).status, 401);
    assert.equal((await upload(row, { key: k.body.key })).status, 200);
    assert.equal((await call(w, "DELETE", `/v1/sites/${site}/costs?from=${day(2)}&to=${day(2)}`, { key: k.body.key, template: C })).status, 403);
    const gone = await call(w, "DELETE", `/v1/sites/${site}/costs?from=${day(2)}&to=${day(2)}&source=google`, { key: ADMIN_KEY, template: C });
    assert.deepEqual(gone.body, { deleted: 1 });
    const left = await call(w, "GET", `/v1/sites/${site}/costs?from=${day(2)}&to=${day(2)}`, { key: ADMIN_KEY, template: C });
    assert.deepEqual(left.body.rows, []);
  });
});
