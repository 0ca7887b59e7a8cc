// A stand-in for Yandex Metrica's management API, which cannot be reached
// offline, answering as Yandex documents `upload_calls`:
// - POST /management/v1/counter/{counterId}/offline_conversions/upload_calls
//   (query: comment, new_goal_name), `Authorization: OAuth <token>`, a
//   multipart/form-data body with the CSV in the field `file` (read here
//   by undici's own form parser, not ours).
// - The CSV: a header naming the columns, one of UserId, ClientId or Yclid,
//   DateTime (Unix seconds, UTC, not in the future), and of the optional
//   ones StaticCall, CallMissed, FirstTimeCaller (0 or 1), Talk and
//   HoldDuration (seconds), Tag, URL and CallTrackerURL; any other column
//   is an error.
// - 200 `{ uploading: { id, create_time, source_quantity, line_quantity,
//   comment, type, client_id_type, status, static_calls_quantity,
//   dynamic_calls_quantity } }`; errors as Metrica's API gives them:
//   `{ errors: [{ error_type, message }], code, message }` with 400
//   (invalid_parameter), 403 (invalid_token: a wrong or revoked token, or
//   another counter) and 429 (quota_requests_by_uid).
import { createServer } from "node:http";

const COLUMNS = new Set(["UserId", "ClientId", "Yclid", "DateTime", "StaticCall", "Talk", "HoldDuration", "CallMissed", "Tag", "FirstTimeCaller", "URL", "CallTrackerURL"]);
const IDS = ["UserId", "ClientId", "Yclid"];

function error(res, code, type, message) {
  res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ error_type: type, message }], code, message }));
}

/** A plain CSV (no quoted line breaks): rows of cells, quotes undone. */
function csvRows(text) {
  return text.trim().split(/\r?\n/).map((line) => {
    const cells = [];
    let cell = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted && c === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = !quoted;
      else if (c === "," && !quoted) cells.push(cell), (cell = "");
      else cell += c;
    }
    cells.push(cell);
    return cells;
  });
}

/** Checks one upload's CSV as Metrica does; the rows as objects, or why not. */
function check(text) {
  const [header, ...rows] = csvRows(text);
  const unknown = header.filter((h) => !COLUMNS.has(h));
  if (unknown.length) return { why: `Unknown columns: ${unknown.join(", ")}` };
  const ids = header.filter((h) => IDS.includes(h));
  if (ids.length !== 1) return { why: "One of UserId, ClientId or Yclid is required" };
  if (!header.includes("DateTime")) return { why: "DateTime is required" };
  if (rows.length === 0) return { why: "No data" };
  const out = [];
  for (const [i, cells] of rows.entries()) {
    if (cells.length !== header.length) return { why: `Line ${i + 2}: ${cells.length} cells, ${header.length} columns` };
    const r = Object.fromEntries(header.map((h, k) => [h, cells[k]]));
    if (!/^\d+$/.test(r[ids[0]])) return { why: `Line ${i + 2}: ${ids[0]} is not a number` };
    const t = Number(r.DateTime);
    if (!/^\d{10}$/.test(r.DateTime) || t > Date.now() / 1000 + 60) return { why: `Line ${i + 2}: DateTime must be a Unix time stamp in the past` };
    for (const f of ["StaticCall", "CallMissed", "FirstTimeCaller"]) {
      if (f in r && !["0", "1"].includes(r[f])) return { why: `Line ${i + 2}: ${f} must be 0 or 1` };
    }
    for (const f of ["Talk", "HoldDuration"]) {
      if (f in r && !/^\d+$/.test(r[f])) return { why: `Line ${i + 2}: ${f} must be a number of seconds` };
    }
    if (r.URL && !/^https?:\/\//.test(r.URL)) return { why: `Line ${i + 2}: URL must be a URL` };
    out.push(r);
  }
  return { rows: out, idType: { UserId: "USER_ID", ClientId: "CLIENT_ID", Yclid: "YCLID" }[ids[0]] };
}

/** Starts the stand-in for tag `counter` and OAuth `token`. */
export async function startMetrica({ counter, token }) {
  const uploads = [];
  const state = { revoked: false, throttle: 0 };
  let nextId = 1;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", async () => {
      const url = new URL(req.url, "http://x");
      const m = url.pathname.match(/^\/management\/v1\/counter\/(\d+)\/offline_conversions\/upload_calls$/);
      if (!m) return error(res, 404, "not_found", "Not found");
      if (req.method !== "POST") return error(res, 405, "invalid_method", "Method not allowed");
      const [scheme, given] = (req.headers.authorization ?? "").split(" ");
      if (scheme !== "OAuth" || given !== token || state.revoked || m[1] !== String(counter)) {
        return error(res, 403, "invalid_token", "Invalid oauth_token");
      }
      if (state.throttle > 0) {
        state.throttle--;
        return error(res, 429, "quota_requests_by_uid", "Quota exceeded: too many requests for this user");
      }
      let form;
      try {
        form = await new Response(Buffer.concat(chunks), { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
      } catch (e) {
        return error(res, 400, "invalid_parameter", `Not multipart/form-data: ${e.message}`);
      }
      const file = form.get("file");
      if (!file || typeof file === "string") return error(res, 400, "invalid_parameter", "The file field is required");
      const checked = check(await file.text());
      if (checked.why) return error(res, 400, "invalid_parameter", checked.why);
      const uploading = {
        id: nextId++,
        create_time: new Date().toISOString(),
        source_quantity: checked.rows.length,
        line_quantity: checked.rows.length,
        comment: url.searchParams.get("comment") ?? "",
        type: "BASIC",
        client_id_type: checked.idType,
        status: "UPLOADED",
        static_calls_quantity: checked.rows.filter((r) => r.StaticCall === "1").length,
        dynamic_calls_quantity: checked.rows.filter((r) => r.StaticCall !== "1").length,
      };
      uploads.push({ ...uploading, rows: checked.rows, filename: file.name });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ uploading }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, uploads, state, close: () => new Promise((r) => server.close(r)) };
}
