// Shared helpers for the project's commands (npm start, npm test, npm run bench).
// Each step installs what it lacks and says what to do when it cannot.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const isCI = !!process.env.CI;

// Binaries installed with `cargo install` live in a cache shared by clones,
// so a second run (and CI on the same machine) skips the 10-minute installs.
export const cacheDir = process.env.CALLTRACK_CACHE || join(homedir(), ".cache", "calltrack");
export const toolsDir = join(cacheDir, "tools");
export const toolsBin = join(toolsDir, "bin");

// Pinned versions: wasm-bindgen-cli must match the wasm-bindgen crate exactly.
export const WASM_BINDGEN_VERSION = "0.2.130";
export const WORKER_BUILD_VERSION = "0.8.7";

const env = { ...process.env, PATH: `${toolsBin}:${join(homedir(), ".cargo", "bin")}:${process.env.PATH}` };
export { env };

export function log(msg) {
  process.stdout.write(`${msg}\n`);
}

export function fail(msg) {
  process.stderr.write(`\nerror: ${msg}\n`);
  process.exit(1);
}

/** Runs a command, output shown as it comes. Returns the exit code. */
export function runLive(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** Runs a command quietly; returns { code, out } with stdout and stderr together. */
export function runQuiet(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (e) => resolve({ code: 127, out: `${out}\n${e.message}` }));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

export function have(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { env, encoding: "utf8" });
  return r.status === 0 ? (r.stdout || r.stderr || "").trim() : null;
}

/** rustup targets the builds need. */
export function ensureRustTargets(targets) {
  if (!have("cargo")) {
    fail("cargo is not installed. Install Rust with rustup (https://rustup.rs), then run this again.");
  }
  const installed = (have("rustup", ["target", "list", "--installed"]) || "").split("\n");
  const missing = targets.filter((t) => !installed.includes(t));
  if (missing.length === 0) return;
  log(`• installing Rust targets: ${missing.join(", ")}`);
  // rustup may print a panic after a successful install; check the list instead of the code.
  spawnSync("rustup", ["target", "add", ...missing], { env, stdio: "ignore" });
  const after = (have("rustup", ["target", "list", "--installed"]) || "").split("\n");
  const still = missing.filter((t) => !after.includes(t));
  if (still.length) fail(`could not install the Rust target(s) ${still.join(", ")}: run \`rustup target add ${still.join(" ")}\` and try again.`);
}

/** A pinned binary from crates.io, installed once into the cache. */
export function ensureCargoTool(crate, version, bin) {
  const path = join(toolsBin, bin);
  if (existsSync(path)) {
    const v = have(path, ["--version"]) || "";
    if (v.includes(version)) return path;
  }
  mkdirSync(toolsDir, { recursive: true });
  log(`• installing ${crate} ${version} into ${toolsDir} (once; a few minutes on 2 cores)`);
  // --locked: the versions the tool's authors built with. A registry mirror
  // may lack one of them (this machine's lacks webpki-roots 1.0.11, which
  // wasm-bindgen-cli 0.2.130 locks): then, said aloud, the newest compatible ones.
  let code = runLive("cargo", ["install", "--quiet", "--locked", crate, "--version", version, "--root", toolsDir]);
  if (code !== 0 && !existsSync(path)) {
    log(`• ${crate} ${version}: a crate of its lock file is not in this registry; installing with the newest compatible versions instead`);
    code = runLive("cargo", ["install", "--quiet", crate, "--version", version, "--root", toolsDir]);
  }
  if (code !== 0 || !existsSync(path)) {
    fail(`could not install ${crate} ${version}. Check that crates.io is reachable, or install it yourself:\n  cargo install ${crate} --version ${version} --root ${toolsDir}`);
  }
  return path;
}

/** npm packages of package.json, installed when missing or stale. */
export function ensureNodeModules() {
  const lock = join(root, "package-lock.json");
  const stamp = join(root, "node_modules", ".package-lock.json");
  const fresh =
    existsSync(stamp) &&
    statSync(stamp).mtimeMs >= statSync(join(root, "package.json")).mtimeMs &&
    (!existsSync(lock) || statSync(stamp).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh) return;
  log("• installing npm packages");
  const args = existsSync(lock) ? ["ci"] : ["install"];
  const code = runLive("npm", [...args, "--no-fund", "--no-audit", "--loglevel=error"]);
  if (code !== 0) fail("npm could not install the packages. Check that the npm registry is reachable and run `npm install`.");
}

/** Debian's chromium, for browser tests. */
export function ensureChromium() {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean);
  // Each part on its own: the browser (Playwright drives it) and its driver
  // (the wasm tests' runner needs it), so a machine with one gets the other.
  const browser = () => candidates.find((p) => existsSync(p));
  const driver = () => process.env.CHROMEDRIVER || have("chromedriver") !== null;
  const missing = [browser() ? null : "chromium", driver() ? null : "chromium-driver"].filter(Boolean);
  if (missing.length && process.getuid && process.getuid() === 0 && have("apt-get", ["--version"])) {
    log(`• installing Debian's ${missing.join(" and ")}`);
    runLive("apt-get", ["update", "-qq"], { stdio: "ignore" });
    runLive("apt-get", ["install", "-y", "-qq", ...missing], { stdio: "ignore" });
  }
  const found = browser();
  if (found && driver()) return found;
  fail(`${found ? "chromedriver" : "Chromium"} is needed for the browser tests. Install it (Debian: \`sudo apt-get install chromium chromium-driver\`) or set ${found ? "CHROMEDRIVER" : "CHROMIUM_PATH"}.`);
}

/** Debian's redis-server, for the do-it-yourself baseline of the benchmarks. */
export function ensureRedis() {
  const path = ["/usr/bin/redis-server", "/usr/sbin/redis-server"].find((p) => existsSync(p));
  if (path) return path;
  if (process.getuid && process.getuid() === 0 && have("apt-get", ["--version"])) {
    log("• installing Debian's redis-server");
    runLive("apt-get", ["update", "-qq"], { stdio: "ignore" });
    runLive("apt-get", ["install", "-y", "-qq", "redis-server"], { stdio: "ignore" });
    if (existsSync("/usr/bin/redis-server")) return "/usr/bin/redis-server";
  }
  fail("redis-server is needed for the Redis baseline. Install it (Debian: `sudo apt-get install redis-server`).");
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

export function seconds(since) {
  return ((Date.now() - since) / 1000).toFixed(1);
}
