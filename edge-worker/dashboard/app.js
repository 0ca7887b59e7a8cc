// The dashboard: the site's admin API drawn. The key lives in this tab's
// sessionStorage and goes only into the Authorization header.
import uPlot from "uplot";
import { asked, channelName, choose, money as moneyIn, num, pct, t, weekdays, when } from "./l10n.js";

const $ = (s) => document.querySelector(s);
const KEY = "calltrack.dashboard";
const COLORS = ["#0a7ea4", "#e07a2f", "#2f9e44", "#9c36b5", "#c92a2a", "#1864ab", "#5c940d", "#868e96"];
const state = { site: "", key: "", days: 30, tz: "UTC", cursor: null, charts: [], outcomes: [], currency: "USD", budget: null, sort: { key: "cost_minor", dir: -1 } };

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function api(path, init = {}) {
  const headers = { authorization: `Bearer ${state.key}`, ...(init.body ? { "content-type": init.type ?? "application/json" } : {}) };
  const r = await fetch(`/v1/sites/${encodeURIComponent(state.site)}${path}`, { ...init, headers });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body?.error?.message || `the edge answered ${r.status}`);
  return body;
}

function period() {
  const to = Date.now() + 60_000;
  return { from: to - state.days * 86_400_000, to };
}

const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null)).toString();

const fmtTime = (ms) => when(ms, state.tz);

/** The site's local days of the period, oldest first: "2026-11-24". */
function days() {
  const f = new Intl.DateTimeFormat("en-CA", { timeZone: state.tz, year: "numeric", month: "2-digit", day: "2-digit" });
  const { from, to } = period();
  const out = [];
  for (let t = from; t < to + 86_400_000; t += 3_600_000) {
    const d = f.format(new Date(t));
    if (out.at(-1) !== d && (out.length === 0 || d > out.at(-1))) out.push(d);
  }
  return out.slice(-Math.max(state.days, 1));
}

function empty(el, text) {
  el.innerHTML = `<p class="empty">${esc(text)}</p>`;
}

/** An amount in minor units, in the site's currency; "—" for none. */
const money = (minor) => moneyIn(minor, state.currency);

function chart(el, labels, series, { bars = false, yLabel = "", max, right } = {}) {
  el.innerHTML = "";
  const width = Math.max(el.clientWidth || 300, 260);
  const x = labels.map((_, i) => i);
  const opts = {
    width,
    height: 220,
    scales: {
      x: { time: false },
      y: max ? { range: [0, max] } : { range: (u, lo, hi) => [0, Math.max(hi, 1)] },
      ...(right ? { right: { range: (u, lo, hi) => [0, Math.max(hi, 1)] } } : {}),
    },
    axes: [
      { values: (u, splits) => splits.map((i) => (Number.isInteger(i) ? labels[i] ?? "" : "")) },
      { label: yLabel },
      ...(right ? [{ scale: "right", side: 1, label: right, grid: { show: false } }] : []),
    ],
    series: [{}, ...series.map((s, i) => ({
      label: s.label,
      scale: s.right ? "right" : "y",
      stroke: COLORS[i % COLORS.length],
      fill: bars ? COLORS[i % COLORS.length] + "cc" : undefined,
      width: 2,
      paths: bars ? uPlot.paths.bars({ size: [0.6, 60] }) : undefined,
      points: { show: labels.length < 40 },
    }))],
    legend: { show: true },
  };
  const u = new uPlot(opts, [x, ...series.map((s) => s.data)], el);
  state.charts.push({ u, el });
  return u;
}

function kpis(total, overview) {
  const items = [
    [t("kpi-calls"), num(total.calls)],
    [t("kpi-answered"), num(total.answered)],
    [t("kpi-missed"), num(total.missed)],
    [t("kpi-target"), num(total.target)],
    [t("kpi-answer-rate"), pct(total.answer_rate_percent)],
    [t("kpi-ptr"), pct(total.ptr_percent)],
    [t("kpi-rated"), pct(total.rated_percent)],
    [t("kpi-ptr-rated"), pct(total.ptr_rated_percent)],
    [t("kpi-without-outcome"), num(total.without_outcome)],
    [t("kpi-unique"), num(total.unique_callers)],
    [t("kpi-live"), num(overview.live_sessions)],
    [t("kpi-visits"), num(total.visits)],
    [t("kpi-calls-per-visits"), num(total.calls_per_100_visits)],
    [t("kpi-leads"), num(total.leads)],
    [t("kpi-spend"), money(total.cost_minor)],
    [t("kpi-cost-target"), money(total.cost_per_target_call_minor)],
    [t("kpi-romi"), pct(total.romi_percent)],
  ];
  $("#kpis").innerHTML = items.map(([k, v]) => `<div class="kpi"><span class="muted">${esc(k)}</span><b>${esc(v)}</b></div>`).join("");
}

function alerts(list) {
  $("#alerts").innerHTML = list
    // The edge's alerts in this language (reason and figures); an error of the dashboard's own as it is.
    .map((a) => `<div class="alert ${a.kind === "not_swapping" ? "bad" : ""}"><b>${esc(t(`alert-${a.kind}`))}</b>: ${esc(a.reason ? t(`alert-${a.reason}`, a.figures) : a.message)}</div>`)
    .join("");
}

async function channelCharts(byChannel) {
  const labels = days();
  const el = $("#chart-channels");
  if (byChannel.rows.length === 0) return empty(el, t("no-calls"));
  const top = byChannel.rows.slice(0, 6);
  const { from, to } = period();
  const series = await Promise.all(top.map(async (r) => {
    const rep = await api(`/reports/calls?${q({ group_by: "day", channel: r.key, from, to })}`);
    const m = new Map(rep.rows.map((x) => [x.key, x.calls]));
    return { label: channelName(r.key), data: labels.map((d) => m.get(d) ?? 0) };
  }));
  chart(el, labels, series, { yLabel: t("axis-calls") });
  // PTR (successful / all calls) and the answer rate, by channel.
  chart($("#chart-ptr"), byChannel.rows.map((r) => channelName(r.key)), [
    { label: t("series-ptr"), data: byChannel.rows.map((r) => r.ptr_percent) },
    { label: t("series-answer-rate"), data: byChannel.rows.map((r) => r.answer_rate_percent) },
  ], { bars: true, max: 100 });
}

async function targetChart() {
  const { from, to } = period();
  const rep = await api(`/reports/calls?${q({ group_by: "day", from, to })}`);
  const el = $("#chart-target");
  if (rep.rows.length === 0) return empty(el, t("no-calls"));
  const labels = days();
  const m = new Map(rep.rows.map((x) => [x.key, x]));
  chart(el, labels, [
    { label: t("series-target"), data: labels.map((d) => m.get(d)?.target ?? 0) },
    { label: t("series-other"), data: labels.map((d) => (m.get(d) ? m.get(d).calls - m.get(d).target : 0)) },
  ], { bars: labels.length <= 31, yLabel: t("axis-calls") });
}

async function missed() {
  const { from, to } = period();
  const log = await api(`/calls?${q({ status: "missed", from, to, limit: 500 })}`);
  const el = $("#missed");
  if (log.calls.length === 0) return empty(el, t("missed-none"));
  // Whose fault: the reason each missed call was given.
  const reason = (c) => t(`reason-${c.missed_reason ?? "not_answered"}`);
  const by = new Map();
  for (const c of log.calls) by.set(reason(c), (by.get(reason(c)) ?? 0) + 1);
  // Not called back yet first (oldest first: they waited longest), then the called back.
  const open = log.calls.filter((c) => !c.called_back_at).sort((a, b) => a.started_at - b.started_at);
  const done = log.calls.filter((c) => c.called_back_at);
  const mins = (c) => Math.round((c.called_back_at - c.started_at) / 60_000);
  const rows = [
    ...open.map((c) => [fmtTime(c.started_at), c.caller ?? t("withheld"), channelName(c.attribution.channel.channel), c.agent ? c.agent.name || c.agent.id : "", reason(c), t("not-yet")]),
    ...done.map((c) => [fmtTime(c.started_at), c.caller ?? t("withheld"), channelName(c.attribution.channel.channel), c.agent ? c.agent.name || c.agent.id : "", reason(c), t("called-back-after", { minutes: mins(c) })]),
  ];
  el.innerHTML = `<p class="${open.length ? "error" : "muted"}" id="not-called-back">${esc(t("missed-open", { count: open.length }))}</p>
    <div class="scroll">${table([t("col-time"), t("col-caller"), t("col-channel"), t("col-agent"), t("col-why"), t("col-called-back")], rows)}</div>
    ${table([t("col-why"), t("col-calls")], [...by].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, num(v)]))}`;
}

async function heatmap() {
  const { from, to } = period();
  // A reason narrows to the calls missed for it: when they come, to staff those hours.
  const missed_reason = $("#heat-reason").value;
  const status = missed_reason ? "missed" : $("#heat-status").value;
  const rep = await api(`/reports/calls?${q({ group_by: "weekday_hour", status, missed_reason, from, to })}`);
  const el = $("#heatmap");
  if (rep.rows.every((r) => r.calls === 0)) return empty(el, t(status ? (status === "missed" ? "no-missed-heat" : "no-non-target-heat") : "no-calls"));
  const m = new Map(rep.rows.map((r) => [r.key, r.calls]));
  const max = Math.max(...m.values());
  const wd = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const names = weekdays();
  const hours = [...Array(24).keys()].map((h) => String(h).padStart(2, "0"));
  el.innerHTML = `<table class="heat"><thead><tr><th></th>${hours.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${wd
    .map((d, i) => `<tr><th>${esc(names[i])}</th>${hours
      .map((h) => {
        const n = m.get(`${d} ${h}`) ?? 0;
        const a = n ? 0.15 + (0.85 * n) / max : 0;
        return `<td title="${esc(t("heat-cell", { day: names[i], hour: h, count: n }))}" style="background:rgba(10,126,164,${a.toFixed(2)})">${n || ""}</td>`;
      })
      .join("")}</tr>`)
    .join("")}</tbody></table>`;
}

async function pools(overview) {
  const { from, to } = period();
  const rep = await api(`/reports/pools?${q({ from, to })}`);
  const el = $("#chart-pools");
  const live = overview.pools.map((p) => t("pool-now", { pool: p.label || p.target, leased: p.leased, total: p.total })).join(" · ");
  $("#live").textContent = t("pool-live", { live: overview.live_sessions, pools: live });
  const out = rep.hours.filter((h) => h.fallbacks > 0);
  $("#pool-warning").innerHTML = out.length
    ? `<div class="alert">${esc(t("pool-ran-out", { hours: out.length, visitors: out.reduce((s, h) => s + h.fallbacks, 0) }))}</div>`
    : "";
  if (rep.hours.length === 0) return empty(el, t("no-pool-samples"));
  const hours = [...new Set(rep.hours.map((h) => h.hour))].sort((a, b) => a - b);
  const labels = hours.map((h) => fmtTime(h));
  const targets = [...new Set(rep.hours.map((h) => h.target))];
  const series = [];
  for (const pool of targets) {
    const m = new Map(rep.hours.filter((h) => h.target === pool).map((h) => [h.hour, h]));
    series.push({ label: t("series-utilisation", { pool }), data: hours.map((h) => m.get(h)?.utilisation_percent ?? null) });
    series.push({ label: t("series-fallback", { pool }), data: hours.map((h) => m.get(h)?.fallback_share_percent ?? null) });
  }
  chart(el, labels, series, { max: 100, yLabel: "%" });
}

const table = (head, rows) =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;

/** The budget table's columns: header, row field, how it is shown. */
const BUDGET = [
  ["col-spend", "cost_minor", money],
  ["col-visits", "visits", num],
  ["col-calls", "calls", num],
  ["col-target-calls", "target", num],
  ["col-leads", "leads", num],
  ["col-ptr", "ptr_percent", pct],
  ["col-cost-call", "cost_per_call_minor", money],
  ["col-cost-target", "cost_per_target_call_minor", money],
  ["col-cost-lead", "cost_per_lead_minor", money],
  ["col-revenue", "value_minor", money],
  ["col-romi", "romi_percent", pct],
];

/** Spend, calls and return by the chosen grouping, sorted by a column (click a header). */
async function budget(reload = true) {
  const el = $("#budget");
  if (reload) {
    const { from, to } = period();
    state.budget = await api(`/reports/calls?${q({ group_by: $("#budget-group").value, from, to })}`);
  }
  const rows = state.budget.rows.filter((r) => r.calls || r.visits || r.leads || r.cost_minor);
  if (rows.length === 0) return empty(el, t("no-budget"));
  const { key, dir } = state.sort;
  const val = (r) => r[key] ?? (dir < 0 ? -Infinity : Infinity);
  rows.sort((a, b) => (key === "key" ? a.key.localeCompare(b.key) : val(a) - val(b)) * dir);
  const mark = (k) => (k === key ? (dir < 0 ? " ▼" : " ▲") : "");
  const head = [["", "key"], ...BUDGET.map(([h, k]) => [t(h), k])];
  // Channels by their names; the other groupings as the ad platforms wrote them.
  const label = $("#budget-group").value === "channel" ? channelName : String;
  el.innerHTML = `<table class="budget"><thead><tr>${head
    .map(([h, k]) => `<th><button type="button" class="sort" data-key="${esc(k)}">${esc(h || $("#budget-group").selectedOptions[0].textContent)}${mark(k)}</button></th>`)
    .join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr><td>${esc(label(r.key))}</td>${BUDGET.map(([, k, f]) => `<td class="${k === "romi_percent" && r[k] < 0 ? "error" : ""}">${esc(f(r[k]))}</td>`).join("")}</tr>`)
    .join("")}<tr class="total"><td>${esc(t("total"))}</td>${BUDGET.map(([, k, f]) => `<td>${esc(f(state.budget.total[k]))}</td>`).join("")}</tr></tbody></table>`;
}

/** PTR and cost per target call, day by day. */
async function ptrCostChart() {
  const { from, to } = period();
  const rep = await api(`/reports/calls?${q({ group_by: "day", from, to })}`);
  const el = $("#chart-ptr-cost");
  if (rep.rows.length === 0) return empty(el, t("no-calls-spend"));
  const labels = days();
  const m = new Map(rep.rows.map((x) => [x.key, x]));
  chart(el, labels, [
    { label: t("series-ptr"), data: labels.map((d) => m.get(d)?.ptr_percent ?? null) },
    { label: t("series-cost-target", { currency: state.currency }), right: true, data: labels.map((d) => (m.get(d)?.cost_per_target_call_minor ?? null) === null ? null : m.get(d).cost_per_target_call_minor / 100) },
  ], { yLabel: "%", right: state.currency });
}

async function uploadSpend(input) {
  const file = input.files?.[0];
  if (!file) return;
  const out = $("#spend-result");
  out.className = "muted";
  out.textContent = t("uploading", { file: file.name });
  try {
    const r = await api("/costs", { method: "PUT", body: await file.text(), type: "text/csv" });
    out.textContent = t("uploaded", { rows: r.stored, amount: money(Math.round(r.amount * 100)) });
    await load();
  } catch (err) {
    out.className = "error";
    out.textContent = err.message;
  } finally {
    input.value = "";
  }
}

/** Visits → calls → target calls → successful outcomes, per channel. */
function funnel(byChannel) {
  const el = $("#funnel");
  const rows = byChannel.rows.filter((r) => r.visits || r.calls);
  if (rows.length === 0) return empty(el, t("no-visits-calls"));
  el.innerHTML = table(
    ["col-channel", "col-visits", "col-calls", "col-calls-per-visits", "col-target-calls", "col-successful", "col-ptr", "col-leads", "col-value", "col-spend", "col-romi"].map((id) => t(id)),
    rows.map((r) => [channelName(r.key), num(r.visits), num(r.calls), num(r.calls_per_100_visits), num(r.target), num(r.successful), pct(r.ptr_percent), num(r.leads), money(r.value_minor), money(r.cost_minor), pct(r.romi_percent)]),
  );
}

/** Why a call was missed, as the API names the reasons. */
const REASONS = ["out_of_hours", "abandoned", "not_answered", "busy", "all_lines_busy", "failed"];

/** The "why missed" filters: any, then each reason in this language (the choice kept). */
function reasonFilters() {
  for (const sel of [$("#heat-reason"), $("#f-reason")]) {
    const keep = sel.value;
    sel.innerHTML = `<option value="">${esc(t("filter-any"))}</option>${REASONS.map((r) => `<option value="${r}">${esc(t(`reason-${r}`))}</option>`).join("")}`;
    sel.value = keep;
  }
}

/** Whose fault, channel by channel: each reason's share of the channel's missed calls. */
function missedByChannel(byChannel) {
  const el = $("#missed-by-channel");
  const reasons = REASONS;
  const rows = byChannel.rows.filter((r) => r.missed > 0);
  if (rows.length === 0) return empty(el, t("missed-none"));
  el.innerHTML = table(
    [t("col-channel"), t("col-missed"), ...reasons.map((r) => t(`reason-${r}`))],
    rows.map((r) => [channelName(r.key), num(r.missed), ...reasons.map((k) => (r.missed_by_reason[k] ? pct(Math.round((1000 * r.missed_by_reason[k]) / r.missed) / 10) : ""))]),
  );
}

const agentName = (id) => state.config.agents?.find((a) => a.id === id)?.name || id;

async function agents() {
  const { from, to } = period();
  const rep = await api(`/reports/calls?${q({ group_by: "agent", from, to })}`);
  const el = $("#agents");
  // Agents' rows are their calls' (the period's spend, which no agent has, is left out).
  const rows = rep.rows.filter((r) => r.key !== "(none)" && r.calls > 0);
  if (rows.length === 0) return empty(el, t("no-agents"));
  el.innerHTML = table(
    [t("col-agent"), t("col-calls"), t("col-answered"), t("col-missed"), t("col-not-answered"), t("col-wait"), t("col-target"), t("col-ptr")],
    rows.map((r) => [agentName(r.key), num(r.calls), num(r.answered), num(r.missed), num(r.missed_by_reason.not_answered), r.avg_answer_secs === null ? "—" : t("seconds", { secs: r.avg_answer_secs }), num(r.target), pct(r.ptr_percent)]),
  );
}

async function sources() {
  const el = $("#sources");
  const list = state.config.sources ?? [];
  if (list.length === 0) return empty(el, t("no-sources"));
  const { from, to } = period();
  const rep = await api(`/reports/calls?${q({ group_by: "source_medium", from, to })}`);
  const m = new Map(rep.rows.map((r) => [r.key, r]));
  el.innerHTML = table(
    [t("col-source"), t("col-kind"), t("col-number"), t("col-calls"), t("col-target"), t("col-ptr")],
    list.map((s) => {
      const r = m.get(`${s.label} / ${s.channel}`);
      return [s.label, channelName(s.channel), s.number, num(r?.calls ?? 0), num(r?.target ?? 0), pct(r?.ptr_percent)];
    }),
  );
}

async function leads() {
  const { from, to } = period();
  const page = await api(`/leads?${q({ from, to, limit: 50 })}`);
  const el = $("#leads");
  if (page.leads.length === 0) return empty(el, t("no-leads"));
  el.innerHTML = table(
    [t("col-time"), t("col-channel"), t("col-campaign"), t("col-name"), t("col-phone"), t("col-page")],
    page.leads.map((l) => [fmtTime(l.created_at), channelName(l.channel.channel), l.channel.campaign ?? "", l.name ?? "", l.phone ?? "", l.page ?? ""]),
  );
}

/** What the outbox could not deliver (and what it still tries), each failed one with a button to try again. */
async function deliveries() {
  const { deliveries: all } = await api("/deliveries");
  const stuck = all.filter((d) => d.state !== "delivered" && (d.state !== "pending" || d.attempts > 0));
  const el = $("#deliveries");
  if (stuck.length === 0) return empty(el, t("all-delivered"));
  el.innerHTML = `<table><thead><tr>${[t("col-queued"), t("col-what"), t("col-to"), t("col-state"), t("col-tries"), t("col-last-error"), ""].map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${stuck
    .map((d) => `<tr><td>${esc(fmtTime(d.created_at))}</td><td>${esc(`${d.kind}: ${d.event}`)}</td><td>${esc(d.url)}</td><td>${esc(d.state)}</td><td>${esc(d.attempts)}</td>
      <td>${esc(d.last_error ?? "")}</td><td>${d.state === "pending" ? "" : `<button type="button" class="retry" data-id="${esc(d.id)}">${esc(t("try-again"))}</button>`}</td></tr>`)
    .join("")}</tbody></table>`;
}

/** The CSV through the API (the key stays in the header), saved as a file. */
async function download(path, name) {
  const r = await fetch(`/v1/sites/${encodeURIComponent(state.site)}${path}`, { headers: { authorization: `Bearer ${state.key}` } });
  if (!r.ok) throw new Error(`the edge answered ${r.status}`);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await r.blob());
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** What the caller did on the site before calling. */
function trail(steps) {
  if (!steps?.length) return "";
  const item = (s) => `<li>${esc(fmtTime(s.at))} ${s.kind === "event" ? `<b>${esc(s.name)}</b>` : esc(s.name)}</li>`;
  return `<details class="trail"><summary>${esc(t("trail-steps", { steps: steps.length }))}</summary><ol>${steps.map(item).join("")}</ol></details>`;
}

function logRow(c) {
  const ch = c.attribution.channel;
  return `<tr>
    <td>${esc(fmtTime(c.started_at))}</td><td>${esc(channelName(ch.channel))}</td><td>${esc([ch.source, ch.medium].filter(Boolean).join(" / "))}</td>
    <td>${esc(ch.campaign ?? "")}</td><td>${esc(ch.term ?? "")}</td><td>${esc(c.caller ?? t("withheld"))}</td>
    <td>${esc(t(`call-status-${c.status}`))}${c.direction === "callback" ? ` <span class="muted small">${esc(t("call-back"))}</span>` : ""}</td><td>${c.duration_secs ? esc(t("seconds", { secs: c.duration_secs })) : ""}</td>
    <td>${c.target_call ? "✓" : ""}</td><td>${esc(c.attribution.confidence)}</td>
    <td>${c.recording_url ? `<button type="button" class="play" data-call="${esc(c.id)}" data-link="${esc(c.recording_url)}">${esc(t("play"))}</button>` : ""}</td>
    <td>${esc(c.agent ? c.agent.name || c.agent.id : "")}</td>
    <td><select class="outcome" data-call="${esc(c.id)}" aria-label="${esc(t("outcome-of-call"))}"><option value="">—</option>${state.outcomes
      .map((o) => `<option${c.outcome && c.outcome.label.toLowerCase() === o.label.toLowerCase() ? " selected" : ""}>${esc(o.label)}</option>`)
      .join("")}</select></td><td>${trail(c.trail)}</td></tr>`;
}

/** Plays a call's recording, fetched by the edge with the site's telephony
 * credentials (the browser never sees them); a recording the edge does not
 * fetch (not the site's Twilio account's) opens at its own link. */
async function play(button) {
  button.disabled = true;
  const r = await fetch(`/v1/sites/${encodeURIComponent(state.site)}/calls/${encodeURIComponent(button.dataset.call)}/recording`, {
    headers: { authorization: `Bearer ${state.key}` },
  });
  if (r.status === 409) {
    window.open(button.dataset.link, "_blank", "noopener,noreferrer");
    button.disabled = false;
    return;
  }
  if (!r.ok) {
    button.disabled = false;
    throw new Error((await r.json().catch(() => ({})))?.error?.message || `the edge answered ${r.status}`);
  }
  const blob = await r.blob();
  const audio = document.createElement("audio");
  audio.controls = true;
  audio.dataset.bytes = String(blob.size);
  audio.src = URL.createObjectURL(blob);
  audio.className = "recording";
  button.replaceWith(audio);
}

/** A manager gives a call its outcome (or takes it back) from the log. */
async function setOutcome(select) {
  const label = select.value;
  select.disabled = true;
  try {
    await api(`/calls/${encodeURIComponent(select.dataset.call)}`, {
      method: "PATCH",
      body: JSON.stringify({ outcome: label ? { label } : null }),
    });
    const { from, to } = period();
    kpis((await api(`/reports/calls?${q({ group_by: "channel", from, to })}`)).total, state.overview);
    await budget();
    select.dataset.saved = label;
  } catch (err) {
    alerts([{ kind: "not_swapping", message: err.message }]);
  } finally {
    select.disabled = false;
  }
}

async function log(more = false) {
  const { from, to } = period();
  const params = {
    from, to, limit: 50,
    channel: $("#f-channel").value,
    campaign: $("#f-campaign").value.trim(),
    keyword: $("#f-keyword").value.trim(),
    agent: $("#f-agent").value,
    status: $("#f-status").value,
    missed_reason: $("#f-reason").value,
    outcome: $("#f-outcome").value,
    min_duration_secs: $("#f-min-talk").value,
    has_recording: $("#f-recording").checked ? 1 : "",
    cursor: more ? state.cursor : "",
  };
  const page = await api(`/calls?${q(params)}`);
  const body = $("#log tbody");
  if (!more) body.innerHTML = "";
  body.insertAdjacentHTML("beforeend", page.calls.map(logRow).join(""));
  state.cursor = page.next_cursor;
  $("#more").hidden = !page.next_cursor;
  $("#log-empty").hidden = body.children.length > 0;
}

async function sizing(e) {
  e?.preventDefault();
  const el = $("#sizing");
  el.innerHTML = `<p class="muted">${esc(t("sizing-running"))}</p>`;
  try {
    const s = await api(`/sizing?${q({ target: $("#sizing-target").value })}`);
    const basis = s.basis.source === "site"
      ? t("sizing-basis-site", { days: Math.round(s.basis.days), visits: num(Math.round(s.basis.visits_per_day)), share: pct(Math.round(s.basis.call_share * 1000) / 10), measured: num(s.basis.calls_measured) })
      : t("sizing-basis-reference", { sessions: num(s.basis.sessions) });
    const rec = s.recommended
      ? t("sizing-recommended", { numbers: s.recommended.pool_size, mins: s.recommended.fixation_mins })
      : t("sizing-not-reached", { target: pct(s.target * 100) });
    const share = (a) => pct(Math.round(a * 1000) / 10);
    el.innerHTML = `<p class="muted">${esc(basis)}</p><p><b>${esc(rec)}</b></p>
      <p>${esc(t("sizing-now", { numbers: s.current.pool_size, mins: s.current.fixation_mins, accuracy: share(s.current.accuracy) }))}</p>
      ${table([t("col-fixation"), t("col-numbers-needed"), t("col-accuracy")], s.options.map((o) => [t("minutes", { mins: o.fixation_mins }), o.pool_size ?? t("not-reached"), share(o.accuracy)]))}`;
  } catch (err) {
    el.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

async function load() {
  state.days = Number($("#period").value);
  state.charts = [];
  const overview = await api("/overview");
  state.overview = overview;
  state.config = await api("");
  // The browser's language when there is a catalog for it, else the site's.
  choose([...asked(), state.config.locale]);
  reasonFilters();
  state.outcomes = state.config.outcomes ?? [];
  const outcomeSel = $("#f-outcome");
  const keepOutcome = outcomeSel.value;
  outcomeSel.innerHTML = `<option value="">${esc(t("filter-any"))}</option><option value="none">${esc(t("filter-no-outcome"))}</option>${state.outcomes
    .map((o) => `<option value="${esc(o.label)}">${esc(o.label)}</option>`)
    .join("")}`;
  outcomeSel.value = keepOutcome;
  state.currency = state.config.currency || "USD";
  const agentSel = $("#f-agent");
  const keepAgent = agentSel.value;
  agentSel.innerHTML = `<option value="">${esc(t("filter-all"))}</option>${(state.config.agents ?? [])
    .map((a) => `<option value="${esc(a.id)}">${esc(a.name || a.id)}</option>`)
    .join("")}`;
  agentSel.value = keepAgent;
  state.tz = overview.time_zone || "UTC";
  $("#site-name").textContent = `${overview.name || state.site} · ${state.tz}`;
  alerts(overview.alerts);
  const { from, to } = period();
  const byChannel = await api(`/reports/calls?${q({ group_by: "channel", from, to })}`);
  kpis(byChannel.total, overview);
  const sel = $("#f-channel");
  const keep = sel.value;
  sel.innerHTML = `<option value="">${esc(t("filter-all"))}</option>${byChannel.rows.map((r) => `<option value="${esc(r.key)}">${esc(channelName(r.key))}</option>`).join("")}`;
  sel.value = keep;
  funnel(byChannel);
  missedByChannel(byChannel);
  await Promise.all([channelCharts(byChannel), targetChart(), missed(), heatmap(), pools(overview), log(), agents(), sources(), leads(), deliveries(), budget(), ptrCostChart()]);
  document.body.dataset.loaded = String(Date.now());
}

function show(signedIn) {
  $("#sign-in").hidden = signedIn;
  $("#app").hidden = !signedIn;
  $("#sign-out").hidden = !signedIn;
  $("#period-box").hidden = !signedIn;
}

async function start() {
  const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
  if (!saved) return show(false);
  Object.assign(state, saved);
  show(true);
  try {
    await load();
  } catch (err) {
    sessionStorage.removeItem(KEY);
    show(false);
    $("#sign-in-error").textContent = err.message;
  }
}

$("#sign-in").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, JSON.stringify({ site: $("#site").value.trim(), key: $("#key").value }));
  $("#key").value = "";
  $("#sign-in-error").textContent = "";
  start();
});
$("#sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  location.reload();
});
$("#period").addEventListener("change", () => load().catch((e) => alerts([{ kind: "not_swapping", message: e.message }])));
$("#filters").addEventListener("input", () => log().catch(() => {}));
$("#filters").addEventListener("submit", (e) => e.preventDefault());
$("#more").addEventListener("click", () => log(true));
$("#log").addEventListener("change", (e) => {
  if (e.target.matches("select.outcome")) setOutcome(e.target);
});
$("#log").addEventListener("click", (e) => {
  if (e.target.matches("button.play")) play(e.target).catch((err) => alerts([{ kind: "not_swapping", message: err.message }]));
});
$("#sizing-form").addEventListener("submit", sizing);
$("#budget-form").addEventListener("submit", (e) => e.preventDefault());
$("#budget-group").addEventListener("change", () => budget().catch((e) => alerts([{ kind: "not_swapping", message: e.message }])));
$("#spend-file").addEventListener("change", (e) => uploadSpend(e.target));
$("#budget").addEventListener("click", (e) => {
  const b = e.target.closest("button.sort");
  if (!b) return;
  const key = b.dataset.key;
  state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : key === "key" ? 1 : -1 };
  budget(false);
});
$("#heat-status").addEventListener("change", () => heatmap().catch((e) => alerts([{ kind: "not_swapping", message: e.message }])));
$("#heat-reason").addEventListener("change", () => heatmap().catch((e) => alerts([{ kind: "not_swapping", message: e.message }])));
$("#deliveries").addEventListener("click", async (e) => {
  const b = e.target.closest("button.retry");
  if (!b) return;
  b.disabled = true;
  try {
    await api(`/deliveries/${encodeURIComponent(b.dataset.id)}/retry`, { method: "POST" });
    await deliveries();
  } catch (err) {
    b.disabled = false;
    alerts([{ kind: "not_swapping", message: err.message }]);
  }
});
$("#leads-csv").addEventListener("click", () => {
  const { from, to } = period();
  download(`/leads?${q({ from, to, format: "csv", limit: 500 })}`, "leads.csv").catch((e) => alerts([{ kind: "not_swapping", message: e.message }]));
});
let resize;
addEventListener("resize", () => {
  clearTimeout(resize);
  resize = setTimeout(() => {
    for (const { u, el } of state.charts) u.setSize({ width: Math.max(el.clientWidth, 260), height: 220 });
  }, 150);
});
start();
