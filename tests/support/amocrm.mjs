// A stand-in for amoCRM's API v4, for the parts the CRM connector uses, each
// request checked as amoCRM's documentation states it:
// - every /api/v4 request needs `Authorization: Bearer <token>` (else 401);
//   more than 7 requests in a second answer 429 (amoCRM's limit per
//   integration);
// - GET /api/v4/contacts?query=&limit= (limit 1 to 250): 200 with
//   `_embedded.contacts`, or 204 with no body when nothing is found;
// - POST /api/v4/contacts, /api/v4/leads, /api/v4/leads/complex,
//   /api/v4/leads/notes, /api/v4/tasks take a JSON array (at most 50 here);
//   a bad field answers 400 with amoCRM's `validation-errors`; notes need an
//   existing deal, tasks `text` and `complete_till` (a Unix time in seconds)
//   and, with an entity, its `entity_type`; leads/complex takes at most one
//   contact and answers an array of { id, contact_id, company_id, request_id, merged };
// - POST /oauth2/access_token trades a refresh token (good for one use) for
//   a new pair; a used or unknown one answers 400.
// Errors come in amoCRM's shape ({ title, type, status, detail }).
import { createServer } from "node:http";

export async function amocrm({ accessToken, clientId = null, clientSecret = null, refreshToken = null, redirectUri = null }) {
  const contacts = [];
  const deals = [];
  const notes = [];
  const tasks = [];
  const requests = [];
  const refreshed = [];
  let tooMany = 0;
  let next = 1000;
  let token = accessToken;
  let refresh = refreshToken;
  const recent = [];
  const failures = new Map(); // "METHOD /path" -> statuses to answer first
  const problem = (status, title, detail, extra = {}) => ({ title, type: `https://httpstatus.es/${status}`, status, detail, ...extra });
  const invalid = (request_id, path, detail) =>
    problem(400, "Bad Request", "Request validation failed", { "validation-errors": [{ request_id: String(request_id), errors: [{ code: "InvalidType", path, detail }] }] });
  const phoneOf = (c) =>
    (c.custom_fields_values ?? [])
      .filter((f) => f.field_code === "PHONE")
      .flatMap((f) => (f.values ?? []).map((v) => v.value));
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      const key = `${req.method} ${url.pathname}`;
      requests.push({ method: req.method, path: url.pathname, query: url.search, at: Date.now() });
      const send = (status, body) => {
        if (body === undefined) return res.writeHead(status).end();
        res.writeHead(status, { "content-type": "application/hal+json" }).end(JSON.stringify(body));
      };
      let b = null;
      if (req.method === "POST") {
        if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return send(400, problem(400, "Bad Request", "Content-Type must be application/json"));
        try {
          b = JSON.parse(raw);
        } catch {
          return send(400, problem(400, "Bad Request", "Invalid JSON"));
        }
      }
      if (key === "POST /oauth2/access_token") {
        if (b.grant_type !== "refresh_token") return send(400, problem(400, "Некорректный запрос", "grant_type", { hint: "Check grant_type" }));
        if (b.client_id !== clientId || b.client_secret !== clientSecret || b.redirect_uri !== redirectUri) {
          return send(401, problem(401, "Unauthorized", "Client authentication failed", { hint: "Check client_id, client_secret and redirect_uri" }));
        }
        if (!refresh || b.refresh_token !== refresh) return send(400, problem(400, "Некорректный запрос", "The refresh token is invalid.", { hint: "Token has been revoked" }));
        token = `access-${next++}`;
        refresh = `refresh-${next++}`; // the one used is spent
        refreshed.push({ access: token, refresh });
        return send(200, { token_type: "Bearer", expires_in: 86400, access_token: token, refresh_token: refresh });
      }
      if (!url.pathname.startsWith("/api/v4/")) return send(404, problem(404, "Not Found", "Unknown method"));
      const now = Date.now();
      while (recent.length && recent[0] <= now - 1000) recent.shift();
      if (recent.length >= 7) {
        tooMany++;
        return send(429, problem(429, "Too Many Requests", "Rate limit exceeded"));
      }
      recent.push(now);
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, problem(401, "Unauthorized", "Invalid token"));
      const queued = failures.get(key);
      if (queued?.length) return send(queued.shift(), problem(500, "Internal Server Error", "Something went wrong"));
      if (req.method === "POST" && (!Array.isArray(b) || b.length === 0 || b.length > 50)) {
        return send(400, problem(400, "Bad Request", "Request body must be a non-empty array of at most 50 items"));
      }
      if (key === "GET /api/v4/contacts") {
        const limit = Number(url.searchParams.get("limit") ?? 50);
        if (!Number.isInteger(limit) || limit < 1 || limit > 250) return send(400, invalid(0, "limit", "limit must be from 1 to 250"));
        const q = url.searchParams.get("query") ?? "";
        const found = contacts.filter((c) => q && (c.name.includes(q) || c.phones.some((p) => p.includes(q)))).slice(0, limit);
        if (!found.length) return send(204);
        return send(200, { _page: 1, _links: {}, _embedded: { contacts: found.map((c) => ({ id: c.id, name: c.name, custom_fields_values: [{ field_code: "PHONE", values: c.phones.map((value) => ({ value, enum_code: "WORK" })) }] })) } });
      }
      const checkContact = (c, i, at) => {
        if (typeof c.name !== "string" && typeof c.first_name !== "string") return invalid(i, `${at}name`, "name or first_name is required");
        for (const [k, f] of (c.custom_fields_values ?? []).entries()) {
          if (!f.field_code && !f.field_id) return invalid(i, `${at}custom_fields_values.${k}`, "field_id or field_code is required");
          if (!Array.isArray(f.values) || !f.values.length) return invalid(i, `${at}custom_fields_values.${k}.values`, "values must be a non-empty array");
          if (f.field_code === "PHONE" && f.values.some((v) => !["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"].includes(v.enum_code))) {
            return invalid(i, `${at}custom_fields_values.${k}.values.0.enum_code`, "NotSupportedChoice");
          }
        }
        return null;
      };
      const newContact = (c) => {
        const made = { id: next++, name: c.name ?? c.first_name, phones: phoneOf(c), responsible_user_id: c.responsible_user_id ?? null };
        contacts.push(made);
        return made;
      };
      const checkLead = (l, i) => {
        if (l.name !== undefined && typeof l.name !== "string") return invalid(i, "name", "name must be a string");
        for (const k of ["price", "status_id", "pipeline_id", "responsible_user_id"]) {
          if (l[k] !== undefined && !Number.isInteger(l[k])) return invalid(i, k, `${k} must be an int`);
        }
        for (const t of l._embedded?.tags ?? []) if (typeof t.name !== "string" && !Number.isInteger(t.id)) return invalid(i, "_embedded.tags", "a tag needs a name or an id");
        return null;
      };
      const newLead = (l, contactId) => {
        const d = {
          id: next++,
          name: l.name ?? `Сделка #${next}`,
          price: l.price ?? 0,
          pipeline_id: l.pipeline_id ?? 1,
          status_id: l.status_id ?? 10,
          responsible_user_id: l.responsible_user_id ?? null,
          tags: (l._embedded?.tags ?? []).map((t) => t.name),
          contact_id: contactId,
        };
        deals.push(d);
        return d;
      };
      if (key === "POST /api/v4/contacts") {
        for (const [i, c] of b.entries()) {
          const bad = checkContact(c, i, "");
          if (bad) return send(400, bad);
        }
        const made = b.map((c, i) => ({ id: newContact(c).id, request_id: String(i), _links: {} }));
        return send(200, { _links: {}, _embedded: { contacts: made } });
      }
      if (key === "POST /api/v4/leads") {
        const out = [];
        for (const [i, l] of b.entries()) {
          const bad = checkLead(l, i);
          if (bad) return send(400, bad);
          const linked = l._embedded?.contacts ?? [];
          if (linked.some((c) => !contacts.some((x) => x.id === c.id))) return send(400, invalid(i, "_embedded.contacts.0.id", "Contact not found"));
          out.push({ id: newLead(l, linked[0]?.id ?? null).id, request_id: String(i), _links: {} });
        }
        return send(200, { _links: {}, _embedded: { leads: out } });
      }
      if (key === "POST /api/v4/leads/complex") {
        const out = [];
        for (const [i, l] of b.entries()) {
          const bad = checkLead(l, i);
          if (bad) return send(400, bad);
          const cs = l._embedded?.contacts ?? [];
          if (cs.length > 1) return send(400, invalid(i, "_embedded.contacts", "at most one contact"));
          if (cs[0]) {
            const badC = checkContact(cs[0], i, "_embedded.contacts.0.");
            if (badC) return send(400, badC);
          }
          const c = cs[0] ? newContact(cs[0]) : null;
          out.push({ id: newLead(l, c?.id ?? null).id, contact_id: c?.id ?? null, company_id: null, request_id: [String(i)], merged: false });
        }
        return send(200, out);
      }
      if (key === "POST /api/v4/leads/notes") {
        const out = [];
        for (const [i, n] of b.entries()) {
          if (!deals.some((d) => d.id === n.entity_id)) return send(400, invalid(i, "entity_id", "Entity not found"));
          if (!["common", "call_in", "call_out", "service_message"].includes(n.note_type)) return send(400, invalid(i, "note_type", "NotSupportedChoice"));
          if (n.note_type === "common" && typeof n.params?.text !== "string") return send(400, invalid(i, "params.text", "text is required"));
          const made = { id: next++, entity_id: n.entity_id, text: n.params.text };
          notes.push(made);
          out.push({ id: made.id, entity_id: made.entity_id, request_id: String(i) });
        }
        return send(200, { _links: {}, _embedded: { notes: out } });
      }
      if (key === "POST /api/v4/tasks") {
        const out = [];
        for (const [i, t] of b.entries()) {
          if (typeof t.text !== "string" || !t.text) return send(400, invalid(i, "text", "text is required"));
          if (!Number.isInteger(t.complete_till)) return send(400, invalid(i, "complete_till", "complete_till must be a Unix timestamp"));
          if (t.entity_id !== undefined && !["leads", "contacts", "companies", "customers"].includes(t.entity_type)) {
            return send(400, invalid(i, "entity_type", "NotSupportedChoice"));
          }
          if (t.entity_type === "contacts" && !contacts.some((c) => c.id === t.entity_id)) return send(400, invalid(i, "entity_id", "Entity not found"));
          const made = { id: next++, ...t };
          tasks.push(made);
          out.push({ id: made.id, request_id: String(i), _links: {} });
        }
        return send(200, { _links: {}, _embedded: { tasks: out } });
      }
      send(404, problem(404, "Not Found", "Unknown method"));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    contacts,
    deals,
    notes,
    tasks,
    requests,
    refreshed,
    tooMany: () => tooMany,
    /** The access token expires now: the next request answers 401. */
    expire: () => {
      token = `expired-${next++}-never-valid`;
    },
    /** The next requests to `key` ("POST /api/v4/leads/notes") answer these statuses first. */
    failNext: (key, ...statuses) => failures.set(key, statuses),
    close: () => new Promise((r) => server.close(r)),
  };
}
