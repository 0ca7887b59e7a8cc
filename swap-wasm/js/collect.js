// The page walk of the DOM shell (swap-wasm/src/dom.rs), done in the page's
// own engine so that a large page costs one crossing into the wasm, not a
// dozen per text node. It hands over only the texts that may hold one of
// the site's numbers: their digits, read in order, contain its national
// number (one regular expression per text: the test the wasm's
// `scan::may_contain` makes, and for texts, not where the wasm never reads
// a number's edge: right after `№`, or before more digits). A number may be split across the
// inline elements of one block: consecutive texts of a block, digits at the
// end of one and the start of the next with only punctuation between, are
// one run, tested and handed over together. Whether a text is in a region
// to leave alone is asked only of the texts handed over.

// Elements that flow inside a line: a number may be split across them.
const INLINE = new Set("A ABBR B BDI BDO BIG CITE CODE DATA DFN EM FONT I KBD MARK NOBR Q S SAMP SMALL SPAN STRONG SUB SUP TIME TT U VAR".split(" "));
const DIGIT = /[0-9\uff10-\uff19]/;
// Between the digits of a number: anything but a digit, or a percent escape (`%20` in a link).
const BETWEEN = "(?:%[0-9A-Fa-f]{2}|[^0-9\\uff10-\\uff19])*";
const D = "[0-9\\uff10-\\uff19]";
// Spaces and the punctuation of written numbers.
const G = "[ \\t\\n\\r\\u00a0\\u2009\\u202f+()\\-./\\u2010-\\u2015]*";
const GLUE = RegExp(`^${G}$`);
// A digit right at the start, or at the end, but for that punctuation.
const HEAD = RegExp(`^${G}${D}`);
const TAIL = RegExp(`${D}${G}$`);
// A text that ends with what opens a number: `+` or `(`, then blanks.
const OPENS = /[+(][ \t\u00a0]*$/;
const ATTRIBUTES = ["href", "title", "aria-label", "alt"];
// With `[alt]` for the alt of img, area and input: one selector costs less
// than three; another element's alt (found here, if not otherwise) is left.
const WITH_ATTRIBUTES = "a[href],[title],[aria-label],[alt]";
const ALT_OF = /^(img|area|input)$/;
const LINK = /^\s*(tel|callto):/i;
// Same-origin frames the site marks to be swapped like the page.
const FRAME = "iframe[data-dni-swap]";
// The separators of what collect() hands over: texts holding them are skipped.
const CONTROL = /[\0\x01]/;

// With `strict`, not where the wasm never reads a number's edge: right after
// a number sign (`№4951234567`, `# 495…`), or before a digit, alone or after
// a lone `-` or `.` (`495-123-4567-89`, `…67.5`). No lookbehind: Safari
// before 16.4 cannot compile one (the es2020 build target does not see it).
const NO_HEAD = "(?:^|[^#\u2116 \u00a0])[ \u00a0]*";
const NO_TAIL = `(?![-.]?${D})`;
// A link written in a text (`tel:…`) is read by other rules: only the digits count.
const LINKED = /(tel|callto):/i;

/** The test for `site` (national numbers joined by commas), made once:
 *  its digits, read in order; `strict`, not at an edge the wasm refuses. */
const tests = new Map();
export function siteTest(site, strict = false) {
  let re = tests.get(strict + site);
  if (!re) {
    const forms = site
      .split(",")
      .filter((n) => /^\d+$/.test(n))
      .map((n) => [...n].map((d) => `[${d}\\uff1${d}]`).join(BETWEEN))
      .map((f) => (strict ? NO_HEAD + f + NO_TAIL : f));
    re = forms.length ? RegExp(forms.join("|")) : /(?!)/;
    tests.set(strict + site, re);
  }
  return re;
}

/** The test of a page's text (siteTest() for attributes): whether it may hold one of the numbers of `site`. */
export function textTest(site) {
  const strict = siteTest(site, true);
  const loose = siteTest(site);
  return (text) => loose.test(text) && (strict.test(text) || LINKED.test(text));
}

/**
 * Everything under `root` (an element, a document, a shadow root, or a text
 * node: then its block) that may hold one of the numbers of `site` (their
 * national numbers, joined by commas), outside `skip` (but a text handed
 * over alone: whether it is in `skip` is for the caller to ask, with left(),
 * of the few it changes): `[texts, nodes, attributes, elements, roots]`; `roots` are the open
 * shadow roots and marked frames' documents found (walked too, and to be
 * observed). `texts` holds the value of each
 * node of `nodes`, joined by NUL within a run and by U+0001 between runs (a
 * run: consecutive texts of one block that a number may run across, digits
 * at the end of one and the start of the next with only punctuation
 * between). `attributes` holds, joined by
 * NUL, each attribute of `elements` as the index of its name in ATTRIBUTES
 * and its value. With a `budget` (ms), the walk stops when it is spent:
 * `out[5]` then says where to go on from (see resume()).
 */
export function collect(root, skip, site, observer, budget = Infinity) {
  const state = { out: null, until: 0 };
  return slice({ walk: walk(root, skip, site, observer, state), state }, budget);
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

function* walk(root, skip, numbers, observer, state) {
  const site = siteTest(numbers);
  const holds = textTest(numbers);
  const inner = []; // open shadow roots and marked frames' documents, walked after
  if (root.nodeType === 3) root = blockOf(root) ?? root.parentNode;
  if (root?.matches?.(FRAME)) root = frameDocument(root);
  const el = root?.nodeType === 1 ? root : root?.host ?? null;
  if (!root || (el && el.closest(skip))) return;
  if (el?.shadowRoot && el === root) inner.push(el.shadowRoot);
  const walker = document.createTreeWalker(root, 5);
  // The texts of the run being read (`0..=last`), then the texts without
  // digits since (punctuation joins a number's parts, or starts one; a word
  // ends it), up to `end`: reused arrays, the nodes and their values.
  const nodes = [];
  const values = [];
  let last = -1;
  let end = 0;
  let count = 0;
  // Hands over the texts `from..to` if one of the site's numbers may be in them.
  const hand = (from, to) => {
    const one = to - from === 1;
    const text = one ? values[from] : values.slice(from, to).join("\0");
    if (!holds(text)) return;
    // A text holding the separators, or in a region left alone, splits a run:
    // each part is tested again. Of a lone text that question waits until the
    // wasm would change it (left()): most texts handed over are not changed.
    for (let i = from; i < to; i++) {
      if (CONTROL.test(values[i]) || (!one && left(nodes[i], skip))) {
        if (i > from) hand(from, i);
        if (i + 1 < to) hand(i + 1, to);
        return;
      }
    }
    const out = state.out;
    out[0] += out[1].length ? "\x01" + text : text;
    for (let i = from; i < to; i++) out[1].push(nodes[i]);
  };
  // The loop over the nodes, in a function of its own: V8 optimizes a
  // generator's loop only when the generator is called again, never while
  // it runs (no on-stack replacement for generators), and a page's walk is
  // one call. Returns whether time is up (go on in the next slice: a run
  // open there stays and is handed over whole, in the slice that closes it).
  const read = () => {
    for (;;) {
      if (++count % 128 === 0 && performance.now() > state.until) return true;
      const n = walker.nextNode();
      if (!n) return false;
      if (n.nodeType === 1) {
        // Web components are walked like the page.
        if (n.shadowRoot) inner.push(n.shadowRoot);
        continue;
      }
      const v = n.nodeValue;
      if (!DIGIT.test(v)) {
        // Read only when digits follow; after 16 such texts no run goes on.
        if (end - last > 16) {
          if (last >= 0) hand(0, last + 1);
          last = -1;
          end = 0;
        }
        nodes[end] = n;
        values[end++] = v;
        continue;
      }
      // Digits at the start (after punctuation): the text joins the run when
      // the last one ends with digits, only punctuation is between, and all
      // are of one block. A run may start with that punctuation (`+`, `(`).
      let keep = end; // the texts before this one that go with it: `keep..end`
      let joins = false;
      const c = v.charCodeAt(0);
      if ((c < 0x40 || c === 0xa0 || (c >= 0x2009 && c <= 0x202f) || c >= 0xff10) && HEAD.test(v)) {
        while (keep > last + 1 && GLUE.test(values[keep - 1])) keep--;
        // Of one block with this text (`nodes` past `end` are left from earlier runs: never read there).
        joins = last >= 0 && keep === last + 1 && TAIL.test(values[last]) && sameBlock(nodes[last], n);
        // A text that ends by opening the number (`Tel: (`, `Call +`) starts its run.
        if (!joins && keep > last + 1 && OPENS.test(values[keep - 1])) keep--;
      }
      let k = 0;
      if (joins) k = last + 1;
      else if (last >= 0) hand(0, last + 1);
      for (let i = keep; i < end; i++) {
        if (sameBlock(nodes[i], n)) {
          nodes[k] = nodes[i];
          values[k++] = values[i];
        }
      }
      nodes[k] = n;
      values[k] = v;
      last = k;
      end = k + 1;
    }
  };
  while (read()) yield;
  if (last >= 0) hand(0, last + 1);
  nodes.length = values.length = 0;
  // The frames the site marks, and the attributes that may carry a number, in one query.
  const found = root.querySelectorAll(`${FRAME},${WITH_ATTRIBUTES}`);
  for (const e of el ? [el, ...found] : found) {
    if (e.localName === "iframe" && e.matches(FRAME)) {
      const doc = frameDocument(e);
      if (doc) inner.push(doc);
    }
    for (let i = 0; i < 4; i++) {
      const v = e.getAttribute(ATTRIBUTES[i]);
      if (!v || !site.test(v) || CONTROL.test(v) || (i === 0 && !LINK.test(v)) || e.closest(skip)) continue;
      if (i === 3 && e !== el && !ALT_OF.test(e.localName) && !e.matches(`${FRAME},a[href],[title],[aria-label]`)) continue;
      const out = state.out;
      out[2] += (out[3].length ? "\0" : "") + i + v;
      out[3].push(e);
    }
  }
  for (const r of inner) {
    state.out[4].push(r);
    observer?.observe(r, WATCH);
    yield* walk(r, skip, numbers, observer, state);
  }
}

/** Whether a text is in a region to leave alone (`skip`). */
export function left(text, skip) {
  return !!text.parentElement?.closest(skip);
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

