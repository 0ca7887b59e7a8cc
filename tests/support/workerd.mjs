// Starts the built edge worker on a real workerd for a test, on a free
// 127.0.0.1 port with its own state folder, and stops it afterwards: workerd
// itself on the config the build writes (as npm start and a self-hoster run
// it), or `wrangler dev` (the development server) with `via: "wrangler"`.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnWorkerd, writeWorkerdConfig } from "../../scripts/workerd.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let config; // the tests' workerd config: the build's, with this machine's stand-ins reachable

/**
 * Starts workerd with the worker in edge-worker/build. `persistTo` keeps state
 * across restarts (kill-and-restart tests pass the same folder twice).
 */
export async function startWorker({ persistTo, vars = {}, port, via = "workerd", deployment = false } = {}) {
  port ??= await freePort();
  const state = persistTo ?? mkdtempSync(join(tmpdir(), "calltrack-state-"));
  let child;
  if (via === "wrangler") {
    const args = [
      join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "dev",
      "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state,
      "--inspector-port", String(await freePort()), "--show-interactive-dev-session=false",
    ];
    for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
    child = spawn(process.execPath, args, {
      cwd: join(root, "edge-worker"),
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: stop() signals wrangler and workerd together,
      // so SIGKILL really kills the runtime, as a crash would.
      detached: true,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
  } else {
    config ??= writeWorkerdConfig({ outbound: ["public", "private", "local"], file: "workerd-test.capnp" });
    // `deployment`: the config `npm run build` writes for a self-hoster, as it is.
    const file = deployment ? join(root, "edge-worker", "build", "workerd.capnp") : config;
    child = spawnWorkerd({ config: file, address: `127.0.0.1:${port}`, state, vars });
  }
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited early:\n${log}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`workerd did not answer within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    state,
    child,
    log: () => log,
    /** Stops workerd: SIGTERM (or SIGKILL to simulate a crash). */
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once("exit", r));
      const group = (sig) => {
        try {
          process.kill(-child.pid, sig);
        } catch {}
      };
      group(signal);
      await Promise.race([done, new Promise((r) => setTimeout(r, 5_000))]);
      group("SIGKILL");
      if (!persistTo) rmSync(state, { recursive: true, force: true });
    },
  };
}
