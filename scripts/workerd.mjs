// The edge on workerd itself, without wrangler's dev proxy: the config the
// build writes (edge-worker/build/workerd.capnp) and how to start it. This is
// how `npm start`, the tests and the benchmark run the edge, and how a
// self-hoster runs it as a service (README, "Self-hosting on workerd").
//
// The config names no port and no folders: they are given on the command line,
//   workerd serve edge-worker/build/workerd.capnp \
//     --socket-addr http=127.0.0.1:8787 \
//     --directory-path state=/var/lib/calltrack --directory-path public=edge-worker/public
// and the secrets (ADMIN_KEY, DEMO_SITES) come from the environment.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { root } from "./lib.mjs";

/** The variables the worker reads, bound from workerd's environment. */
export const WORKER_VARS = ["ADMIN_KEY", "DEMO_SITES", "TEST_FAULTS", "SECRETS_KEY", "SECRETS_KEY_OLD", "INSERT_ROUTES", "INSERT_LEASE_MS"];

/** The workerd binary of the npm `workerd` package (the one wrangler runs). */
export function workerdBin() {
  const require = createRequire(join(root, "package.json"));
  return require("workerd").default;
}

/**
 * Writes edge-worker/build/workerd.capnp for the worker in edge-worker/build.
 * `outbound`: the addresses the worker may fetch (webhooks, GA4, Twilio):
 * "public" for a deployment; npm start and the tests add "private" and
 * "local" (a receiver on this machine, the tests' stand-ins).
 */
export function writeWorkerdConfig({ outbound = ["public"], file = "workerd.capnp" } = {}) {
  const build = join(root, "edge-worker", "build");
  const modules = readdirSync(build)
    .filter((f) => /\.(m?js|wasm)$/.test(f))
    .sort((a, b) => (a === "index.js" ? -1 : b === "index.js" ? 1 : a.localeCompare(b)))
    .map((f) => `    (name = "${f}", ${f.endsWith(".wasm") ? "wasm" : "esModule"} = embed "${f}"),`);
  // One compatibility date for both ways of running: wrangler.toml's.
  const compat = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(join(root, "edge-worker", "wrangler.toml"), "utf8"))?.[1];
  if (!compat) throw new Error("edge-worker/wrangler.toml names no compatibility_date");
  const text = `# Written by npm run build (scripts/workerd.mjs): the edge on workerd, no wrangler.
# Run: workerd serve workerd.capnp --socket-addr http=HOST:PORT \\
#        --directory-path state=STATE_DIR --directory-path public=edge-worker/public
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge", worker = .edge),
    (name = "assets", worker = .assets),
    (name = "public", disk = (path = "../public", writable = false)),
    # Each site's Durable Object keeps its SQLite database here.
    (name = "state", disk = (path = "../../.wrangler/workerd", writable = true)),
    (name = "internet", network = (allow = [${outbound.map((a) => `"${a}"`).join(", ")}], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "edge")],
);

const edge :Workerd.Worker = (
  modules = [
${modules.join("\n")}
  ],
  compatibilityDate = "${compat}",
  bindings = [
    (name = "SITES", durableObjectNamespace = "SiteObject"),
    (name = "DIRECTORY", durableObjectNamespace = "Directory"),
    (name = "ASSETS", service = "assets"),
${WORKER_VARS.map((v) => `    (name = "${v}", fromEnvironment = "${v}"),`).join("\n")}
  ],
  durableObjectNamespaces = [
    (className = "SiteObject", uniqueKey = "calltrack-SiteObject", enableSql = true),
    (className = "Directory", uniqueKey = "calltrack-Directory", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "state"),
  globalOutbound = "internet",
);

const assets :Workerd.Worker = (
  modules = [(name = "assets.js", esModule = embed "../serve/assets.js")],
  compatibilityDate = "${compat}",
  bindings = [(name = "PUBLIC", service = "public")],
);
`;
  const path = join(build, file);
  writeFileSync(path, text);
  return path;
}

/**
 * Spawns workerd on the config. `state`: the Durable Objects' folder; `vars`:
 * the worker's variables (through the environment); its own process group.
 */
export function spawnWorkerd({ config, address, state, vars = {}, stdio = ["ignore", "pipe", "pipe"], detached = true }) {
  const env = { ...process.env };
  for (const v of WORKER_VARS) delete env[v];
  Object.assign(env, vars);
  return spawn(workerdBin(), [
    "serve", config,
    `--socket-addr=http=${address}`,
    `--directory-path=state=${state}`,
    `--directory-path=public=${join(root, "edge-worker", "public")}`,
  ], { cwd: root, stdio, detached, env });
}
