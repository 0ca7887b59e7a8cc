// Property-based tests of the API contract with Schemathesis (PyPI), in
// npm test: requests generated from edge-worker/openapi.yaml against a real
// workerd with a site, every reply checked: no 5xx, every status documented,
// content types and bodies as the schema says, every request the schema
// allows accepted (edge-worker/schemathesis.toml); then its stateful phase, which
// follows the links from a new session to its heartbeat, trail and release.
// A bounded number of examples per operation and a fixed seed: a failure
// replays. Needs python3 (with venv); Schemathesis is installed once into
// the tools cache.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_KEY, createSite, siteSpec } from "../tests/support/api.mjs";
import { startWorker } from "../tests/support/workerd.mjs";
import { env, fail, log, root, runLive, toolsDir } from "./lib.mjs";

const VERSION = "4.32.5";
const venv = join(toolsDir, "schemathesis");
const bin = join(venv, "bin", "schemathesis");
if (!existsSync(bin)) {
  log(`• installing Schemathesis ${VERSION} into ${venv} (once)`);
  if (runLive("python3", ["-m", "venv", venv]) !== 0) fail("python3 -m venv failed: Schemathesis needs python3 with venv");
  if (runLive(join(venv, "bin", "pip"), ["install", "-q", `schemathesis==${VERSION}`]) !== 0) fail(`pip could not install schemathesis ${VERSION}`);
}
const w = await startWorker({ vars: { ADMIN_KEY } });
let code = 1;
try {
  await createSite(w, "demo", siteSpec({ pool: 20, limits: { sessions_per_client_per_minute: 100000, sessions_per_site_per_minute: 100000 } }));
  code = runLive(bin, [
    "--config-file", join(root, "edge-worker", "schemathesis.toml"),
    "run", join(root, "edge-worker", "openapi.yaml"),
    "--url", w.url,
    "-H", `Authorization: Bearer ${ADMIN_KEY}`,
    "--phases", "examples,fuzzing,stateful",
    "--max-examples", process.env.SCHEMATHESIS_EXAMPLES ?? "25",
    "--seed", "20261207",
    "--no-color",
  ], { env: { ...env, SCHEMATHESIS_HOOKS: join(root, "edge-worker", "schemathesis_hooks.py") } });
} finally {
  await w.stop();
}
process.exit(code);
