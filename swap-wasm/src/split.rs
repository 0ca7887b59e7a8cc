//! Numbers split across elements (`<span>8 (495)</span> <b>123-45-67</b>`):
//! the texts of consecutive nodes are read as one text, and a match that
//! spans several nodes is written back character by character, each node
//! keeping its share and the last one taking what is left. Pure: the DOM
//! shell hands in the nodes' texts and writes back the ones that changed.

use alloc::string::String;
use alloc::vec::Vec;

use pool_core::number::{PhoneNumber, Region};
use pool_core::text::{char_count, Part};

use crate::scan;

/// `piece` with the bytes `from..to` replaced by `mid`.
pub fn replace_range(piece: &str, from: usize, to: usize, mid: &str) -> String {
    let mut out = String::with_capacity(piece.len() + mid.len());
    out.push_str(piece.part(..from));
    out.push_str(mid);
    out.push_str(piece.part(to..));
    out
}

/// Swaps, in place, the numbers of `map` that span two or more of
/// `texts` (a number inside one text is left for the single-node pass).
/// Returns how many were swapped.
pub fn swap_split(
    texts: &mut [String],
    region: Option<Region>,
    map: &[(PhoneNumber, PhoneNumber)],
) -> u32 {
    let joined: String = texts.concat();
    if !scan::may_contain(&joined, map.iter().map(|(from, _)| *from)) {
        return 0;
    }
    // Where each text starts in `joined`, and its length before any change.
    let mut starts = Vec::with_capacity(texts.len());
    let mut lens = Vec::with_capacity(texts.len());
    let mut at = 0;
    for t in texts.iter() {
        starts.push(at);
        lens.push(t.len());
        at += t.len();
    }
    let node_at = |byte: usize| starts.partition_point(|&s| s <= byte).saturating_sub(1);
    let mut swapped = 0;
    // Later matches first: a text keeps its original bytes before the part
    // already written, so earlier offsets stay valid.
    for f in scan::Scanner::new(region, scan::Mode::Valid)
        .only(map.iter().map(|(from, _)| *from))
        .scan(&joined)
        .iter()
        .rev()
    {
        let Some(number) = f.number else { continue };
        let Some((_, tracking)) = map.iter().find(|(from, _)| *from == number) else {
            continue;
        };
        let (first, last) = (node_at(f.start), node_at(f.number_end - 1));
        if first == last {
            continue;
        }
        let Some(template) = &f.template else {
            continue;
        };
        let plain = scan::plain_link(joined.part(f.start..f.end));
        let written = scan::written(tracking, template, f.link && !plain);
        let mut next = written.chars();
        for k in first..=last {
            let node_start = starts[k];
            let from = f.start.max(node_start) - node_start;
            let to = f.number_end.min(node_start + lens[k]) - node_start;
            let share = char_count(texts[k].part(from..to));
            let mut mid: String = next.by_ref().take(share).collect();
            if k == last {
                mid.extend(next.by_ref());
            }
            texts[k] = replace_range(&texts[k], from, to, &mid);
        }
        swapped += 1;
    }
    swapped
}
