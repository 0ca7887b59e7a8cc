// The page walk of the DOM shell (swap-wasm/src/dom.rs), done in the page's
// own engine so that a large page costs one crossing into the wasm, not a
// dozen per text node. It decides nothing: it hands over every text that may
// hold a number (a digit in it, or only spaces and phone punctuation, which
// may sit inside a number split across elements), grouped in runs of one
// block, and the attributes that may carry one. Regions to leave alone are
// found once with querySelectorAll and never entered.

// Elements that flow inside a line: a number may be split across them.
const INLINE = new Set("A ABBR B BDI BDO BIG CITE CODE DATA DFN EM FONT I KBD MARK NOBR Q S SAMP SMALL SPAN STRONG SUB SUP TIME TT U VAR".split(" "));
const D = "[0-9\\uff10-\\uff19]";
// Spaces and the punctuation of written numbers.
const G = "[ \\t\\n\\r\\u00a0\\u2009\\u202f+()\\-./\\u2010-\\u2015]*";
const DIGIT = RegExp(D);
const GLUE = RegExp(`^${G}$`);
// A digit right at the start, or at the end, but for that punctuation.
const HEAD = RegExp(`^${G}${D}`);
const TAIL = RegExp(`${D}${G}$`);
const ATTRIBUTES = ["href", "title", "aria-label", "alt"];
const WITH_ATTRIBUTES = "a[href],[title],[aria-label],img[alt],area[alt],input[alt]";
const LINK = /^\s*(tel|callto):/i;
// Same-origin frames the site marks to be swapped like the page.
const FRAME = "iframe[data-dni-swap]";
// The separators of what collect() hands over: texts holding them are skipped.
const CONTROL = /[\0\x01]/;

/**
 * Everything under `root` (an element, a document, a shadow root, or a text
 * node: then its block) that may hold a phone number, outside `skip`:
 * `[texts, nodes, attributes, elements, roots]`; `roots` are the open
 * shadow roots and marked frames' documents found (walked too, and to be
 * observed). `texts` holds the value of each
 * node of `nodes`, joined by NUL within a run and by U+0001 between runs (a
 * run: consecutive texts of one block that a number may run across, digits
 * at the end of one and the start of the next with only punctuation
 * between). A run is handed over only if a number fits in it: a text with
 * at least `fewest` digits (the shortest national number of the site's),
 * or texts with digits in two or more nodes. `attributes` holds, joined by
 * NUL, each attribute of `elements` as the index of its name in ATTRIBUTES
 * and its value. With a `budget` (ms), the walk stops when it is spent:
 * `out[5]` then says where to go on from (see resume()).
 */
export function collect(root, skip, fewest = 1, observer, budget = Infinity) {
  const state = { out: null, until: 0 };
  return slice({ walk: walk(root, skip, fewest, observer, state), state }, budget);
}

/**
 * Walks on for `budget` ms and hands over
 * what it found, as collect() does: `out[5]` is where to go on from
 * (`resume(out[5], budget)`), undefined when the walk is done.
 */
export function resume(where, budget) {
  return slice(where, budget);
}

function slice(where, budget) {
  const out = (where.state.out = ["", [], "", [], [], undefined]);
  where.state.until = performance.now() + budget;
  if (!where.walk.next().done) out[5] = where;
  return out;
}

function* walk(root, skip, fewest, observer, state) {
  const inner = []; // open shadow roots and marked frames' documents, walked after
  if (root.nodeType === 3) root = blockOf(root) ?? root.parentNode;
  if (root?.matches?.(FRAME)) root = frameDocument(root);
  const el = root?.nodeType === 1 ? root : root?.host ?? null;
  if (!root || (el && el.closest(skip))) return;
  // Text inside the regions to leave alone, found once.
  const excluded = new Set();
  for (const s of root.querySelectorAll(skip)) {
    const w = document.createTreeWalker(s, 4);
    for (let t = w.nextNode(); t; t = w.nextNode()) excluded.add(t);
  }
  // A text with this many digits may hold a number on its own.
  const enough = RegExp(`^(?:[^0-9\\uff10-\\uff19]*${D}){${fewest}}`);
  if (el?.shadowRoot && el === root) inner.push(el.shadowRoot);
  const walker = document.createTreeWalker(root, 5);
  const skipping = excluded.size > 0;
  let open = false; // the last text ends in digits: a number may run on
  let last = null;
  const pending = []; // punctuation-only texts since, taken only if digits follow
  const run = []; // the run being read: handed over if a number fits in it
  let digits = 0; // texts with digits in the run
  let whole = false; // one of them has enough digits on its own
  let count = 0;
  const flush = () => {
    if (whole || digits > 1) {
      const out = state.out;
      let texts = out[0];
      if (out[1].length) texts += "\x01";
      for (let i = 0; i < run.length; i++) {
        texts += i ? "\0" + run[i].nodeValue : run[i].nodeValue;
        out[1].push(run[i]);
      }
      out[0] = texts;
    }
    run.length = 0;
    digits = 0;
    whole = false;
  };
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    // Time is up: go on in the next slice. A run open here stays in this
    // walk and is handed over whole, in the slice that closes it.
    if (++count % 128 === 0 && performance.now() > state.until) yield;
    if (n.nodeType === 1) {
      // Web components and the frames the site marks are walked like the page.
      if (n.shadowRoot) inner.push(n.shadowRoot);
      else if (n.tagName === "IFRAME" && n.matches(FRAME)) {
        const doc = frameDocument(n);
        if (doc) inner.push(doc);
      }
      continue;
    }
    const v = n.nodeValue;
    if (!DIGIT.test(v)) {
      if (GLUE.test(v)) {
        if (!(skipping && excluded.has(n))) pending.push(n);
        continue;
      }
      // A word ends any run.
    } else if (!(skipping && excluded.has(n)) && !CONTROL.test(v)) {
      // This text joins the run when it starts with digits (after
      // punctuation) and the punctuation before it, and the last text, are
      // of its block; a run may start with that punctuation (`+`, `(`).
      const head = HEAD.test(v);
      if (!(head && open && sameBlock(last, pending[0] ?? n)) && run.length) flush();
      if (head) for (const g of pending) if (sameBlock(g, n)) run.push(g);
      pending.length = 0;
      run.push(n);
      digits++;
      whole ||= enough.test(v);
      open = TAIL.test(v);
      last = n;
      continue;
    }
    if (run.length) flush(); // a word, or a region left alone, ends any run
    open = false;
    pending.length = 0;
  }
  if (run.length) flush();
  for (const e of el ? [el, ...root.querySelectorAll(WITH_ATTRIBUTES)] : root.querySelectorAll(WITH_ATTRIBUTES)) {
    for (let i = 0; i < 4; i++) {
      const v = e.getAttribute(ATTRIBUTES[i]);
      if (!v || !DIGIT.test(v) || CONTROL.test(v) || (i === 0 && !LINK.test(v)) || e.closest(skip)) continue;
      const out = state.out;
      out[2] += (out[3].length ? "\0" : "") + i + v;
      out[3].push(e);
    }
  }
  for (const r of inner) {
    state.out[4].push(r);
    observer?.observe(r, WATCH);
    yield* walk(r, skip, fewest, observer, state);
  }
}

/** A marked frame's document when it is same-origin and loaded; else, once it loads, the frame says so. */
function frameDocument(frame) {
  let doc = null;
  try {
    doc = frame.contentDocument;
  } catch {}
  if (doc?.readyState !== "complete" || doc.URL === "about:blank") {
    // Loading: its load marks the frame again, which the observer sees.
    frame.addEventListener("load", () => frame.setAttribute("data-dni-swap", "loaded"), { once: true });
    return null;
  }
  return doc;
}

/** Whether two text nodes sit in one block (inline elements between them only). */
function sameBlock(a, b) {
  return a.parentNode === b.parentNode || blockOf(a) === blockOf(b);
}

/** The nearest ancestor of `node` that is not an inline element. */
function blockOf(node) {
  let e = node.parentElement;
  while (e && INLINE.has(e.tagName)) e = e.parentElement;
  return e;
}

/** What the observer watches: added content, text changes, the attributes that may
 *  carry a number, and a marked frame's data-dni-swap (set when it loads). */
const WATCH = { childList: true, subtree: true, characterData: true, attributeFilter: [...ATTRIBUTES, "data-dni-swap"] };

/** Watches `roots` (the page's root, and the shadow roots and frames found in
 *  it), and drops the records of the swap's own writes so far. */
export function observeRoots(observer, roots) {
  for (const r of roots) observer.observe(r, WATCH);
  observer.takeRecords();
}
