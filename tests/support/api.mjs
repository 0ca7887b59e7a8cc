// HTTP helpers for the API tests, and a check of every reply against
// edge-worker/openapi.yaml (JSON Schema 2020-12, as OpenAPI 3.1 uses).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const openapi = parse(readFileSync(join(root, "edge-worker", "openapi.yaml"), "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: "openapi.json", components: openapi.components });
const compiled = new Map();

export const ADMIN_KEY = "test-admin-key-" + randomBytes(8).toString("hex");

export function sessionId() {
  return randomBytes(16).toString("hex");
}

function rewriteRefs(x) {
  if (Array.isArray(x)) return x.map(rewriteRefs);
  if (x && typeof x === "object") {
    const out = {};
    for (const [k, v] of Object.entries(x)) out[k] = k === "$ref" && v.startsWith("#/") ? `openapi.json${v}` : rewriteRefs(v);
    return out;
  }
  return x;
}

function deref(x) {
  if (x && x.$ref && x.$ref.startsWith("#/")) {
    return x.$ref.slice(2).split("/").reduce((o, k) => o[k], openapi);
  }
  return x;
}

/** Asserts that `status` is documented for the route and `body` matches its schema. */
export function checkContract(method, template, status, body) {
  const op = openapi.paths[template]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${template} is not in openapi.yaml`);
  const resp = deref(op.responses[String(status)]);
  assert.ok(resp, `${method} ${template} does not document status ${status} (body: ${JSON.stringify(body)})`);
  const schema = resp.content?.["application/json"]?.schema ?? resp.content?.["text/plain"]?.schema;
  if (!schema) {
    assert.ok(body === null || body === undefined || body === "", `${status} should have no body`);
    return;
  }
  const key = `${method} ${template} ${status}`;
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rewriteRefs(schema)));
  const validate = compiled.get(key);
  assert.ok(validate(body), `${key}: reply does not match openapi.yaml: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}

/**
 * Calls the worker. `template` names the OpenAPI path the reply is checked
 * against (pass null to skip). Returns { status, headers, body }.
 */
export async function call(worker, method, path, { body, headers = {}, key, template, raw } = {}) {
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  let payload = raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  const r = await fetch(`${worker.url}${path}`, { method, headers: h, body: payload });
  const text = await r.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (template) checkContract(method, template, r.status, parsed);
  if (r.status >= 400) {
    // Every error: JSON with a code and a message, nothing internal.
    assert.equal(typeof parsed?.error?.code, "string", `error without code: ${text}`);
    assert.equal(typeof parsed?.error?.message, "string");
    assert.doesNotMatch(text, /panicked|RuntimeError|stack|\.rs:/);
  }
  return { status: r.status, headers: r.headers, body: parsed };
}

/** A site config for tests: one target with `pool` numbers. */
export function siteSpec({ pool = 3, fallback = "+74990009999", origins = ["http://shop.test"], ...rest } = {}) {
  return {
    name: "Test clinic",
    origins,
    region: "RU",
    targets: [
      {
        number: "8 (495) 123-45-67",
        label: "Main",
        pool: Array.from({ length: pool }, (_, i) => `+7499${String(1000000 + i).padStart(7, "0")}`),
        fallback,
        static_numbers: { offline: "+74990008888" },
      },
    ],
    fixation_secs: 1800,
    heartbeat_secs: 60,
    cooldown_secs: 300,
    ...rest,
  };
}

export async function createSite(worker, site, spec) {
  const r = await call(worker, "PUT", `/v1/sites/${site}`, { body: spec, key: ADMIN_KEY, template: "/v1/sites/{site}" });
  assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body));
  return r;
}

export async function newSession(worker, site, body = {}, headers = {}) {
  return call(worker, "POST", `/v1/sites/${site}/sessions`, {
    body: { session_id: sessionId(), url: "http://shop.test/?gclid=abc&utm_term=implants", ...body },
    headers,
    template: "/v1/sites/{site}/sessions",
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `f` until it returns a truthy value (a state, not a time); fails after `ms`. */
export async function until(f, what, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`never: ${what}`);
    await sleep(100);
  }
}
