// A stand-in for Yandex Direct's Reports API (v5), which cannot be reached
// offline, answering as Yandex documents it:
// - POST /json/v5/reports, `Authorization: Bearer <token>`, `Client-Login`
//   for an agency's token, `processingMode` (auto, online, offline),
//   `returnMoneyInMicros`, `skipReportHeader`, `skipColumnHeader`,
//   `skipReportSummary`; a JSON body `{ params: { SelectionCriteria:
//   { DateFrom, DateTo }, FieldNames, ReportName, ReportType,
//   DateRangeType, Format, IncludeVAT } }`.
// - A report is made offline: the first request of a ReportName answers 201
//   (queued), the next 202 (being made), each with `retryIn` (seconds) and
//   `reportsInQueue`; then 200 with the report, as TSV (the title line and
//   the totals line left out when asked so; money in the currency when
//   returnMoneyInMicros is false, in micros otherwise).
// - Errors as Direct gives them, HTTP 400 with `{ error: { request_id,
//   error_code, error_string, error_detail } }`: 53 (authorization: a
//   wrong token), 8000 (a bad request), 4000 (a ReportName reused with
//   other parameters).
import { createServer } from "node:http";

const DAY = /^\d{4}-\d\d-\d\d$/;

function directError(res, code, string, detail) {
  res.writeHead(400, { "content-type": "application/json; charset=utf-8" }).end(
    JSON.stringify({ error: { request_id: String(Date.now()), error_code: String(code), error_string: string, error_detail: detail } }),
  );
}

/** Starts the stand-in; `costs(day)` gives a day's rows: `[{ id, name, cost }]`. */
export async function startDirect({ token, clientLogin = null, costs }) {
  const reports = new Map(); // ReportName -> { params, tries }
  const requests = [];
  const state = { tokens: new Set([token]) };
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      if (req.method !== "POST" || url.pathname !== "/json/v5/reports") return directError(res, 8000, "Invalid request", "Unknown method");
      const h = req.headers;
      const [scheme, given] = (h.authorization ?? "").split(" ");
      if (scheme !== "Bearer" || !state.tokens.has(given)) return directError(res, 53, "Authorization error", "Invalid OAuth token");
      if (clientLogin && h["client-login"] !== clientLogin) return directError(res, 8800, "Object not found", "The Client-Login is not a client of this agency");
      if (!["auto", "online", "offline"].includes(h.processingmode)) return directError(res, 8000, "Invalid request", "processingMode must be auto, online or offline");
      let params;
      try {
        params = JSON.parse(raw).params;
      } catch {
        return directError(res, 8000, "Invalid request", "The request body is not JSON");
      }
      const sc = params?.SelectionCriteria ?? {};
      if (params?.DateRangeType !== "CUSTOM_DATE" || !DAY.test(sc.DateFrom ?? "") || !DAY.test(sc.DateTo ?? "") || sc.DateFrom > sc.DateTo) {
        return directError(res, 8000, "Invalid request", "CUSTOM_DATE needs DateFrom and DateTo, DateFrom not after DateTo");
      }
      if (params.ReportType !== "CAMPAIGN_PERFORMANCE_REPORT") return directError(res, 8000, "Invalid request", "ReportType");
      if (!["TSV"].includes(params.Format)) return directError(res, 8000, "Invalid request", "Format must be TSV");
      if (!["YES", "NO"].includes(params.IncludeVAT)) return directError(res, 8000, "Invalid request", "IncludeVAT must be YES or NO");
      const fields = params.FieldNames ?? [];
      const known = ["Date", "CampaignId", "CampaignName", "Cost", "Clicks", "Impressions"];
      if (!fields.length || fields.some((f) => !known.includes(f))) return directError(res, 8000, "Invalid request", `FieldNames: ${fields}`);
      const name = params.ReportName;
      if (typeof name !== "string" || !name || name.length > 255) return directError(res, 8000, "Invalid request", "ReportName");
      requests.push({ headers: { ...h }, params });
      const key = JSON.stringify(params);
      const seen = reports.get(name);
      if (seen && seen.key !== key) return directError(res, 4000, "Invalid request parameters", "A report with this name and other parameters exists");
      const entry = seen ?? { key, tries: 0 };
      reports.set(name, entry);
      entry.tries++;
      if (entry.tries <= 2) {
        return res.writeHead(entry.tries === 1 ? 201 : 202, { retryIn: "1", reportsInQueue: "1" }).end();
      }
      const micros = h.returnmoneyinmicros !== "false";
      const lines = [];
      if (h.skipreportheader !== "true") lines.push(`"${name} (${sc.DateFrom} - ${sc.DateTo})"`);
      if (h.skipcolumnheader !== "true") lines.push(fields.join("\t"));
      let total = 0;
      for (let d = new Date(`${sc.DateFrom}T00:00:00Z`); d <= new Date(`${sc.DateTo}T00:00:00Z`); d = new Date(d.getTime() + 86_400_000)) {
        const day = d.toISOString().slice(0, 10);
        for (const c of costs(day)) {
          total += c.cost;
          const cost = micros ? String(Math.round(c.cost * 1e6)) : c.cost.toFixed(2);
          lines.push(fields.map((f) => ({ Date: day, CampaignId: String(c.id), CampaignName: c.name, Cost: cost, Clicks: "10", Impressions: "100" })[f]).join("\t"));
        }
      }
      if (h.skipreportsummary !== "true") lines.push(`Total rows: ${lines.length}\t${total}`);
      res.writeHead(200, { "content-type": "text/tab-separated-values; charset=utf-8", retryIn: "0" }).end(`${lines.join("\n")}\n`);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, state, close: () => new Promise((r) => server.close(r)) };
}
