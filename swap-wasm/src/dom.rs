//! The DOM shell: the one module that touches the page.
//!
//! It walks text nodes (a `TreeWalker`), `tel:`/`callto:` links and the
//! `title`, `aria-label` and `alt` attributes, and swaps the site's numbers
//! with [`crate::scan::swap`], which keeps each number's written form. It
//! never touches `script`, `style`, `textarea`, form fields,
//! `contenteditable` regions, `data-*` attributes, comments, messenger links
//! (`wa.me`, `t.me`, `viber:`, ...) and their text, or anything inside
//! `[data-no-swap]`, `.no-swap` or the site's own ignore selectors. Text is
//! set as text, never parsed as HTML.
//!
//! A `MutationObserver` swaps content added later. Its own writes come back
//! as mutations, find no site number left, and stop there. `destroy()` puts
//! every original back.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use pool_core::coverage::Unswapped;
use pool_core::number::{PhoneNumber, Region};
use pool_core::text::Part;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, MutationObserver, MutationRecord, Node};

use crate::scan;

#[wasm_bindgen(module = "/js/collect.js")]
extern "C" {
    /// The page walk, in the page's engine: `[texts, nodes, attributes,
    /// elements, roots, rest]`: what may hold a number of `site` (national
    /// numbers joined by commas), `budget` ms at most (see `js/collect.js`).
    fn collect(
        root: &Node,
        skip: &str,
        site: &str,
        observer: Option<&MutationObserver>,
        budget: f64,
    ) -> js_sys::Array;
    /// Whether a text is in a region to leave alone (`skip`).
    fn left(text: &Node, skip: &str) -> bool;
    /// Goes on with a walk `collect` stopped when its budget was spent.
    fn resume(walk: &JsValue, budget: f64) -> js_sys::Array;
    /// Starts watching `roots` with the options the page walk knows.
    #[wasm_bindgen(js_name = observeRoots)]
    fn observe_roots(observer: &MutationObserver, roots: &js_sys::Array);
}

/// Never visible: never swapped, never counted.
const INVISIBLE: &str = "script,style,noscript,template";
/// Text the visitor edits: never swapped.
const EDITABLE: &str =
    "textarea,select,option,input,[contenteditable]:not([contenteditable=false])";
/// Chat links: a tracking line cannot receive those chats.
const MESSENGER: &str = "a[href*='wa.me/'],a[href*='api.whatsapp.com'],a[href^='whatsapp:'],\
a[href*='t.me/'],a[href^='tg:'],a[href^='viber:'],a[href*='vk.me/'],a[href^='skype:']";
/// Marked to be left alone, by default; the site may add selectors.
const MARKED: &str = "[data-no-swap],.no-swap";

/// The attributes that may carry a visible number.
const ATTRIBUTES: [&str; 4] = ["href", "title", "aria-label", "alt"];

enum Change {
    Text {
        node: Node,
        original: String,
        written: String,
    },
    Attr {
        el: Element,
        name: &'static str,
        original: String,
        written: String,
    },
    Title {
        original: String,
        written: String,
    },
}

struct Inner {
    document: Document,
    root: Node,
    region: Option<Region>,
    /// Original to tracking number, only the ones that change.
    map: Vec<(PhoneNumber, PhoneNumber)>,
    /// Targets shown as they are (no tracking number for this visitor).
    kept: Vec<PhoneNumber>,
    skip: String,
    /// The marked regions: `MARKED` and the site's selectors.
    marked: String,
    changes: RefCell<Vec<Change>>,
    /// Where the walk under way goes on from (`null`: none under way).
    rest: RefCell<JsValue>,
    /// What is still to walk: the root at first, then content added later.
    queue: RefCell<Vec<Node>>,
    found: Cell<u32>,
    swapped: Cell<u32>,
    /// The matcher for the swap (knows the originals) and for coverage
    /// (also the tracking numbers and the targets kept), made once.
    scanner: scan::Scanner,
    counter: scan::Scanner,
    /// No numbering line for the region (or no region): a text that holds a
    /// site number's digits where the walk looks for them, and in which the
    /// matcher finds none, is a national form it could not read: counted as
    /// found and left (`unread`), never silently passed over.
    unread: bool,
}

fn has_digit(s: &str) -> bool {
    s.chars()
        .any(|c| pool_core::number::digit_value(c).is_some())
}

impl Inner {
    /// The national numbers the page walk looks for, joined by commas: the
    /// originals, or also the tracking numbers and the targets kept (`all`,
    /// for coverage).
    fn site(&self, all: bool) -> String {
        let mut site = String::new();
        let mut add = |n: &PhoneNumber| {
            if !site.is_empty() {
                site.push(',');
            }
            site.extend(n.national().iter().map(|d| char::from(b'0' + d)));
        };
        for (from, to) in &self.map {
            add(from);
            if all {
                add(to);
            }
        }
        if all {
            self.kept.iter().for_each(add);
        }
        site
    }

    /// Counts `n` site numbers found and swapped.
    fn tally(&self, n: u32) {
        self.found.set(self.found.get() + n);
        self.swapped.set(self.swapped.get() + n);
    }

    /// Counts a text (or run) in which nothing was read: found, not swapped,
    /// when the region's national forms cannot be read.
    fn tally_unread(&self) {
        if self.unread {
            self.found.set(self.found.get() + 1);
        }
    }

    /// Swaps `text`: the text written and how many site numbers it swapped;
    /// `None` when nothing of the site's is in it.
    fn swap(&self, text: &str) -> Option<(String, u32)> {
        // No site number is written without its national digits in order.
        if !scan::may_contain(text, self.map.iter().map(|(from, _)| *from)) {
            return None;
        }
        self.swap_tested(text)
    }

    /// [`Inner::swap`] for a text the page walk has tested already (a lone
    /// text or an attribute [`collect`] handed over: its test is
    /// [`scan::may_contain`]'s).
    fn swap_tested(&self, text: &str) -> Option<(String, u32)> {
        // One scan: counted, then written from the same matches.
        let matches = self.scanner.scan(text);
        let found = matches
            .iter()
            .filter(|f| {
                f.number
                    .is_some_and(|n| self.map.iter().any(|(from, _)| *from == n))
            })
            .count() as u32;
        if found == 0 {
            return None;
        }
        let out = scan::write_swapped(text, &matches, &self.map);
        (out != text).then_some((out, found))
    }

    /// Swaps everything under `root` (an element, document or shadow root;
    /// a text node: its block) in one batch: the page hands over every text
    /// that may hold a number in one crossing ([`collect`]), the matcher
    /// runs here, and only what changes is written back.
    fn batch(&self, root: &Node, observer: Option<&MutationObserver>) -> js_sys::Array {
        self.process(&collect(
            root,
            &self.skip,
            &self.site(false),
            observer,
            f64::INFINITY,
        ))
    }

    /// Swaps what one walk (or slice of a walk) handed over; returns the
    /// shadow roots and frames it found.
    fn process(&self, got: &js_sys::Array) -> js_sys::Array {
        let texts = got.get(0).as_string().unwrap_or_default();
        let nodes: js_sys::Array = got.get(1).unchecked_into();
        // Each text with where its run starts.
        let mut originals: Vec<&str> = Vec::new();
        let mut run_starts: Vec<usize> = Vec::new();
        if !texts.is_empty() || nodes.length() > 0 {
            for run in texts.split('\u{1}') {
                run_starts.push(originals.len());
                originals.extend(run.split('\0'));
            }
        }
        run_starts.push(originals.len());
        // Each text on its own first, then the numbers split across a run's texts.
        let mut written: Vec<Option<String>> = Vec::with_capacity(originals.len());
        for w in run_starts.windows(2) {
            let (start, end) = (w[0], w[1]);
            if end - start == 1 {
                // A lone text: the page walk left it to us to ask whether it
                // is in a region left alone, now that it would change (or be
                // counted as unread).
                let swapped = self.swap_tested(originals[start]);
                let mut out = None;
                if swapped.is_some() || self.unread {
                    let node: Node = nodes.get(start as u32).unchecked_into();
                    if !left(&node, &self.skip) {
                        out = swapped.map(|(text, found)| {
                            self.tally(found);
                            text
                        });
                        if out.is_none() {
                            self.tally_unread();
                        }
                    }
                }
                written.push(out);
                continue;
            }
            let before = self.found.get();
            let mut run: Vec<String> = Vec::with_capacity(end - start);
            for original in &originals[start..end] {
                let (text, found) = self
                    .swap(original)
                    .unwrap_or_else(|| (String::from(*original), 0));
                self.tally(found);
                run.push(text);
            }
            self.tally(crate::split::swap_split(&mut run, self.region, &self.map));
            if self.found.get() == before {
                self.tally_unread();
            }
            for (i, t) in (start..end).zip(run) {
                written.push((t != originals[i]).then_some(t));
            }
        }
        for (i, (original, written)) in originals.iter().zip(written).enumerate() {
            let Some(written) = written else { continue };
            let node: Node = nodes.get(i as u32).unchecked_into();
            node.set_node_value(Some(&written));
            self.changes.borrow_mut().push(Change::Text {
                node,
                original: String::from(*original),
                written,
            });
        }
        self.each_attribute(got, |el, name, value| self.write_attribute(el, name, value));
        // The shadow roots and frames found (`collect` watches them when given the observer).
        got.get(4).unchecked_into()
    }

    /// Each attribute [`collect`] handed over: its element, name and value.
    fn each_attribute(&self, got: &js_sys::Array, mut f: impl FnMut(&Element, &'static str, &str)) {
        let attributes = got.get(2).as_string().unwrap_or_default();
        let elements: js_sys::Array = got.get(3).unchecked_into();
        if attributes.is_empty() {
            return;
        }
        for (i, entry) in attributes.split('\0').enumerate() {
            let k = entry
                .bytes()
                .next()
                .map_or(0, |b| usize::from(b.wrapping_sub(b'0')));
            if let (Some(name), Ok(el)) = (
                ATTRIBUTES.get(k),
                elements.get(i as u32).dyn_into::<Element>(),
            ) {
                f(&el, name, entry.part(1..));
            }
        }
    }

    /// Swaps one attribute value the page walk handed over (and tested).
    fn write_attribute(&self, el: &Element, name: &'static str, value: &str) {
        if let Some((out, found)) = self.swap_tested(value) {
            if el.set_attribute(name, &out).is_ok() {
                self.tally(found);
                self.changes.borrow_mut().push(Change::Attr {
                    el: el.clone(),
                    name,
                    original: String::from(value),
                    written: out,
                });
            }
        }
    }

    fn title(&self) {
        let value = self.document.title();
        if let Some((out, found)) = self.swap(&value) {
            self.tally(found);
            self.document.set_title(&out);
            self.changes.borrow_mut().push(Change::Title {
                original: value,
                written: out,
            });
        }
    }

    fn mutations(&self, records: &js_sys::Array, observer: &MutationObserver) {
        for r in records.iter() {
            let Ok(r) = r.dyn_into::<MutationRecord>() else {
                continue;
            };
            match r.type_().as_str() {
                "childList" => {
                    // Added content may be large: walked in slices, like the page.
                    let added = r.added_nodes();
                    for i in 0..added.length() {
                        if let Some(n) = added.item(i) {
                            self.queue.borrow_mut().push(n);
                        }
                    }
                }
                // Changed text or attributes: small, swapped now.
                "characterData" | "attributes" => {
                    if let Some(t) = r.target() {
                        let _ = self.batch(&t, Some(observer));
                    }
                }
                _ => {}
            }
        }
    }

    /// Why an occurrence under `el` is left: `None` when it is not (or is
    /// never visible, so not counted either).
    fn left_because(&self, el: &Element) -> Option<Option<usize>> {
        let within = |sel: &str| el.closest(sel).ok().flatten().is_some();
        if within(INVISIBLE) {
            None
        } else if within(EDITABLE) {
            Some(Some(Unswapped::Editable.index()))
        } else if within(MESSENGER) {
            Some(Some(Unswapped::Messenger.index()))
        } else if within(&self.marked) {
            Some(Some(Unswapped::Ignored.index()))
        } else {
            Some(None)
        }
    }

    /// Counts one text (or `tel:` link) of the page into `c`.
    fn count(&self, c: &mut Coverage, text: &str, el: Option<&Element>) {
        if !has_digit(text) {
            return;
        }
        let mut reason = None;
        for f in self.counter.scan(text) {
            let Some(n) = f.number else { continue };
            let tracking = self.map.iter().any(|(_, to)| *to == n);
            let target = self.map.iter().any(|(from, _)| *from == n) || self.kept.contains(&n);
            if !tracking && !target {
                continue;
            }
            // The element's reason, looked up once per text.
            let why = *reason.get_or_insert_with(|| match el {
                Some(el) => self.left_because(el),
                None => Some(None),
            });
            let Some(why) = why else { return };
            c.found += 1;
            if tracking {
                c.swapped += 1;
            } else if let Some(at) = why {
                c.left[at] += 1;
            } else if self.kept.contains(&n) {
                c.left[Unswapped::NoNumber.index()] += 1;
            } else {
                c.left[Unswapped::Other.index()] += 1;
            }
        }
    }

    /// The page as it is now: every occurrence of a target or tracking
    /// number in text and `tel:` links under the root, and why the targets
    /// still there were left.
    fn coverage(&self) -> Coverage {
        let mut c = Coverage::default();
        // Everything visible, the regions left alone included: they are counted with their reason.
        let got = collect(&self.root, INVISIBLE, &self.site(true), None, f64::INFINITY);
        let texts = got.get(0).as_string().unwrap_or_default();
        let nodes: js_sys::Array = got.get(1).unchecked_into();
        if nodes.length() > 0 {
            let mut i = 0;
            for run in texts.split('\u{1}') {
                let (first, before) = (i, c.found);
                for text in run.split('\0') {
                    let node: Node = nodes.get(i).unchecked_into();
                    self.count(&mut c, text, node.parent_element().as_ref());
                    i += 1;
                }
                // Nothing read in a run that holds a site number's digits:
                // a national form without its numbering line.
                let node: Node = nodes.get(first).unchecked_into();
                if let (true, true, Some(el)) =
                    (self.unread, c.found == before, node.parent_element())
                {
                    if let Some(why) = self.left_because(&el) {
                        c.found += 1;
                        c.left[why.unwrap_or(Unswapped::Unread.index())] += 1;
                    }
                }
            }
        }
        self.each_attribute(&got, |el, name, value| {
            if name == "href" {
                self.count(&mut c, value, Some(el));
            }
        });
        c
    }

    fn restore(&self) {
        for c in self.changes.borrow_mut().drain(..).rev() {
            match c {
                // Only what still shows our writing: the page may have changed it since.
                Change::Text {
                    node,
                    original,
                    written,
                } => {
                    if node.node_value().as_deref() == Some(written.as_str()) {
                        node.set_node_value(Some(&original));
                    }
                }
                Change::Attr {
                    el,
                    name,
                    original,
                    written,
                } => {
                    if el.get_attribute(name).as_deref() == Some(written.as_str()) {
                        let _ = el.set_attribute(name, &original);
                    }
                }
                Change::Title { original, written } => {
                    if self.document.title() == written {
                        self.document.set_title(&original);
                    }
                }
            }
        }
    }
}

/// Occurrences of the site's numbers on the page now.
#[derive(Default)]
struct Coverage {
    found: u32,
    swapped: u32,
    left: [u32; Unswapped::ALL.len()],
}

fn set(o: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(key), value);
}

/// A running swap: numbers replaced on the page, later content watched.
#[wasm_bindgen]
pub struct SwapHandle {
    inner: Rc<Inner>,
    watch: Option<Watch>,
}

/// The page's `MutationObserver` for this handle (its callback calls
/// [`SwapHandle::mutated`]), disconnected when dropped (the way gloo's event
/// listeners remove themselves): freeing a handle, with or without
/// `destroy()`, never leaves the page calling into a freed handle.
struct Watch {
    observer: MutationObserver,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// The mapping, and the targets mapped to themselves (shown as they are).
type Mapping = (Vec<(PhoneNumber, PhoneNumber)>, Vec<PhoneNumber>);

fn parse_map(numbers: &JsValue) -> Result<Mapping, JsValue> {
    let obj: &js_sys::Object = numbers.dyn_ref().ok_or_else(|| {
        JsValue::from_str("numbers: an object { \"+74951234567\": \"+74997654321\" }")
    })?;
    let mut map = Vec::new();
    let mut kept = Vec::new();
    for entry in js_sys::Object::entries(obj).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        let from = pair.get(0).as_string().unwrap_or_default();
        let to = pair.get(1).as_string().unwrap_or_default();
        let f: PhoneNumber = from.parse().map_err(|_| {
            JsValue::from_str(&(String::from("numbers: not an E.164 number: ") + &from))
        })?;
        let t: PhoneNumber = to.parse().map_err(|_| {
            JsValue::from_str(&(String::from("numbers: not an E.164 number: ") + &to))
        })?;
        if f != t {
            map.push((f, t));
        } else {
            kept.push(f);
        }
    }
    Ok((map, kept))
}

#[wasm_bindgen]
impl SwapHandle {
    /// Swaps `numbers` (`{ original E.164: tracking E.164 }`) under `root`
    /// (all at once when `budget` is infinite; else the walk is left to
    /// [`SwapHandle::step`], `budget` ms a slice, and [`SwapHandle::first`];
    /// with a `budget` of 0, no walk: the edge wrote the numbers into the
    /// page, and only later content is swapped)
    /// (the document's body when `undefined`), in the written form of each
    /// original, and keeps watching for later content with `observer` (one
    /// whose callback calls [`SwapHandle::mutated`]; it is disconnected when
    /// the handle is dropped).
    /// `region` reads national forms (`"RU"`, `"US"`, ...; `""` for none);
    /// `ignore` is a CSS selector of regions to leave alone (`""` for none).
    #[wasm_bindgen(constructor)]
    pub fn new(
        numbers: &JsValue,
        region: &str,
        root: Option<Node>,
        ignore: &str,
        observer: Option<MutationObserver>,
        budget: f64,
    ) -> Result<SwapHandle, JsValue> {
        let (map, kept) = parse_map(numbers)?;
        let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
        let document = window
            .document()
            .ok_or_else(|| JsValue::from_str("no document"))?;
        // Any node that can hold the numbers: an element, a document, a shadow
        // root (`swapNumbers` refuses anything else with a TypeError).
        let root: Node = match root {
            Some(r) => r,
            None => document
                .body()
                .map(Node::from)
                .ok_or_else(|| JsValue::from_str("no document body"))?,
        };
        let mut marked = String::from(MARKED);
        if !ignore.trim().is_empty() {
            // An invalid selector would make every check fail: test it first.
            if document.query_selector(ignore).is_err() {
                return Err(JsValue::from_str(
                    &(String::from("ignore: not a CSS selector: ") + ignore),
                ));
            }
            marked.push(',');
            marked.push_str(ignore);
        }
        let skip = [INVISIBLE, EDITABLE, MESSENGER, &marked].join(",");
        let region: Option<Region> = region.parse().ok();
        let mut known = kept.clone();
        for (from, to) in &map {
            known.push(*from);
            known.push(*to);
        }
        let scanner =
            scan::Scanner::new(region, scan::Mode::Valid).only(map.iter().map(|(from, _)| *from));
        let counter = scan::Scanner::new(region, scan::Mode::Valid).only(known);
        let inner = Rc::new(Inner {
            document,
            root,
            region,
            map,
            kept,
            skip,
            marked,
            changes: RefCell::new(Vec::new()),
            rest: RefCell::new(JsValue::NULL),
            queue: RefCell::new(Vec::new()),
            found: Cell::new(0),
            swapped: Cell::new(0),
            scanner,
            counter,
            unread: region.and_then(|r| r.plan()).is_none(),
        });
        let mut handle = SwapHandle { inner, watch: None };
        // Swapped first, then watched: the observer does not see our own writes.
        let roots = js_sys::Array::new();
        if budget.is_infinite() {
            for r in handle.inner.batch(&handle.inner.root, None).iter() {
                roots.push(&r);
            }
        } else if budget > 0.0 {
            handle
                .inner
                .queue
                .borrow_mut()
                .push(handle.inner.root.clone());
        }
        let body = handle.inner.document.body().map(Node::from);
        if handle.inner.root.is_same_node(body.as_ref()) || handle.inner.root.node_type() == 9 {
            handle.inner.title();
        }
        if let Some(observer) = observer {
            // The root, then the shadow roots and frames found in it.
            roots.unshift(&handle.inner.root);
            observe_roots(&observer, &roots);
            handle.watch = Some(Watch { observer });
        }
        Ok(handle)
    }

    /// Swaps what is under each node of `nodes` at once (what is in the
    /// viewport, when the first slice of a large page has not reached it).
    pub fn first(&self, nodes: js_sys::Array) {
        for node in nodes.iter() {
            let roots = self.inner.batch(&node.unchecked_into(), None);
            self.settle(&roots);
        }
    }

    /// Walks on for `budget` ms: the root at first, then content added later
    /// (see [`SwapHandle::mutated`]); `true` once nothing is left. Between
    /// calls the page may do other work: no task of the swap need be long.
    pub fn step(&mut self, budget: f64) -> bool {
        let inner = &self.inner;
        let at = inner.rest.replace(JsValue::NULL);
        let got = if !at.is_null() {
            resume(&at, budget)
        } else {
            // The next root to walk (one no longer on the page walks as a detached tree: no harm).
            let Some(next) = inner.queue.borrow_mut().pop() else {
                return true;
            };
            collect(&next, &inner.skip, &inner.site(false), None, budget)
        };
        let roots = inner.process(&got);
        self.settle(&roots);
        let rest = got.get(5);
        let done = rest.is_undefined() && inner.queue.borrow().is_empty();
        if !rest.is_undefined() {
            inner.rest.replace(rest);
        }
        done
    }

    /// What the page's observer saw (its callback calls this): changed text
    /// and attributes are swapped now; added content is queued for
    /// [`SwapHandle::step`]. `true` when there is content to walk.
    pub fn mutated(&self, records: js_sys::Array) -> bool {
        if let Some(w) = &self.watch {
            self.inner.mutations(&records, &w.observer);
        }
        !self.inner.queue.borrow().is_empty()
    }

    /// Stops watching and puts every original back.
    pub fn destroy(&mut self) {
        self.watch = None;
        self.inner.restore();
    }

    /// After our own writes: the shadow roots and frames found are watched,
    /// and the records of what we wrote are dropped.
    fn settle(&self, roots: &js_sys::Array) {
        if let Some(w) = &self.watch {
            observe_roots(&w.observer, roots);
        }
    }

    /// Occurrences of the site's numbers found, and swapped, since the start
    /// (a national form read without its numbering line: found, not swapped).
    pub fn stats(&self) -> js_sys::Object {
        let o = js_sys::Object::new();
        set(&o, "found", &self.inner.found.get().into());
        set(&o, "swapped", &self.inner.swapped.get().into());
        o
    }

    /// The page now: `{ found, swapped, unswapped: { reason: count } }`,
    /// counting target numbers still shown and the tracking numbers written
    /// in their place. Reasons: `ignored` (a marked region), `editable`
    /// (form fields, editable text), `messenger` (chat links), `no_number`
    /// (no tracking number for it), `other` (not swapped, no known reason),
    /// `unread` (a national form, and no numbering line for the region).
    pub fn coverage(&self) -> js_sys::Object {
        let c = self.inner.coverage();
        let o = js_sys::Object::new();
        set(&o, "found", &c.found.into());
        set(&o, "swapped", &c.swapped.into());
        let left = js_sys::Object::new();
        for (reason, n) in Unswapped::ALL.iter().map(|r| r.as_str()).zip(c.left) {
            if n > 0 {
                set(&left, reason, &n.into());
            }
        }
        set(&o, "unswapped", &left);
        o
    }
}
