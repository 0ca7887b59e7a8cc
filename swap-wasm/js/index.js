// The ESM entry, for app developers: swap a fixed mapping with no network.
//
//   import { swapNumbers } from "calltrack";
//   const handle = await swapNumbers({ numbers: { "+74951234567": "+74997654321" }, region: "RU" });
//   handle.stats();   // { found, swapped }
//   handle.destroy(); // originals back
import init, { SwapHandle } from "./swap_wasm.js";

let loading;

/** Loads the wasm module once. */
export function load() {
  loading ??= init({ module_or_path: new URL("./swap_wasm_bg.wasm", import.meta.url) });
  return loading;
}

/**
 * Swaps every written form of each original number for its tracking number,
 * in the original's format, under `root` (default: document.body), and keeps
 * watching for content added later unless `observe` is false.
 */
export async function swapNumbers({ numbers, region = "", root, ignore = "", observe = true } = {}) {
  await load();
  const handle = new SwapHandle(numbers ?? {}, region, root ?? undefined, ignore, observe);
  let live = true;
  return {
    stats: () => (live ? handle.stats() : { found: 0, swapped: 0 }),
    destroy: () => {
      if (live) {
        live = false;
        handle.destroy();
        handle.free();
      }
    },
  };
}
