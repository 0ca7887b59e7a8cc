// A recording plays in the dashboard (in Chromium), from the edge: the
// page asks the edge, the edge asks Twilio (a stand-in that demands the
// account's credentials) and answers the audio; the page never sends a
// request to Twilio, and never holds the credentials.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_KEY, call, createSite, newSession, siteSpec } from "./support/api.mjs";
import { launch, strictPage } from "./support/browser.mjs";
import { vendors } from "./support/vendors.mjs";
import { startWorker } from "./support/workerd.mjs";

const SID = `AC${"0a1b2c3d4e5f6789".repeat(2)}`;
const TOKEN = "twilio-token-for-the-dashboard";
const REC = `RE${"abcdef0123456789".repeat(2)}`;
let w, v, browser;

before(async () => {
  v = await vendors({ accountSid: SID, authToken: TOKEN, recordings: [REC] });
  w = await startWorker({ vars: { ADMIN_KEY } });
  browser = await launch();
  await createSite(w, "rec-dash", siteSpec({ pool: 3, integrations: { twilio: { auth_token: TOKEN, account_sid: SID, api_base: v.url } } }));
  const tracking = (await newSession(w, "rec-dash")).body.numbers[0].number;
  const r = await call(w, "POST", "/v1/sites/rec-dash/calls", {
    body: { call_id: "rd-1", tracking_number: tracking, caller: "+79160009000", status: "answered", duration_secs: 60, recording_url: `${v.url}/2010-04-01/Accounts/${SID}/Recordings/${REC}` },
    key: ADMIN_KEY,
    template: "/v1/sites/{site}/calls",
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
});
after(async () => {
  await browser?.close();
  await w?.stop();
  await v?.close();
});

test("the dashboard plays a call's recording through the edge", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const { page, problems } = await strictPage(ctx);
  const asked = [];
  page.on("request", (r) => asked.push(r.url()));
  await page.goto(`${w.url}/dashboard/`);
  await page.fill("#site", "rec-dash");
  await page.fill("#key", ADMIN_KEY);
  await page.click("#sign-in button");
  await page.waitForFunction(() => document.body.dataset.loaded);
  // Only the calls with a recording.
  const filtered = page.waitForResponse((r) => r.url().includes("/calls?") && r.url().includes("has_recording=1"));
  await page.check("#f-recording");
  await filtered;
  await page.waitForFunction(() => document.querySelectorAll("#log tbody tr").length === 1 && document.querySelector("#log button.play"));
  const answered = page.waitForResponse((r) => r.url().endsWith("/calls/rd-1/recording"));
  await page.click("#log button.play");
  await page.waitForFunction(() => document.querySelector("#log audio.recording")?.src.startsWith("blob:"));
  // What plays is the audio the edge fetched from Twilio.
  const resp = await answered;
  assert.equal(resp.status(), 200);
  assert.equal(resp.headers()["content-type"], "audio/mpeg");
  assert.equal(await page.locator("#log audio.recording").getAttribute("data-bytes"), String(6 + REC.length), "the audio the edge fetched");
  assert.equal(v.recordingRequests.length, 1, "the edge fetched it once");
  assert.ok(asked.some((u) => u.endsWith("/v1/sites/rec-dash/calls/rd-1/recording")), "the page asked the edge");
  assert.ok(!asked.some((u) => u.startsWith(v.url)), "the page never asked Twilio");
  assert.ok(!(await page.content()).includes(TOKEN), "the page never holds the token");
  assert.deepEqual(problems, []);
  await ctx.close();
});
