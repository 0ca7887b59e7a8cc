// A consumer of the package's types: every export, used as documented. tsc
// (strict, no emit) must accept it; tests/types.test.mjs runs it.
import {
  callback, consent, destroy, event, load, locate, numbers, ready, sessionId, start, swapNumbers,
  type AssignedDetail, type AssignedNumber, type Coverage, type FallbackDetail, type StartOptions,
  type CallbackRequest, type SwapHandle, type SwapOptions, type SwapStats, type UnswappedReason,
} from "calltrack";

async function fixed(root: Element | Document | ShadowRoot): Promise<number> {
  const options: SwapOptions = { numbers: { "+74951234567": "+74997654321" }, region: "RU", numbering: "RU 7 8 810 m a:3-4,8-9", root, ignore: ".reviews", observe: true };
  const handle: SwapHandle = await swapNumbers(options);
  await handle.done;
  const stats: SwapStats = handle.stats();
  const now: Coverage = handle.coverage();
  const reasons: UnswappedReason[] = Object.keys(now.unswapped) as UnswappedReason[];
  handle.destroy();
  return stats.found + stats.swapped + reasons.length;
}

async function leased(): Promise<string | null> {
  locate(new URL("https://edge.example/v/0.1.0/swap_wasm_bg.wasm"));
  await load();
  const options: StartOptions = { site: "demo", endpoint: "https://edge.example", consent: "required", timeoutMs: 3000 };
  await start(options);
  await ready();
  const shown: Record<string, string> = numbers();
  await consent(true);
  document.addEventListener("dni:assigned", (e) => {
    const detail: AssignedDetail = e.detail;
    const first: AssignedNumber | undefined = detail.numbers[0];
    console.log(first?.kind, first?.expires_at, detail.channel.channel, shown);
  });
  document.addEventListener("dni:fallback", (e) => {
    const detail: FallbackDetail = e.detail;
    console.log(detail.reason);
  });
  document.addEventListener("dni:swapped", (e) => console.log(e.detail.found));
  const id = sessionId();
  event("price list opened");
  const cb: CallbackRequest = await callback({ phone: "+79161234567", name: "Ivan" });
  const when: number | null = cb.state === "scheduled" ? cb.scheduled_for : null;
  console.log(when, await window.dni?.callback({ phone: "+79161234567" }));
  window.dni?.event("calculator used");
  destroy();
  await window.dni?.ready;
  window.dni?.numbers();
  return id;
}

void fixed(document);
void leased();
