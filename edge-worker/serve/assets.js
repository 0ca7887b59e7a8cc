// Static files when workerd runs the edge directly (npm start, self-hosting):
// what `[assets]` in wrangler.toml does on Cloudflare and under `wrangler dev`,
// for this project's files. The Rust worker hands it every request that is not
// its own (`/healthz`, `/v1/...`); it reads edge-worker/public through the
// `PUBLIC` disk service and applies the `_headers` rules the build writes there.
//
// Paths: `/a/` serves `/a/index.html`; `/a` serves `/a.html`, or redirects to
// `/a/` when that is a folder with an index; files starting with `_` or `.`
// are never served.

const TYPES = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  map: "application/json",
  wasm: "application/wasm",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  ts: "text/plain; charset=utf-8",
};

/** What is worth compressing on the wire. */
const COMPRESSIBLE = new Set(["html", "js", "mjs", "css", "json", "map", "wasm", "svg", "txt", "ts"]);

let rules; // [{ re, headers: [[name, value]] }], read once from public/_headers

async function headerRules(env) {
  if (rules) return rules;
  const r = await env.PUBLIC.fetch("http://public/_headers");
  const text = r.ok ? await r.text() : "";
  const out = [];
  for (const line of text.split("\n")) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      // A path pattern: `*` matches any run of characters (wrangler's splat).
      const re = new RegExp(`^${line.trim().split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
      out.push({ re, headers: [] });
    } else if (out.length) {
      const i = line.indexOf(":");
      if (i > 0) out[out.length - 1].headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
  }
  rules = out;
  return rules;
}

function notFound() {
  return new Response(JSON.stringify({ error: { code: "not_found", message: "no such route" } }), {
    status: 404,
    headers: { "content-type": "application/json" },
  });
}

async function file(env, path) {
  const r = await env.PUBLIC.fetch(`http://public${path}`);
  return r.status === 200 ? r : null;
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    let path;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return notFound();
    }
    const segments = path.split("/");
    if (segments.some((s) => s === ".." || s.startsWith(".") || s.startsWith("_"))) return notFound();
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response(JSON.stringify({ error: { code: "method_not_allowed", message: "static files answer GET and HEAD" } }), {
        status: 405,
        headers: { "content-type": "application/json", allow: "GET, HEAD" },
      });
    }
    const last = segments[segments.length - 1];
    let served = path;
    let found;
    if (path.endsWith("/")) {
      served = `${path}index.html`;
      found = await file(env, served);
    } else if (last.includes(".")) {
      found = await file(env, path);
    } else {
      served = `${path}.html`;
      found = await file(env, served);
      if (!found && (await file(env, `${path}/index.html`))) {
        return new Response(null, { status: 307, headers: { location: `${url.pathname}/${url.search}` } });
      }
    }
    if (!found) return notFound();
    const headers = new Headers();
    const ext = served.slice(served.lastIndexOf(".") + 1).toLowerCase();
    headers.set("content-type", TYPES[ext] ?? "application/octet-stream");
    // Text and wasm compressed when the client takes gzip (as Cloudflare does
    // in front of a deployed Worker): workerd encodes the body itself when a
    // response names its encoding. The wasm is half the size on the wire.
    const compress = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(req.headers.get("accept-encoding") ?? "");
    headers.set("vary", "accept-encoding");
    if (compress) headers.set("content-encoding", "gzip");
    const length = found.headers.get("content-length");
    if (length && !compress) headers.set("content-length", length);
    for (const rule of await headerRules(env)) {
      if (rule.re.test(url.pathname)) for (const [k, v] of rule.headers) headers.set(k, v);
    }
    return new Response(req.method === "HEAD" ? null : found.body, { status: 200, headers });
  },
};
