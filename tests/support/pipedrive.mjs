// A stand-in for Pipedrive's API v1, for the parts the CRM connector uses:
// GET /v1/persons/search (term, fields=phone, exact_match), POST /v1/persons
// (name required, phone as a list of { value, primary, label }), POST
// /v1/deals (title required, person_id), POST /v1/notes (content required,
// one of deal_id, person_id, org_id, lead_id). Every request needs the
// account's api_token (else 401, as Pipedrive answers); errors come in
// Pipedrive's shape ({ success: false, error, error_info }).
import { createServer } from "node:http";

export async function pipedrive({ apiToken }) {
  const persons = [];
  const deals = [];
  const notes = [];
  const requests = [];
  let next = 100;
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      requests.push({ method: req.method, path: url.pathname });
      const send = (status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      const fail = (status, error) => send(status, { success: false, error, error_info: "Please check developers.pipedrive.com", data: null, additional_data: null });
      if (url.searchParams.get("api_token") !== apiToken) return fail(401, "unauthorized access");
      let b = {};
      if (req.method === "POST") {
        if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return fail(400, "Content-Type must be application/json");
        try {
          b = JSON.parse(raw);
        } catch {
          return fail(400, "Invalid JSON");
        }
      }
      const key = `${req.method} ${url.pathname}`;
      if (key === "GET /v1/persons/search") {
        const term = url.searchParams.get("term") ?? "";
        const exact = url.searchParams.get("exact_match") === "true";
        if (term.length < (exact ? 1 : 2)) return fail(400, "Search term must be at least 2 characters long");
        const fields = (url.searchParams.get("fields") ?? "name,email,phone,notes,custom_fields").split(",");
        if (fields.some((f) => !["name", "email", "phone", "notes", "custom_fields"].includes(f))) return fail(400, "Invalid field");
        const items = persons
          .filter((p) => fields.includes("phone") && p.phones.some((ph) => (exact ? ph === term : ph.includes(term))))
          .map((p) => ({ result_score: 1, item: { id: p.id, type: "person", name: p.name, phones: p.phones, emails: [] } }));
        return send(200, { success: true, data: { items }, additional_data: { pagination: { start: 0, limit: 100, more_items_in_collection: false } } });
      }
      if (key === "POST /v1/persons") {
        if (!b.name) return fail(400, "Name must be given.");
        const phones = (Array.isArray(b.phone) ? b.phone : b.phone ? [{ value: b.phone }] : []).map((p) => p.value);
        const p = { id: next++, name: b.name, phones };
        persons.push(p);
        return send(201, { success: true, data: { id: p.id, name: p.name, phone: phones.map((value, i) => ({ value, primary: i === 0, label: "work" })) } });
      }
      if (key === "POST /v1/deals") {
        if (!b.title) return fail(400, "Title must be given.");
        if (b.person_id !== undefined && !persons.some((p) => p.id === b.person_id)) return fail(400, "Person not found.");
        const d = { id: next++, title: b.title, person_id: b.person_id ?? null, status: "open" };
        deals.push(d);
        return send(201, { success: true, data: d });
      }
      if (key === "POST /v1/notes") {
        if (!b.content) return fail(400, "Content must be given.");
        if (![b.deal_id, b.person_id, b.org_id, b.lead_id].some((x) => x !== undefined)) return fail(400, "Note must be attached to a deal, person, organization or lead.");
        if (b.deal_id !== undefined && !deals.some((d) => d.id === b.deal_id)) return fail(400, "Deal not found.");
        const n = { id: next++, content: b.content, deal_id: b.deal_id };
        notes.push(n);
        return send(201, { success: true, data: n });
      }
      fail(404, "Unknown method .");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, persons, deals, notes, requests, close: () => new Promise((r) => server.close(r)) };
}
