/** Counts of the site's numbers on the page. */
export interface SwapStats {
  /** Occurrences of the original numbers found. */
  found: number;
  /** Occurrences swapped. */
  swapped: number;
}

/** A running swap. */
export interface SwapHandle {
  /** Counts so far. */
  stats(): SwapStats;
  /** Stops watching the page and puts every original back. */
  destroy(): void;
}

export interface SwapOptions {
  /** Original number (E.164) to tracking number (E.164): `{ "+74951234567": "+74997654321" }`. */
  numbers: Record<string, string>;
  /** Region for numbers written without a country code: "RU", "US", "CA", "GB", "DE", "FR", "KZ". */
  region?: string;
  /** Where to swap; the document's body by default. */
  root?: Element;
  /** A CSS selector of regions to leave alone, besides `[data-no-swap]` and `.no-swap`. */
  ignore?: string;
  /** Keep swapping content added later (default true). */
  observe?: boolean;
}

/** Swaps a fixed mapping, with no network at all. */
export function swapNumbers(options: SwapOptions): Promise<SwapHandle>;

/** Loads the wasm module (done by swapNumbers on first use). */
export function load(): Promise<unknown>;
