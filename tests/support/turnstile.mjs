// A stand-in for Cloudflare Turnstile, which cannot be reached offline,
// answering as Cloudflare's documentation says:
// - POST /turnstile/v0/siteverify (form or JSON: secret, response, remoteip,
//   idempotency_key): `{ success, "error-codes", challenge_ts, hostname }`;
//   the documented test secret keys: 1x0000000000000000000000000000000AA
//   always passes, 2x0000000000000000000000000000000AA always fails
//   (invalid-input-response), 3x0000000000000000000000000000000AA answers
//   timeout-or-duplicate; any other secret is invalid-input-secret. A token
//   is checked once (a second time: timeout-or-duplicate); a missing one is
//   missing-input-response; more than 2048 characters, invalid-input-response.
// - GET /turnstile/v0/api.js?render=explicit: the widget's script as a test
//   site key behaves (1x00000000000000000000AA: always passes, invisible):
//   `turnstile.render(el, { sitekey, callback })` calls back with the dummy
//   token `XXXX.DUMMY.TOKEN.XXXX`, which only the test secret keys take.
import { createServer } from "node:http";

export const PASS_SECRET = "1x0000000000000000000000000000000AA";
export const FAIL_SECRET = "2x0000000000000000000000000000000AA";
export const PASS_SITE_KEY = "1x00000000000000000000AA";
export const DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";

const WIDGET = `window.turnstile = {
  render(el, opts) {
    if (!opts || opts.sitekey !== ${JSON.stringify(PASS_SITE_KEY)}) throw new Error("turnstile: unknown sitekey");
    el.dataset.turnstile = "rendered";
    setTimeout(() => opts.callback(${JSON.stringify(DUMMY_TOKEN)}), 10);
    return "widget-1";
  },
};`;

export async function startTurnstile() {
  const checks = [];
  const seen = new Set();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      if (req.method === "GET" && url.pathname === "/turnstile/v0/api.js") {
        if (url.searchParams.get("render") !== "explicit") return res.writeHead(400).end("render=explicit expected");
        return res.writeHead(200, { "content-type": "text/javascript" }).end(WIDGET);
      }
      if (req.method !== "POST" || url.pathname !== "/turnstile/v0/siteverify") return res.writeHead(404).end();
      const type = req.headers["content-type"] ?? "";
      const p = type.startsWith("application/json") ? JSON.parse(body || "{}") : Object.fromEntries(new URLSearchParams(body));
      checks.push(p);
      const answer = (success, codes = []) =>
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
          success,
          "error-codes": codes,
          ...(success ? { challenge_ts: new Date().toISOString(), hostname: "example.com", action: "", cdata: "" } : {}),
        }));
      if (!p.secret) return answer(false, ["missing-input-secret"]);
      if (!p.response) return answer(false, ["missing-input-response"]);
      if (p.response.length > 2048) return answer(false, ["invalid-input-response"]);
      if (p.secret === FAIL_SECRET) return answer(false, ["invalid-input-response"]);
      if (p.secret.startsWith("3x")) return answer(false, ["timeout-or-duplicate"]);
      if (p.secret !== PASS_SECRET) return answer(false, ["invalid-input-secret"]);
      if (p.response !== DUMMY_TOKEN) return answer(false, ["invalid-input-response"]);
      // Each token once (the dummy token stands for a fresh one each visit: per address).
      const key = `${p.response}:${p.remoteip ?? ""}`;
      if (seen.has(key)) return answer(false, ["timeout-or-duplicate"]);
      seen.add(key);
      return answer(true);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    verify: `${url}/turnstile/v0/siteverify`,
    script: `${url}/turnstile/v0/api.js`,
    checks,
    close: () => new Promise((r) => server.close(r)),
  };
}
