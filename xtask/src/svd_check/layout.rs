//! Values and layout: numbers, bit ranges, overlaps, duplicate names, enumerated values.
//!
//! Design notes:
//! - Works on the XML tree, resolving `derivedFrom` itself: a derived peripheral takes its
//!   base's address blocks at its own base address, a derived register its base's size, a
//!   derived cluster its base's extent. What a derived element inherits unchanged is checked
//!   once, at the base.
//! - Registers and clusters occupy `[offset + i * dimIncrement, + size)` for each array index
//!   `i`; a cluster's size is the end of its last register. Elements marked as alternates
//!   (`alternateRegister`, `alternateGroup`, `alternateCluster`, `alternatePeripheral`) may share
//!   addresses, as CMSIS-SVD allows.
//! - Element problems the schema pass reports (a missing `<addressOffset>`) only make this pass
//!   skip the element; a value that is present but unreadable is reported here.

use super::{Problems, child, child_text, elements};
use roxmltree::Node;
use std::collections::HashMap;

/// Array sizes above this are reported rather than expanded.
const MAX_DIM: u64 = 65_536;
/// Derivation chains longer than this are taken to be cycles.
const MAX_DERIVATION_DEPTH: usize = 16;

pub(super) fn check(device: Node<'_, '_>, problems: &mut Problems<'_, '_>) {
    if device.tag_name().name() != "device" {
        return;
    }
    let default_size = register_size(device, problems).unwrap_or(32);
    let Some(peripherals) = child(device, "peripherals") else {
        return;
    };
    let peripherals: Vec<Node> = elements(peripherals)
        .filter(|p| p.has_tag_name("peripheral"))
        .collect();
    check_duplicate_names(&peripherals, "peripheral", problems);
    let mut spans = Vec::new();
    for &peripheral in &peripherals {
        let base = resolve_derived(peripheral, problems);
        let size = register_size(peripheral, problems).unwrap_or(default_size);
        if let Some(registers) = child(peripheral, "registers") {
            check_scope(registers, size, problems);
        }
        let Some(address) = number(peripheral, "baseAddress", problems) else {
            continue;
        };
        let Some(array) = array_of(peripheral, None, problems) else {
            continue;
        };
        // A derived peripheral without blocks of its own has its base's, at its own address.
        let blocks_from = match base {
            Some(base) if child(peripheral, "addressBlock").is_none() => base,
            _ => peripheral,
        };
        for block in elements(blocks_from).filter(|b| b.has_tag_name("addressBlock")) {
            let offset = number(block, "offset", problems);
            let size = number(block, "size", problems);
            let (Some(offset), Some(size)) = (offset, size) else {
                continue;
            };
            if size == 0 {
                continue;
            }
            for index in 0..array.count {
                let start = address
                    .saturating_add(offset)
                    .saturating_add(index.saturating_mul(array.increment));
                spans.push(Span {
                    start,
                    end: start.saturating_add(size),
                    owner: peripheral,
                    alternate: child(peripheral, "alternatePeripheral").is_some(),
                });
            }
        }
    }
    check_overlaps(spans, "address block of peripheral", problems);
}

/// Checks the registers and clusters directly in `scope` (a `<registers>` or `<cluster>`)
/// and, recursively, below it.
fn check_scope(scope: Node<'_, '_>, default_size: u64, problems: &mut Problems<'_, '_>) {
    let items: Vec<Node> = elements(scope)
        .filter(|n| n.has_tag_name("register") || n.has_tag_name("cluster"))
        .collect();
    check_duplicate_names(&items, "register or cluster", problems);
    let mut spans = Vec::new();
    for &item in &items {
        let base = resolve_derived(item, problems);
        let is_register = item.has_tag_name("register");
        let own_size = register_size(item, problems);
        let size = own_size.unwrap_or(default_size);
        let extent = if is_register {
            // A derived register without its own <size> has its base's.
            let size = match (own_size, base) {
                (None, Some(base)) => register_size(base, &mut discard(problems)),
                _ => None,
            }
            .unwrap_or(size);
            check_register(item, size, problems);
            Some(size / 8)
        } else {
            check_scope(item, size, problems);
            let from = match base {
                Some(base) if !has_items(item) => base,
                _ => item,
            };
            cluster_extent(from, size, 0)
        };
        let Some(offset) = number(item, "addressOffset", problems) else {
            continue;
        };
        let Some(array) = array_of(item, extent, problems) else {
            continue;
        };
        let Some(extent) = extent else {
            continue;
        };
        let alternate = ["alternateRegister", "alternateGroup", "alternateCluster"]
            .iter()
            .any(|tag| child(item, tag).is_some());
        for index in 0..array.count {
            let start = offset.saturating_add(index.saturating_mul(array.increment));
            spans.push(Span {
                start,
                end: start.saturating_add(extent),
                owner: item,
                alternate,
            });
        }
    }
    check_overlaps(spans, "", problems);
}

/// Whether a cluster has registers or clusters of its own.
fn has_items(cluster: Node<'_, '_>) -> bool {
    elements(cluster).any(|n| n.has_tag_name("register") || n.has_tag_name("cluster"))
}

/// The bytes one instance of a cluster spans (from its start to the end of its last register),
/// without reporting anything: problems are reported where the elements are checked.
fn cluster_extent(cluster: Node<'_, '_>, default_size: u64, depth: usize) -> Option<u64> {
    if depth > MAX_DERIVATION_DEPTH {
        return None;
    }
    let mut end = 0;
    for item in elements(cluster) {
        let is_register = item.has_tag_name("register");
        if !is_register && !item.has_tag_name("cluster") {
            continue;
        }
        let offset = child_text(item, "addressOffset").and_then(parse_integer)?;
        let size = child_text(item, "size")
            .and_then(parse_integer)
            .unwrap_or(default_size);
        let base = item
            .attribute("derivedFrom")
            .and_then(|name| find_derived(item, name));
        let extent = if is_register {
            let inherited = base
                .filter(|_| child(item, "size").is_none())
                .and_then(|b| child_text(b, "size").and_then(parse_integer));
            inherited.unwrap_or(size) / 8
        } else {
            let from = match base {
                Some(base) if !has_items(item) => base,
                _ => item,
            };
            cluster_extent(from, size, depth + 1)?
        };
        let count = child_text(item, "dim").and_then(parse_integer).unwrap_or(1);
        let increment = child_text(item, "dimIncrement")
            .and_then(parse_integer)
            .unwrap_or(0);
        end = end.max(
            offset
                .saturating_add(count.saturating_sub(1).saturating_mul(increment))
                .saturating_add(extent),
        );
    }
    Some(end)
}

/// Checks one register's size and fields.
fn check_register(register: Node<'_, '_>, size: u64, problems: &mut Problems<'_, '_>) {
    if ![8, 16, 32, 64].contains(&size) {
        problems.add(
            register,
            format!("register size {size} bits; svd2rust supports 8, 16, 32 and 64"),
        );
        return;
    }
    check_write_constraint(register, size, problems);
    let Some(fields) = child(register, "fields") else {
        return;
    };
    let fields: Vec<Node> = elements(fields)
        .filter(|f| f.has_tag_name("field"))
        .collect();
    check_duplicate_names(&fields, "field", problems);
    // (mask of the bits it covers, field) for every field instance.
    let mut taken: Vec<(u128, Node)> = Vec::new();
    for &field in &fields {
        let base = resolve_derived(field, problems);
        let range = bit_range(field, problems)
            .or_else(|| base.and_then(|base| bit_range(base, &mut discard(problems))));
        let Some((offset, width)) = range else {
            continue;
        };
        if child(field, "writeConstraint").is_some() {
            check_write_constraint(field, width, problems);
        }
        check_enumerated_values(field, width, problems);
        let Some(array) = array_of(field, Some(width), problems) else {
            continue;
        };
        let last = offset.saturating_add(
            array
                .count
                .saturating_sub(1)
                .saturating_mul(array.increment),
        );
        if last.saturating_add(width) > size {
            problems.add(
                field,
                format!(
                    "bits {}..={} do not fit the {size}-bit register",
                    last,
                    last.saturating_add(width) - 1
                ),
            );
            continue;
        }
        for index in 0..array.count {
            let mask = ((1u128 << width) - 1) << (offset + index * array.increment);
            for &(other_mask, other) in &taken {
                if other != field && other_mask & mask != 0 {
                    problems.add(
                        field,
                        format!(
                            "bits {} overlap field `{}` at {}",
                            describe_mask(mask & other_mask),
                            child_text(other, "name").unwrap_or("?"),
                            problems.position_of(other)
                        ),
                    );
                }
            }
            taken.push((mask, field));
        }
    }
}

/// `[msb:lsb]` of the bits set in `mask` (a contiguous run).
fn describe_mask(mask: u128) -> String {
    let low = mask.trailing_zeros();
    let high = 127 - mask.leading_zeros();
    format!("[{high}:{low}]")
}

/// A field's (bit offset, width), from `bitRange`, `lsb`/`msb` or `bitOffset`/`bitWidth`.
/// `None` (reported) when unreadable; `None` (not reported) when absent.
fn bit_range(field: Node<'_, '_>, problems: &mut Problems<'_, '_>) -> Option<(u64, u64)> {
    let (offset, width) = if let Some(node) = child(field, "bitRange") {
        let text = node.text().unwrap_or("").trim();
        let parsed = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .and_then(|t| t.split_once(':'))
            .and_then(|(msb, lsb)| Some((parse_integer(msb)?, parse_integer(lsb)?)));
        match parsed {
            Some((msb, lsb)) if msb >= lsb => (lsb, (msb - lsb).saturating_add(1)),
            _ => {
                problems.add(
                    node,
                    format!("<bitRange> `{text}` is not `[msb:lsb]` with msb >= lsb"),
                );
                return None;
            }
        }
    } else if child(field, "lsb").is_some() || child(field, "msb").is_some() {
        let lsb = number(field, "lsb", problems);
        let msb = number(field, "msb", problems);
        match (lsb, msb) {
            (Some(lsb), Some(msb)) if msb >= lsb => (lsb, (msb - lsb).saturating_add(1)),
            (Some(_), Some(_)) => {
                problems.add(field, "<msb> is below <lsb>");
                return None;
            }
            _ => {
                problems.add(field, "<lsb> and <msb> go together");
                return None;
            }
        }
    } else if child(field, "bitOffset").is_some() {
        let offset = number(field, "bitOffset", problems)?;
        let Some(width) = number(field, "bitWidth", problems) else {
            problems.add(field, "<bitOffset> without <bitWidth>");
            return None;
        };
        if width == 0 {
            problems.add(field, "<bitWidth> is 0");
            return None;
        }
        (offset, width)
    } else {
        return None;
    };
    if offset.saturating_add(width) > 64 {
        problems.add(
            field,
            format!(
                "bits up to {} are past bit 63",
                offset.saturating_add(width) - 1
            ),
        );
        return None;
    }
    Some((offset, width))
}

/// A `<writeConstraint><range>` must be ordered and fit `width` bits.
fn check_write_constraint(element: Node<'_, '_>, width: u64, problems: &mut Problems<'_, '_>) {
    let Some(range) = child(element, "writeConstraint").and_then(|w| child(w, "range")) else {
        return;
    };
    let (Some(minimum), Some(maximum)) = (
        number(range, "minimum", problems),
        number(range, "maximum", problems),
    ) else {
        return;
    };
    if minimum > maximum {
        problems.add(
            range,
            format!("write constraint minimum {minimum} is above its maximum {maximum}"),
        );
    } else if width < 64 && maximum >> width != 0 {
        problems.add(
            range,
            format!("write constraint maximum {maximum} does not fit {width} bits"),
        );
    }
}

/// Enumerated values: each fits the field, no two share a name or a value.
fn check_enumerated_values(field: Node<'_, '_>, width: u64, problems: &mut Problems<'_, '_>) {
    for set in elements(field).filter(|n| n.has_tag_name("enumeratedValues")) {
        let values: Vec<Node> = elements(set)
            .filter(|n| n.has_tag_name("enumeratedValue"))
            .collect();
        check_duplicate_names(&values, "enumerated value", problems);
        let mut seen: HashMap<u64, Node> = HashMap::new();
        for &value in &values {
            let Some(node) = child(value, "value") else {
                continue;
            };
            let text = node.text().unwrap_or("").trim();
            let Some((highest, exact)) = parse_enumerated_value(text) else {
                problems.add(node, format!("<value> `{text}` is not a number"));
                continue;
            };
            if width < 64 && highest >> width != 0 {
                problems.add(
                    value,
                    format!("value {text} does not fit the {width}-bit field"),
                );
                continue;
            }
            if exact {
                if let Some(&first) = seen.get(&highest) {
                    problems.add(
                        value,
                        format!(
                            "value {text} is also `{}` at {}",
                            child_text(first, "name").unwrap_or("?"),
                            problems.position_of(first)
                        ),
                    );
                } else {
                    seen.insert(highest, value);
                }
            }
        }
    }
}

/// Reports names used twice among `nodes` (siblings), arrays expanded as svd2rust does.
fn check_duplicate_names(nodes: &[Node<'_, '_>], what: &str, problems: &mut Problems<'_, '_>) {
    let mut seen: HashMap<String, Node> = HashMap::new();
    for &node in nodes {
        for name in expanded_names(node) {
            if let Some(&first) = seen.get(&name) {
                problems.add(
                    node,
                    format!(
                        "duplicate {what} name `{name}` (first at {})",
                        problems.position_of(first)
                    ),
                );
            } else {
                seen.insert(name, node);
            }
        }
    }
}

/// The names an element stands for: `X[%s]` is one array `X`; `X%s` is one name per index.
fn expanded_names(node: Node<'_, '_>) -> Vec<String> {
    let Some(name) = child_text(node, "name") else {
        return Vec::new();
    };
    if let Some(array) = name.strip_suffix("[%s]") {
        return vec![array.to_owned()];
    }
    if !name.contains("%s") {
        return vec![name.to_owned()];
    }
    dim_indices(node)
        .into_iter()
        .map(|index| name.replace("%s", &index))
        .collect()
}

/// The index strings of an array: `<dimIndex>` (`0-3` or `A,B,C`) or `0..dim`.
fn dim_indices(node: Node<'_, '_>) -> Vec<String> {
    if let Some(list) = child_text(node, "dimIndex") {
        if let Some((first, last)) = list.split_once('-')
            && let (Ok(first), Ok(last)) = (first.trim().parse::<u64>(), last.trim().parse::<u64>())
        {
            return (first..=last.min(first.saturating_add(MAX_DIM)))
                .map(|i| i.to_string())
                .collect();
        }
        return list.split(',').map(|s| s.trim().to_owned()).collect();
    }
    let count = child_text(node, "dim")
        .and_then(parse_integer)
        .unwrap_or(1)
        .min(MAX_DIM);
    (0..count).map(|i| i.to_string()).collect()
}

/// An element's array shape (count 1 when it is not an array).
struct Array {
    count: u64,
    increment: u64,
}

/// Reads `dim`/`dimIncrement`; reports a missing `%s`, and elements of size `extent` that
/// overlap each other. `None` when unreadable.
fn array_of(
    node: Node<'_, '_>,
    extent: Option<u64>,
    problems: &mut Problems<'_, '_>,
) -> Option<Array> {
    if child(node, "dim").is_none() {
        return Some(Array {
            count: 1,
            increment: 0,
        });
    }
    let count = number(node, "dim", problems)?;
    let Some(increment) = number(node, "dimIncrement", problems) else {
        problems.add(node, "<dim> without <dimIncrement>");
        return None;
    };
    if count == 0 || count > MAX_DIM {
        problems.add(node, format!("<dim> {count} is not in 1..={MAX_DIM}"));
        return None;
    }
    if !child_text(node, "name").unwrap_or("").contains("%s") {
        problems.add(node, "an array (<dim>) needs `%s` in its <name>");
    }
    if let Some(extent) = extent
        && count > 1
        && increment < extent
    {
        let unit = if node.has_tag_name("field") {
            "bits"
        } else {
            "bytes"
        };
        problems.add(
            node,
            format!(
                "array elements overlap: <dimIncrement> {increment} is less than the element's \
                 {extent} {unit}"
            ),
        );
    }
    Some(Array { count, increment })
}

/// An address range taken by (one instance of) an element.
struct Span<'a, 'input> {
    start: u64,
    end: u64,
    owner: Node<'a, 'input>,
    alternate: bool,
}

/// Reports each pair of distinct elements whose spans intersect (once per pair).
fn check_overlaps(mut spans: Vec<Span<'_, '_>>, what: &str, problems: &mut Problems<'_, '_>) {
    spans.sort_by_key(|s| (s.start, s.end));
    let mut reported: Vec<(roxmltree::NodeId, roxmltree::NodeId)> = Vec::new();
    // The earlier spans (by start) that reach past the current start: the only candidates.
    let mut active: Vec<&Span> = Vec::new();
    for span in &spans {
        active.retain(|earlier| earlier.end > span.start);
        for &earlier in &active {
            if earlier.owner == span.owner || earlier.alternate || span.alternate {
                continue;
            }
            let (first, second) = if earlier.owner.range().start <= span.owner.range().start {
                (earlier, span)
            } else {
                (span, earlier)
            };
            let pair = (first.owner.id(), second.owner.id());
            if reported.contains(&pair) {
                continue;
            }
            reported.push(pair);
            let kind = |node: Node| {
                if what.is_empty() {
                    node.tag_name().name().to_owned()
                } else {
                    what.to_owned()
                }
            };
            problems.add(
                second.owner,
                format!(
                    "{} `{}` at {:#x}..{:#x} overlaps {} `{}` at {:#x}..{:#x} (at {})",
                    kind(second.owner),
                    child_text(second.owner, "name").unwrap_or("?"),
                    second.start,
                    second.end,
                    kind(first.owner),
                    child_text(first.owner, "name").unwrap_or("?"),
                    first.start,
                    first.end,
                    problems.position_of(first.owner)
                ),
            );
        }
        active.push(span);
    }
}

/// The element `node` is derived from, if any; reports a `derivedFrom` that names nothing.
fn resolve_derived<'a, 'input>(
    node: Node<'a, 'input>,
    problems: &mut Problems<'_, '_>,
) -> Option<Node<'a, 'input>> {
    let name = node.attribute("derivedFrom")?;
    let found = find_derived(node, name);
    match found {
        Some(base) if base.tag_name() != node.tag_name() => {
            problems.add(
                node,
                format!(
                    "derivedFrom `{name}` names a <{}>, not a <{}>",
                    base.tag_name().name(),
                    node.tag_name().name()
                ),
            );
            None
        }
        Some(base) if base == node => {
            problems.add(
                node,
                format!("derivedFrom `{name}` names the element itself"),
            );
            None
        }
        Some(base) => Some(base),
        None => {
            problems.add(
                node,
                format!(
                    "derivedFrom `{name}`: no such {} here",
                    node.tag_name().name()
                ),
            );
            None
        }
    }
}

/// Finds a `derivedFrom` target: a sibling with that name, or a dotted path from the device
/// (`PERIPHERAL.CLUSTER.REGISTER`).
fn find_derived<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    let named = |n: &Node, wanted: &str| {
        child_text(*n, "name")
            .is_some_and(|own| own == wanted || own.strip_suffix("[%s]") == Some(wanted))
    };
    if let Some(parent) = node.parent()
        && let Some(sibling) = elements(parent).find(|n| named(n, name))
    {
        return Some(sibling);
    }
    let mut parts = name.split('.');
    let device = node.ancestors().find(|n| n.has_tag_name("device"))?;
    let first = parts.next()?;
    let mut current = elements(child(device, "peripherals")?).find(|n| named(n, first))?;
    for part in parts {
        let container = if current.has_tag_name("peripheral") {
            child(current, "registers")?
        } else if current.has_tag_name("register") {
            child(current, "fields")?
        } else {
            current
        };
        current = elements(container).find(|n| named(n, part))?;
    }
    Some(current)
}

/// An element's own `<size>` in bits, if it has one.
fn register_size(node: Node<'_, '_>, problems: &mut Problems<'_, '_>) -> Option<u64> {
    number(node, "size", problems)
}

/// The value of child `tag` as an SVD integer; `None` if absent or unreadable (reported).
fn number(node: Node<'_, '_>, tag: &str, problems: &mut Problems<'_, '_>) -> Option<u64> {
    let element = child(node, tag)?;
    let text = element.text().unwrap_or("").trim();
    let value = parse_integer(text);
    if value.is_none() {
        problems.add(element, format!("<{tag}> `{text}` is not a number"));
    }
    value
}

/// A `Problems` that drops what it is given: for looking at a derivation base, whose own
/// problems are reported where it is checked.
fn discard<'d, 'input>(problems: &Problems<'d, 'input>) -> Problems<'d, 'input> {
    Problems {
        document: problems.document,
        list: Vec::new(),
    }
}

/// An SVD `scaledNonNegativeInteger`: decimal, `0x` hex, `#` or `0b` binary, with an optional
/// `k`/`M`/`G`/`T` multiplier (powers of 1024).
pub(super) fn parse_integer(text: &str) -> Option<u64> {
    let text = text.trim().strip_prefix('+').unwrap_or(text.trim());
    let (digits, scale) = match text.char_indices().last()? {
        (at, 'k' | 'K') => (&text[..at], 1u64 << 10),
        (at, 'm' | 'M') if !text.starts_with("0x") && !text.starts_with("0X") => {
            (&text[..at], 1 << 20)
        }
        (at, 'g' | 'G') => (&text[..at], 1 << 30),
        (at, 't' | 'T') => (&text[..at], 1 << 40),
        _ => (text, 1),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()?
    } else if let Some(binary) = digits
        .strip_prefix('#')
        .or(digits.strip_prefix("0b"))
        .or(digits.strip_prefix("0B"))
    {
        u64::from_str_radix(binary, 2).ok()?
    } else {
        digits.parse::<u64>().ok()?
    };
    value.checked_mul(scale)
}

/// An enumerated value: an integer, or binary with `x` for "don't care" bits (`#1x0`).
/// Returns (the highest value it matches, whether it is one exact value).
fn parse_enumerated_value(text: &str) -> Option<(u64, bool)> {
    let binary = text
        .strip_prefix('#')
        .or(text.strip_prefix("0b"))
        .or(text.strip_prefix("0B"));
    if let Some(binary) = binary
        && binary.contains(['x', 'X'])
    {
        let highest = binary.replace(['x', 'X'], "1");
        return Some((u64::from_str_radix(&highest, 2).ok()?, false));
    }
    parse_integer(text).map(|value| (value, true))
}
