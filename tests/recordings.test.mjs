// Recordings to listen to, on a real workerd: the edge fetches a call's
// recording from Twilio's API with the site's account SID and auth token
// (a stand-in that demands them, as Twilio does with "HTTP Basic
// Authentication for media access"), and answers the audio itself, so the
// browser never sees the credentials; only the site's own Twilio account's
// recordings are fetched, never an address of a call's choosing; an admin
// key is needed; an erased caller's recording is gone; the log filters by
// recording, talk time and outcome.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec } from "./support/api.mjs";
import { vendors } from "./support/vendors.mjs";
import { startWorker } from "./support/workerd.mjs";

const SID = `AC${"fedcba9876543210".repeat(2)}`;
const TOKEN = "twilio-token-for-recordings";
const REC = `RE${"0123456789abcdef".repeat(2)}`;
const site = "rec";
let w, v, tracking;

before(async () => {
  v = await vendors({ accountSid: SID, authToken: TOKEN, recordings: [REC] });
  w = await startWorker({ vars: { ADMIN_KEY } });
  await createSite(w, site, siteSpec({ pool: 4, integrations: { twilio: { auth_token: TOKEN, account_sid: SID, api_base: v.url } } }));
  tracking = (await newSession(w, site)).body.numbers[0].number;
});
after(async () => {
  await w?.stop();
  await v?.close();
});

const admin = (method, path, opts = {}) => call(w, method, `/v1/sites/${site}${path}`, { key: ADMIN_KEY, ...opts });

async function pbx(body) {
  const r = await admin("POST", "/calls", { body: { tracking_number: tracking, caller: "+79160008000", status: "answered", ...body }, template: "/v1/sites/{site}/calls" });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

const recording = (id, key = ADMIN_KEY) => fetch(`${w.url}/v1/sites/${site}/calls/${id}/recording`, { headers: { authorization: `Bearer ${key}` } });

describe("recordings", () => {
  test("the edge plays a Twilio recording with the site's credentials; the browser gets only the audio", async () => {
    await pbx({ call_id: "r-1", duration_secs: 120, recording_url: `${v.url}/2010-04-01/Accounts/${SID}/Recordings/${REC}` });
    const r = await recording("r-1");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "audio/mpeg");
    assert.equal(r.headers.get("cache-control"), "private, no-store");
    const audio = Buffer.from(await r.arrayBuffer());
    assert.equal(audio.subarray(0, 3).toString(), "ID3");
    assert.ok(audio.includes(Buffer.from(REC)));
    assert.equal(v.recordingRequests.length, 1, "fetched from Twilio, with the account's credentials");
    for (const [k, val] of r.headers) assert.ok(!String(val).includes(TOKEN) && !/authorization/i.test(k), `${k} carries no credential`);
  });

  test("only the site's own Twilio recordings are fetched; a recording Twilio lacks is its 404 in Twilio's words", async () => {
    await pbx({ call_id: "r-elsewhere", recording_url: "https://recordings.example/r.mp3" });
    const other = await recording("r-elsewhere");
    assert.equal(other.status, 409);
    assert.match((await other.json()).error.message, /open its link/);
    await pbx({ call_id: "r-other-account", recording_url: `${v.url}/2010-04-01/Accounts/AC${"1".repeat(32)}/Recordings/${REC}` });
    assert.equal((await recording("r-other-account")).status, 409);
    await pbx({ call_id: "r-gone", recording_url: `${v.url}/2010-04-01/Accounts/${SID}/Recordings/RE${"9".repeat(32)}` });
    const gone = await recording("r-gone");
    assert.equal(gone.status, 502);
    assert.match((await gone.json()).error.message, /Twilio answered 404/);
    await pbx({ call_id: "r-none" });
    assert.equal((await recording("r-none")).status, 404);
    assert.equal(v.recordingRequests.length, 1, "nothing fetched for them but the missing one's try");
  });

  test("a server key cannot listen; an erased caller's recording is gone", async () => {
    const key = await admin("POST", "/keys", { body: { scope: "server" }, template: "/v1/sites/{site}/keys" });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    assert.equal((await recording("r-1", key.body.key)).status, 403);
    assert.equal((await recording("r-1", "not-a-key")).status, 401);
    const erased = await admin("DELETE", "/callers/%2B79160008000", { template: "/v1/sites/{site}/callers/{number}" });
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    assert.equal((await recording("r-1")).status, 404);
  });

  test("the log filters by recording, talk time and outcome", async () => {
    await pbx({ call_id: "f-long", duration_secs: 300, recording_url: `${v.url}/2010-04-01/Accounts/${SID}/Recordings/${REC}`, outcome: { label: "sale" } });
    await pbx({ call_id: "f-short", duration_secs: 10 });
    const ids = async (query) => (await admin("GET", `/calls?${query}`, { template: "/v1/sites/{site}/calls" })).body.calls.map((c) => c.id).sort();
    assert.deepEqual(await ids("has_recording=1&min_duration_secs=200"), ["f-long"]);
    assert.ok((await ids("has_recording=0")).includes("f-short"));
    assert.ok(!(await ids("has_recording=0")).includes("f-long"));
    assert.deepEqual(await ids("max_duration_secs=15&outcome=none"), ["f-short", "r-elsewhere", "r-gone", "r-none", "r-other-account"]);
    assert.deepEqual(await ids("outcome=sale"), ["f-long"]);
    assert.equal((await admin("GET", "/calls?has_recording=maybe", { template: "/v1/sites/{site}/calls" })).status, 422);
    assert.equal((await admin("GET", "/calls?min_duration_secs=-5", { template: "/v1/sites/{site}/calls" })).status, 422);
  });
});
