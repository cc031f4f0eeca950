//! Validation of the SVD before `cargo xtask regen` generates anything from it.
//!
//! Design notes:
//! - svd-parser's model carries no source positions, and it accepts things that make svd2rust
//!   write a PAC that is wrong (two registers at one address) or does not compile (a field past
//!   bit 31, two peripherals with one name). So this check reads the XML itself, with roxmltree
//!   (the parser svd-parser uses, already in `Cargo.lock`), and reports each problem with the
//!   `line:column` of the element at fault and its path (`PERIPHERAL/CLUSTER/REGISTER/FIELD`).
//! - Two passes over one tree, both always run to the end so that one run lists every problem:
//!   [`schema`] (which elements may appear where, which are required, which only once) and
//!   [`layout`] (numbers, bit ranges, overlaps, duplicate names, enumerated values).
//!   Generation starts only when the list is empty.
//! - The schema is CMSIS-SVD 1.3 as svd-parser reads it: where the XSD and svd-parser differ
//!   (e.g. `<cpu>`'s `mpuPresent` is required by the XSD and optional for svd-parser), the
//!   parser's rule is used, since the parser is what consumes the file.

mod layout;
mod schema;
#[cfg(test)]
mod tests;

use roxmltree::{Document, Node, TextPos};

/// One thing wrong in the SVD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the element at fault starts (1-based line and column).
    pub position: TextPos,
    /// The element's path: names of the enclosing peripheral, clusters, register, field.
    pub path: String,
    pub message: String,
}

/// Checks the SVD text; returns every problem found, in file order (empty: valid).
pub fn validate(text: &str) -> Vec<Problem> {
    let document = match Document::parse(text) {
        Ok(document) => document,
        Err(error) => {
            return vec![Problem {
                position: error.pos(),
                path: "document".into(),
                message: format!("malformed XML: {error}"),
            }];
        }
    };
    let mut problems = Problems {
        document: &document,
        list: Vec::new(),
    };
    schema::check(document.root_element(), &mut problems);
    layout::check(document.root_element(), &mut problems);
    let mut list = problems.list;
    list.sort_by_key(|p| (p.position.row, p.position.col));
    list.dedup();
    list
}

/// The message for a failed validation: one line per problem, `file:line:column: path: what`.
pub fn report(file: &str, problems: &[Problem]) -> String {
    let mut text = format!(
        "{file}: invalid SVD ({} problem{}; nothing was generated or written):",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        text.push_str(&format!(
            "\n  {file}:{}:{}: {}: {}",
            problem.position.row, problem.position.col, problem.path, problem.message
        ));
    }
    text
}

/// The problems found so far, with what is needed to locate an element.
struct Problems<'d, 'input> {
    document: &'d Document<'input>,
    list: Vec<Problem>,
}

impl Problems<'_, '_> {
    /// Records a problem at `node` (an element).
    fn add(&mut self, node: Node<'_, '_>, message: impl Into<String>) {
        self.list.push(Problem {
            position: self.document.text_pos_at(node.range().start),
            path: element_path(node),
            message: message.into(),
        });
    }

    /// `line:column` of an element, for messages that point at a second element.
    fn position_of(&self, node: Node<'_, '_>) -> String {
        let position = self.document.text_pos_at(node.range().start);
        format!("{}:{}", position.row, position.col)
    }
}

/// The element's path: the `<name>`s of its enclosing (and own) peripheral, cluster, register,
/// field and enumerated value; other elements on the way are left out. `device` at the top.
fn element_path(node: Node<'_, '_>) -> String {
    let mut parts: Vec<String> = node
        .ancestors()
        .filter(|n| n.is_element())
        .filter_map(|n| {
            let tag = n.tag_name().name();
            match tag {
                "peripheral" | "cluster" | "register" | "field" | "enumeratedValue"
                | "interrupt" => Some(child_text(n, "name").unwrap_or(tag).to_owned()),
                "addressBlock" => Some(tag.to_owned()),
                _ => None,
            }
        })
        .collect();
    if parts.is_empty() {
        return "device".into();
    }
    parts.reverse();
    parts.join("/")
}

/// The first child element named `tag`.
fn child<'a, 'input>(node: Node<'a, 'input>, tag: &str) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == tag)
}

/// The trimmed text of the first child element named `tag` (empty if it has no text).
fn child_text<'a>(node: Node<'a, '_>, tag: &str) -> Option<&'a str> {
    child(node, tag).map(|c| c.text().unwrap_or("").trim())
}

/// The child elements of `node`.
fn elements<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(|c| c.is_element())
}
