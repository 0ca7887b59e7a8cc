// Stand-ins for the vendors' APIs that cannot be reached offline. Each
// checks every request against the vendor's documented parameters and
// authentication, and answers as the vendor does, errors included:
// - Twilio's Messages API (POST /2010-04-01/Accounts/{AccountSid}/Messages.json,
//   HTTP Basic with the account SID and auth token, a form with To, From or
//   MessagingServiceSid, Body); Twilio's test number +15005550001 is an
//   invalid `To` (error 21211), as with Twilio's test credentials.
// - Twilio's Calls API (POST /2010-04-01/Accounts/{AccountSid}/Calls.json:
//   To, From (a number of the account), Url (or Twiml or ApplicationSid),
//   Method, StatusCallback, StatusCallbackEvent (any of initiated, ringing,
//   answered, completed), Timeout), answering 201 with the new call.
// - Postmark's single e-mail API (POST /email, X-Postmark-Server-Token, JSON
//   with From, To, Subject, TextBody or HtmlBody, MessageStream).
// - Twilio's recording media (GET /2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}.mp3
//   or .wav, HTTP Basic as the account has "HTTP Basic Authentication for
//   media access" on): the audio, or 404 (error 20404) for a recording it lacks.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

const E164 = /^\+[1-9]\d{4,14}$/;
const EMAIL = /^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$/;

function twilioError(res, status, code, message) {
  res.writeHead(status, { "content-type": "application/json" }).end(
    JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
  );
}

function postmarkError(res, status, code, message) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ ErrorCode: code, Message: message }));
}

/**
 * Starts both stand-ins on one port. `accountSid`/`authToken`: the Twilio
 * account; `serverToken`: the Postmark server. Returns the base URL, what
 * each received (`sms`, `email`: accepted ones, with their time) and `close()`.
 */
export async function vendors({ accountSid, authToken, serverToken, numbers = [], recordings = [] }) {
  const recordingRequests = [];
  const calls = [];
  const sms = [];
  const email = [];
  const refused = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      const m = url.pathname.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/);
      if (m) return messages(req, res, m[1], raw);
      const c = url.pathname.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/);
      if (c) return placeCall(req, res, c[1], raw);
      if (url.pathname === "/email") return postmark(req, res, raw);
      const rec = url.pathname.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Recordings\/(RE[0-9a-f]{32})\.(mp3|wav)$/);
      if (rec) return recording(req, res, rec[1], rec[2], rec[3]);
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"not found"}');
    });
  });

  /** Recording media: a few bytes of MP3 (an ID3 header and the recording's sid). */
  function recording(req, res, sid, rec, ext) {
    if (!twilioAuth(req, res, sid, "GET")) return;
    if (!recordings.includes(rec)) return twilioError(res, 404, 20404, `The requested resource /2010-04-01/Accounts/${sid}/Recordings/${rec}.${ext} was not found`);
    recordingRequests.push({ sid: rec, at: Date.now() });
    res.writeHead(200, { "content-type": ext === "mp3" ? "audio/mpeg" : "audio/x-wav" }).end(Buffer.concat([Buffer.from("ID3\x04\x00\x00"), Buffer.from(rec)]));
  }

  /** Twilio's HTTP Basic check; false (and the 401 sent) when it fails. */
  function twilioAuth(req, res, sid, method = "POST") {
    if (req.method !== method) {
      twilioError(res, 405, 20004, "Method not allowed");
      return false;
    }
    const [scheme, cred] = (req.headers.authorization ?? "").split(" ");
    const [user, pass] = Buffer.from(cred ?? "", "base64").toString().split(":");
    if (scheme !== "Basic" || user !== accountSid || pass !== authToken || sid !== accountSid) {
      refused.push({ vendor: "twilio", why: "auth" });
      twilioError(res, 401, 20003, "Authenticate");
      return false;
    }
    return true;
  }

  function placeCall(req, res, sid, raw) {
    if (!twilioAuth(req, res, sid)) return;
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return twilioError(res, 400, 20001, "Unsupported content type");
    }
    const q = new URLSearchParams(raw);
    const p = Object.fromEntries(q);
    if (!p.To) return twilioError(res, 400, 21201, "No 'To' number is specified");
    if (!E164.test(p.To) || p.To === "+15005550001") return twilioError(res, 400, 21211, `Invalid 'To' Phone Number: ${p.To}`);
    if (!p.From) return twilioError(res, 400, 21213, "No 'From' number is specified");
    if (!numbers.includes(p.From)) {
      return twilioError(res, 400, 21210, `The source phone number provided, ${p.From}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.`);
    }
    if (!p.Url && !p.Twiml && !p.ApplicationSid) return twilioError(res, 400, 21205, "Url parameter is required.");
    for (const u of [p.Url, p.StatusCallback].filter(Boolean)) {
      if (!/^https?:\/\//.test(u)) return twilioError(res, 400, 21205, `Url is not a valid URL: ${u}`);
    }
    for (const m of [p.Method, p.StatusCallbackMethod].filter(Boolean)) {
      if (!["GET", "POST"].includes(m)) return twilioError(res, 400, 21203, `Method is not valid: ${m}`);
    }
    const events = q.getAll("StatusCallbackEvent");
    if (events.some((e) => !["initiated", "ringing", "answered", "completed"].includes(e))) {
      return twilioError(res, 400, 21626, `StatusCallbackEvent is not valid: ${events.join(" ")}`);
    }
    if (p.Timeout && !(Number(p.Timeout) >= 1 && Number(p.Timeout) <= 600)) return twilioError(res, 400, 21216, "Timeout must be between 1 and 600.");
    const known = new Set(["To", "From", "Url", "Twiml", "ApplicationSid", "Method", "StatusCallback", "StatusCallbackMethod", "StatusCallbackEvent", "Timeout", "Record", "CallerId", "SendDigits", "MachineDetection"]);
    const unknown = Object.keys(p).filter((k) => !known.has(k));
    if (unknown.length) return twilioError(res, 400, 21610, `Unknown parameters: ${unknown.join(", ")}`);
    const callSid = `CA${randomUUID().replaceAll("-", "")}`;
    calls.push({ ...p, StatusCallbackEvent: events, sid: callSid, at: Date.now() });
    const now = new Date().toUTCString();
    res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({
      account_sid: accountSid, api_version: "2010-04-01", date_created: now, date_updated: now, direction: "outbound-api",
      from: p.From, to: p.To, sid: callSid, status: "queued", uri: `/2010-04-01/Accounts/${accountSid}/Calls/${callSid}.json`,
    }));
  }

  function messages(req, res, sid, raw) {
    if (!twilioAuth(req, res, sid)) return;
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return twilioError(res, 400, 20001, "Unsupported content type");
    }
    const p = Object.fromEntries(new URLSearchParams(raw));
    if (!p.To || !E164.test(p.To) || p.To === "+15005550001") {
      refused.push({ vendor: "twilio", why: "to", to: p.To });
      return twilioError(res, 400, 21211, `The 'To' number ${p.To ?? ""} is not a valid phone number.`);
    }
    if (!p.From && !p.MessagingServiceSid) return twilioError(res, 400, 21603, "A 'From' phone number is required.");
    if (p.From && !E164.test(p.From)) return twilioError(res, 400, 21212, `The 'From' number ${p.From} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
    if (!p.Body) return twilioError(res, 400, 21602, "Message body is required.");
    if ([...p.Body].length > 1600) return twilioError(res, 400, 21617, "The concatenated message body exceeds the 1600 character limit.");
    const known = new Set(["To", "From", "MessagingServiceSid", "Body", "StatusCallback", "MediaUrl", "ValidityPeriod"]);
    const unknown = Object.keys(p).filter((k) => !known.has(k));
    if (unknown.length) return twilioError(res, 400, 21610, `Unknown parameters: ${unknown.join(", ")}`);
    const msgSid = `SM${randomUUID().replaceAll("-", "")}`;
    sms.push({ ...p, at: Date.now() });
    const now = new Date().toUTCString();
    res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({
      account_sid: accountSid, api_version: "2010-04-01", body: p.Body, date_created: now, date_sent: null, date_updated: now,
      direction: "outbound-api", error_code: null, error_message: null, from: p.From ?? null, messaging_service_sid: p.MessagingServiceSid ?? null,
      num_media: "0", num_segments: String(Math.ceil([...p.Body].length / 153)), price: null, price_unit: "USD", sid: msgSid,
      status: "queued", to: p.To, uri: `/2010-04-01/Accounts/${accountSid}/Messages/${msgSid}.json`,
    }));
  }

  function postmark(req, res, raw) {
    if (req.method !== "POST") return postmarkError(res, 405, 0, "Method not allowed");
    if (req.headers["x-postmark-server-token"] !== serverToken) {
      refused.push({ vendor: "postmark", why: "auth" });
      return postmarkError(res, 401, 10, "Request does not contain a valid Server token.");
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return postmarkError(res, 415, 409, "JSON required.");
    if (!(req.headers.accept ?? "").includes("application/json")) return postmarkError(res, 406, 409, "JSON required.");
    let b;
    try {
      b = JSON.parse(raw);
    } catch {
      return postmarkError(res, 400, 402, "Received invalid JSON input.");
    }
    if (!b.From || !EMAIL.test(b.From)) return postmarkError(res, 422, 300, "Invalid 'From' address.");
    if (!b.To || !String(b.To).split(",").every((a) => EMAIL.test(a.trim()))) return postmarkError(res, 422, 300, "Invalid 'To' address.");
    if (!b.TextBody && !b.HtmlBody) return postmarkError(res, 422, 300, "Provide either email TextBody or HtmlBody or both.");
    if (b.MessageStream && b.MessageStream !== "outbound") return postmarkError(res, 422, 1235, `The message stream '${b.MessageStream}' was not found.`);
    const known = new Set(["From", "To", "Cc", "Bcc", "Subject", "Tag", "HtmlBody", "TextBody", "ReplyTo", "Headers", "TrackOpens", "TrackLinks", "Metadata", "Attachments", "MessageStream"]);
    const unknown = Object.keys(b).filter((k) => !known.has(k));
    if (unknown.length) return postmarkError(res, 422, 403, `Incompatible JSON: ${unknown.join(", ")}`);
    email.push({ ...b, at: Date.now() });
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({ To: b.To, SubmittedAt: new Date().toISOString(), MessageID: randomUUID(), ErrorCode: 0, Message: "OK" }),
    );
  }

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    recordingRequests,
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    sms,
    email,
    refused,
    close: () => new Promise((r) => server.close(r)),
  };
}
