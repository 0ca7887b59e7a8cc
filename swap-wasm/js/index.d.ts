/** Counts of the site's numbers swapped since the start. */
export interface SwapStats {
  /** Occurrences of the original numbers found. */
  found: number;
  /** Occurrences swapped. */
  swapped: number;
}

/** Why a target number found on the page was left as it is. */
export type UnswappedReason = "ignored" | "editable" | "messenger" | "no_number" | "other" | "unread";

/** The page now: what the coverage beacon reports with each heartbeat. */
export interface Coverage {
  /** Occurrences of target numbers and of the tracking numbers written in their place. */
  found: number;
  /** Occurrences showing a tracking number. */
  swapped: number;
  /** Target numbers still shown, by reason (reasons with none are absent). */
  unswapped: Partial<Record<UnswappedReason, number>>;
}

/** A running swap. */
export interface SwapHandle {
  /**
   * Settles when the whole root is swapped. A page is swapped whole before
   * `swapNumbers` resolves (most in one slice of about 16 ms, others in
   * slices of 16 ms that give the page back between them), walked from its
   * top; a page of over 8,000 elements that is scrolled away from its top
   * has what is in the viewport swapped before, and the rest follows in
   * such slices.
   */
  readonly done: Promise<void>;
  /** Counts since the start. */
  stats(): SwapStats;
  /** The page as it is now. */
  coverage(): Coverage;
  /** Stops watching the page and puts every original back. */
  destroy(): void;
}

export interface SwapOptions {
  /**
   * Original number (E.164) to tracking number (E.164): `{ "+74951234567": "+74997654321" }`.
   * A number mapped to itself is counted in coverage and left as it is.
   */
  numbers: Record<string, string>;
  /**
   * Region for numbers written without a country code ("UA", "US", ...): read
   * once its numbering line is loaded (`numbering`, `endpoint`, or an earlier
   * call). Without the line, numbers written with `+` or `00` only: the
   * national forms left are counted as `unread` in `coverage()` (and as
   * found, not swapped, in `stats()`), and the console warns once. (Not
   * read, they are told from look-alikes by their digits alone: a text
   * holding a site number's digits, not right after a number sign nor
   * before more digits, counts once.)
   */
  region?: string;
  /**
   * The region's numbering line, as the edge serves it (`numbering` in the
   * site's settings, or `GET /v1/numbering/{region}`). A malformed line is a TypeError.
   */
  numbering?: string;
  /**
   * The edge's address (`https://edge.example`): with a `region` and no
   * `numbering`, the line is fetched from `{endpoint}/v1/numbering/{region}`,
   * once per page. A failed fetch leaves national forms unread (see `region`).
   */
  endpoint?: string;
  /**
   * Where to swap: an element, a document or a shadow root (the document's
   * body by default). Anything else is a TypeError.
   */
  root?: Element | Document | DocumentFragment;
  /** A CSS selector of regions to leave alone, besides `[data-no-swap]` and `.no-swap`. */
  ignore?: string;
  /** Keep swapping content added later (default true). */
  observe?: boolean;
  /**
   * The page already shows these numbers (the edge wrote them into its HTML,
   * the insertion mode): no first walk, only content added later is swapped
   * (default false).
   */
  written?: boolean;
}

/** Swaps a fixed mapping, with no network at all. */
export function swapNumbers(options: SwapOptions): Promise<SwapHandle>;

/** Loads the wasm module (done by the other calls on first use), checked against its integrity hash. */
export function load(): Promise<unknown>;

/** Where the wasm is, when not beside this module (the script tag says: beside itself). Call before load(). */
export function locate(url: URL | string): void;

export interface StartOptions {
  /** The site's id at the edge. */
  site: string;
  /** The edge's origin: `https://edge.example`. */
  endpoint: string;
  /** Region for numbers written without a country code; the site's own by default. */
  region?: string;
  /** A CSS selector of regions to leave alone, added to the site's. */
  ignore?: string;
  /**
   * `true` (default): a leased per-visitor number, the session kept first-party.
   * `false` or `"required"`: the channel's static number (or the original),
   * decided on the page, nothing stored, until `consent(true)`.
   */
  consent?: boolean | "required";
  /**
   * Where to swap: an element, a document or a shadow root (the document's
   * body by default). Anything else is a TypeError.
   */
  root?: Element | Document | DocumentFragment;
  /** How long to wait for the edge before falling back (ms, default 4000). */
  timeoutMs?: number;
}

/** Starts the leasing client (once per page); returns `ready()`. */
export function start(options: StartOptions): Promise<void>;
/** Settles when numbers are shown or the fallback is in place. */
export function ready(): Promise<void>;
/** The numbers shown: target E.164 to shown E.164 (a target shown as it is maps to itself). */
export function numbers(): Record<string, string>;
/** The session id (32 hex digits) once consent is given, else null. */
export function sessionId(): string | null;
/** Gives or withdraws consent; settles when the numbers of the new tier show. */
export function consent(granted: boolean): Promise<void>;
/**
 * Records one of the site's own events (a price list opened, a calculator
 * used) in the visit's trail, shown with a call made after it. A short name
 * (1 to 64 characters); never personal data: a name with an e-mail address
 * or a phone number is refused by the edge. Page views (route changes of a
 * single-page app included) are recorded without it.
 */
export function event(name: string): void;
/** A call-back request as the edge answers it (the number masked). */
export interface CallbackRequest {
  id: string;
  state: "scheduled" | "calling_office" | "calling_visitor" | "connected" | "failed";
  /** Outside the office's hours: when it is placed (ms since the epoch). */
  scheduled_for: number | null;
  reason: string | null;
  phone: string;
}
/**
 * Asks the edge to call the visitor back at `phone`: the office is called
 * first, then the visitor (within the office's hours; else when it opens).
 * Rejects with the edge's words (a number it does not call, too many requests).
 */
export function callback(request: { phone: string; name?: string }): Promise<CallbackRequest>;
/** Stops the client and puts the original numbers back. */
export function destroy(): void;

/** What a visitor sees in place of one target number. */
export interface AssignedNumber {
  target: string;
  number: string;
  kind: "dynamic" | "static" | "fallback" | "original";
  /** When a dynamic lease ends unless renewed (ms since the epoch). */
  expires_at: number | null;
}

/** `dni:assigned`: the numbers of this visit are known. */
export interface AssignedDetail {
  sessionId: string | null;
  numbers: AssignedNumber[];
  channel: { channel: string; source?: string; medium?: string; campaign?: string | null; term?: string | null; [k: string]: unknown };
}

/** `dni:fallback`: the edge could not be used (or the pool is exhausted). */
export interface FallbackDetail {
  reason: string;
}

declare global {
  interface DocumentEventMap {
    "dni:assigned": CustomEvent<AssignedDetail>;
    "dni:swapped": CustomEvent<SwapStats>;
    "dni:fallback": CustomEvent<FallbackDetail>;
  }
  interface Window {
    /** Set by the script-tag loader. */
    dni?: {
      readonly ready: Promise<void>;
      numbers(): Record<string, string>;
      sessionId(): string | null;
      consent(granted: boolean): Promise<void>;
      event(name: string): void;
      callback(request: { phone: string; name?: string }): Promise<CallbackRequest>;
      destroy(): void;
    };
  }
}
