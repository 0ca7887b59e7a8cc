// A stand-in for Google's OAuth 2.0 token endpoint and the Google Ads API's
// ConversionUploadService, which cannot be reached offline, answering as
// Google documents them:
// - POST /token (application/x-www-form-urlencoded: grant_type=refresh_token,
//   client_id, client_secret, refresh_token): `{ access_token, expires_in,
//   scope, token_type: "Bearer" }`; a wrong client is 401 invalid_client, a
//   revoked or unknown refresh token 400 invalid_grant ("Token has been
//   expired or revoked.").
// - POST /v26/customers/{customerId}:uploadClickConversions with
//   `Authorization: Bearer <access token>`, `developer-token`, optionally
//   `login-customer-id`, and a JSON UploadClickConversionsRequest:
//   `conversions[]` of ClickConversion (gclid, conversionAction
//   `customers/{id}/conversionActions/{id}`, conversionDateTime
//   `yyyy-mm-dd hh:mm:ss+|-hh:mm`, conversionValue, currencyCode, orderId)
//   and `partialFailure` (required, true). 200 `{ results, jobId }`; a
//   click it does not know gives a `partialFailureError` (code 3) beside an
//   empty result; errors as Google's APIs give them, `{ error: { code,
//   message, status } }`: 401 UNAUTHENTICATED (a missing or expired access
//   token, or a bad developer token), 400 INVALID_ARGUMENT, 429
//   RESOURCE_EXHAUSTED.
// - POST /v26/customers/{customerId}/googleAds:search with the same headers
//   and `{ query, pageToken? }` (GAQL): for a query FROM campaign selecting
//   segments.date, campaign.id, campaign.name and metrics.cost_micros WHERE
//   segments.date BETWEEN two days, `{ results: [{ campaign: { resourceName,
//   id, name }, metrics: { costMicros }, segments: { date } }],
//   nextPageToken?, fieldMask }`, `pageSize` rows a page (micros as strings,
//   as the JSON mapping of int64 has it); a query it cannot read is 400
//   INVALID_ARGUMENT.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";

const DATE_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

function googleError(res, code, status, message) {
  res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify({ error: { code, message, status } }));
}

/** Starts the stand-in for one account, OAuth client and user. */
export async function startGoogleAds({ customerId, clientId, clientSecret, refreshToken, developerToken, knownGclids = [], costs = () => [], pageSize = 2 }) {
  const searches = [];
  const uploads = [];
  const tokens = new Map(); // access token -> expiry (ms)
  const state = { tokenRequests: 0, throttle: 0, expireTokens: false };
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      if (req.method === "POST" && url.pathname === "/token") {
        state.tokenRequests++;
        if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
          return res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_request", error_description: "Bad Request" }));
        }
        const p = new URLSearchParams(raw);
        if (p.get("grant_type") !== "refresh_token") {
          return res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "unsupported_grant_type", error_description: "Invalid grant_type: " + p.get("grant_type") }));
        }
        if (p.get("client_id") !== clientId || p.get("client_secret") !== clientSecret) {
          return res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_client", error_description: "Unauthorized" }));
        }
        if (p.get("refresh_token") !== refreshToken) {
          return res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_grant", error_description: "Token has been expired or revoked." }));
        }
        const token = `ya29.${randomBytes(12).toString("hex")}`;
        tokens.set(token, Date.now() + 3_599_000);
        return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: token, expires_in: 3599, scope: "https://www.googleapis.com/auth/adwords", token_type: "Bearer" }));
      }
      const search = url.pathname.match(/^\/v26\/customers\/(\d{10})\/googleAds:search$/);
      const m = search ?? url.pathname.match(/^\/v26\/customers\/(\d{10}):uploadClickConversions$/);
      if (!m || req.method !== "POST") return googleError(res, 404, "NOT_FOUND", "Method not found.");
      const [scheme, token] = (req.headers.authorization ?? "").split(" ");
      if (scheme !== "Bearer" || !tokens.has(token) || state.expireTokens) {
        if (state.expireTokens) tokens.clear(), (state.expireTokens = false);
        return googleError(res, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
      }
      if (req.headers["developer-token"] !== developerToken) return googleError(res, 401, "UNAUTHENTICATED", "The developer token is not valid.");
      if (m[1] !== customerId) return googleError(res, 403, "PERMISSION_DENIED", "The caller does not have permission");
      if (state.throttle > 0) {
        state.throttle--;
        return googleError(res, 429, "RESOURCE_EXHAUSTED", "Too many requests. Retry in 30 seconds.");
      }
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        return googleError(res, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
      }
      if (search) return searchCampaigns(res, body);
      if (body.partialFailure !== true) return googleError(res, 400, "INVALID_ARGUMENT", "Request contains an invalid argument: partial_failure must be true.");
      const conversions = body.conversions;
      if (!Array.isArray(conversions) || conversions.length === 0 || conversions.length > 2000) return googleError(res, 400, "INVALID_ARGUMENT", "Request contains an invalid argument: conversions.");
      const failures = [];
      const results = [];
      for (const [i, c] of conversions.entries()) {
        const wrong = (field) => googleError(res, 400, "INVALID_ARGUMENT", `Request contains an invalid argument: conversions[${i}].${field}`);
        if (typeof c.gclid !== "string" || !c.gclid) return wrong("gclid");
        if (!new RegExp(`^customers/${customerId}/conversionActions/\\d+$`).test(c.conversionAction ?? "")) return wrong("conversion_action");
        if (!DATE_TIME.test(c.conversionDateTime ?? "")) return wrong("conversion_date_time");
        if (c.conversionValue !== undefined && (typeof c.conversionValue !== "number" || c.conversionValue < 0)) return wrong("conversion_value");
        if (c.currencyCode !== undefined && !/^[A-Z]{3}$/.test(c.currencyCode)) return wrong("currency_code");
        if (!knownGclids.includes(c.gclid)) {
          failures.push(`The click associated with the given identifier or iOS URL parameter isn't found in the specified conversion action., at conversions[${i}].gclid`);
          results.push({});
          continue;
        }
        uploads.push({ ...c, customerId: m[1], loginCustomerId: req.headers["login-customer-id"] ?? null });
        results.push({ gclid: c.gclid, conversionAction: c.conversionAction, conversionDateTime: c.conversionDateTime });
      }
      const answer = { results, jobId: String(1_000_000 + uploads.length) };
      if (failures.length) answer.partialFailureError = { code: 3, message: failures.join("; "), details: [] };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  function searchCampaigns(res, body) {
    const q = String(body.query ?? "").replace(/\s+/g, " ");
    const m = q.match(/^SELECT (.+) FROM campaign WHERE segments\.date BETWEEN '(\d{4}-\d\d-\d\d)' AND '(\d{4}-\d\d-\d\d)'( AND metrics\.cost_micros > 0)?$/);
    const fields = m?.[1].split(",").map((f) => f.trim()) ?? [];
    const needed = ["segments.date", "campaign.name", "metrics.cost_micros"];
    if (!m || !needed.every((f) => fields.includes(f)) || m[2] > m[3]) {
      return googleError(res, 400, "INVALID_ARGUMENT", `Error in query: ${q}`);
    }
    searches.push({ query: q, pageToken: body.pageToken ?? null });
    const all = [];
    for (let d = new Date(`${m[2]}T00:00:00Z`); d <= new Date(`${m[3]}T00:00:00Z`); d = new Date(d.getTime() + 86_400_000)) {
      const day = d.toISOString().slice(0, 10);
      for (const c of costs(day)) {
        all.push({
          campaign: { resourceName: `customers/${customerId}/campaigns/${c.id}`, id: String(c.id), name: c.name },
          metrics: { costMicros: String(Math.round(c.cost * 1e6)) },
          segments: { date: day },
        });
      }
    }
    const start = body.pageToken ? Number(Buffer.from(body.pageToken, "base64").toString()) : 0;
    const page = all.slice(start, start + pageSize);
    const answer = { results: page, fieldMask: fields.join(",") };
    if (start + pageSize < all.length) answer.nextPageToken = Buffer.from(String(start + pageSize)).toString("base64");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  }

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { url: base, tokenUrl: `${base}/token`, uploads, searches, state, close: () => new Promise((r) => server.close(r)) };
}
