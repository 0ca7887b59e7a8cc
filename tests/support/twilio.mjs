// Twilio's own helper library signs what this suite sends as Twilio would
// (X-Twilio-Signature: HMAC-SHA1 over the URL and the sorted POST
// parameters), so the edge's check is held to Twilio's algorithm, not ours.
import twilio from "twilio";

/** `X-Twilio-Signature` for a POST of `params` to `url`, signed with `token`. */
export const twilioSignature = (token, url, params) => twilio.getExpectedTwilioSignature(token, url, params);

/** Whether Twilio's library accepts `signature` (for checking what we sign ourselves). */
export const twilioValid = (token, signature, url, params) => twilio.validateRequest(token, signature, url, params);
