//! Which elements may appear where: CMSIS-SVD 1.3 as svd-parser reads it.
//!
//! Every element with element children has a [`Spec`]; any other element is a leaf holding
//! text (a number, a name, an enumeration keyword), whose value the `layout` pass checks where
//! it matters. `vendorExtensions` may hold anything and is not looked into.

use super::{Problems, child, elements};
use roxmltree::Node;

/// The children an element may have.
struct Spec {
    tag: &'static str,
    /// Child elements allowed (each at most once unless also in `repeatable`).
    children: &'static [&'static str],
    repeatable: &'static [&'static str],
    /// Child elements that must be present.
    required: &'static [&'static str],
    /// Groups of alternatives: one of each group must be present, unless the element is
    /// `derivedFrom` another one (it then inherits them).
    one_of: &'static [&'static [&'static str]],
    attributes: &'static [&'static str],
}

/// The elements describing an array (`dim`), allowed on peripherals, clusters, registers and
/// fields; listed in each of those specs.
macro_rules! with_dim {
    ($($tag:literal),* $(,)?) => {
        &["dim", "dimIncrement", "dimIndex", "dimName", "dimArrayIndex", $($tag),*]
    };
}

const SPECS: &[Spec] = &[
    Spec {
        tag: "device",
        children: &[
            "vendor",
            "vendorID",
            "name",
            "series",
            "version",
            "description",
            "licenseText",
            "cpu",
            "headerSystemFilename",
            "headerDefinitionsPrefix",
            "addressUnitBits",
            "width",
            "size",
            "access",
            "protection",
            "resetValue",
            "resetMask",
            "peripherals",
            "vendorExtensions",
        ],
        repeatable: &[],
        required: &[
            "name",
            "version",
            "description",
            "addressUnitBits",
            "width",
            "peripherals",
        ],
        one_of: &[],
        // `xmlns:xs` is a namespace declaration, not an attribute, for roxmltree.
        attributes: &["schemaVersion", "noNamespaceSchemaLocation"],
    },
    Spec {
        tag: "cpu",
        children: &[
            "name",
            "revision",
            "endian",
            "mpuPresent",
            "fpuPresent",
            "fpuDP",
            "dspPresent",
            "icachePresent",
            "dcachePresent",
            "itcmPresent",
            "dtcmPresent",
            "vtorPresent",
            "nvicPrioBits",
            "vendorSystickConfig",
            "deviceNumInterrupts",
            "sauNumRegions",
            "sauRegionsConfig",
        ],
        repeatable: &[],
        required: &["name", "revision", "endian", "nvicPrioBits"],
        one_of: &[],
        attributes: &[],
    },
    Spec {
        tag: "sauRegionsConfig",
        children: &["region"],
        repeatable: &["region"],
        required: &[],
        one_of: &[],
        attributes: &["enabled", "protectionWhenDisabled"],
    },
    Spec {
        tag: "region",
        children: &["base", "limit", "access"],
        repeatable: &[],
        required: &["base", "limit", "access"],
        one_of: &[],
        attributes: &["enabled", "name"],
    },
    Spec {
        tag: "peripherals",
        children: &["peripheral"],
        repeatable: &["peripheral"],
        required: &["peripheral"],
        one_of: &[],
        attributes: &[],
    },
    Spec {
        tag: "peripheral",
        children: with_dim![
            "name",
            "version",
            "description",
            "alternatePeripheral",
            "groupName",
            "prependToName",
            "appendToName",
            "headerStructName",
            "disableCondition",
            "baseAddress",
            "size",
            "access",
            "protection",
            "resetValue",
            "resetMask",
            "addressBlock",
            "interrupt",
            "registers",
        ],
        repeatable: &["addressBlock", "interrupt"],
        required: &["name", "baseAddress"],
        one_of: &[],
        attributes: &["derivedFrom"],
    },
    Spec {
        tag: "dimArrayIndex",
        children: &["headerEnumName", "enumeratedValue"],
        repeatable: &["enumeratedValue"],
        required: &["enumeratedValue"],
        one_of: &[],
        attributes: &[],
    },
    Spec {
        tag: "addressBlock",
        children: &["offset", "size", "usage", "protection"],
        repeatable: &[],
        required: &["offset", "size", "usage"],
        one_of: &[],
        attributes: &[],
    },
    Spec {
        tag: "interrupt",
        children: &["name", "description", "value"],
        repeatable: &[],
        required: &["name", "value"],
        one_of: &[],
        attributes: &[],
    },
    Spec {
        tag: "registers",
        children: &["cluster", "register"],
        repeatable: &["cluster", "register"],
        required: &[],
        one_of: &[&["cluster", "register"]],
        attributes: &[],
    },
    Spec {
        tag: "cluster",
        children: with_dim![
            "name",
            "description",
            "alternateCluster",
            "headerStructName",
            "addressOffset",
            "size",
            "access",
            "protection",
            "resetValue",
            "resetMask",
            "register",
            "cluster",
        ],
        repeatable: &["register", "cluster"],
        required: &["name", "addressOffset"],
        one_of: &[&["register", "cluster"]],
        attributes: &["derivedFrom"],
    },
    Spec {
        tag: "register",
        children: with_dim![
            "name",
            "displayName",
            "description",
            "alternateGroup",
            "alternateRegister",
            "addressOffset",
            "size",
            "access",
            "protection",
            "resetValue",
            "resetMask",
            "dataType",
            "modifiedWriteValues",
            "writeConstraint",
            "readAction",
            "fields",
        ],
        repeatable: &[],
        required: &["name", "addressOffset"],
        one_of: &[],
        attributes: &["derivedFrom"],
    },
    Spec {
        tag: "fields",
        children: &["field"],
        repeatable: &["field"],
        required: &["field"],
        one_of: &[],
        attributes: &[],
    },
    Spec {
        tag: "field",
        children: with_dim![
            "name",
            "description",
            "bitOffset",
            "bitWidth",
            "lsb",
            "msb",
            "bitRange",
            "access",
            "modifiedWriteValues",
            "writeConstraint",
            "readAction",
            "enumeratedValues",
        ],
        repeatable: &["enumeratedValues"],
        required: &["name"],
        one_of: &[&["bitRange", "bitOffset", "lsb"]],
        attributes: &["derivedFrom"],
    },
    Spec {
        tag: "writeConstraint",
        children: &["writeAsRead", "useEnumeratedValues", "range"],
        repeatable: &[],
        required: &[],
        one_of: &[&["writeAsRead", "useEnumeratedValues", "range"]],
        attributes: &[],
    },
    Spec {
        tag: "range",
        children: &["minimum", "maximum"],
        repeatable: &[],
        required: &["minimum", "maximum"],
        one_of: &[],
        attributes: &[],
    },
    Spec {
        tag: "enumeratedValues",
        children: &["name", "headerEnumName", "usage", "enumeratedValue"],
        repeatable: &["enumeratedValue"],
        required: &[],
        one_of: &[&["enumeratedValue"]],
        attributes: &["derivedFrom"],
    },
    Spec {
        tag: "enumeratedValue",
        children: &["name", "description", "value", "isDefault"],
        repeatable: &[],
        required: &["name"],
        one_of: &[&["value", "isDefault"]],
        attributes: &[],
    },
];

/// Elements whose contents are not checked.
const OPAQUE: &[&str] = &["vendorExtensions"];

/// Checks the whole tree under the root element.
pub(super) fn check(root: Node<'_, '_>, problems: &mut Problems<'_, '_>) {
    if root.tag_name().name() != "device" {
        problems.add(
            root,
            format!(
                "the root element is <{}>; an SVD file's root is <device>",
                root.tag_name().name()
            ),
        );
        return;
    }
    check_element(root, problems);
}

fn check_element(node: Node<'_, '_>, problems: &mut Problems<'_, '_>) {
    let tag = node.tag_name().name();
    if OPAQUE.contains(&tag) {
        return;
    }
    let Some(spec) = SPECS.iter().find(|s| s.tag == tag) else {
        // A leaf: text only.
        if let Some(inner) = elements(node).next() {
            problems.add(
                inner,
                format!(
                    "unexpected element <{}> inside <{tag}>, which holds a value",
                    inner.tag_name().name()
                ),
            );
        }
        check_attributes(node, &[], problems);
        return;
    };
    check_attributes(node, spec.attributes, problems);
    let mut seen: Vec<&str> = Vec::new();
    for inner in elements(node) {
        let name = inner.tag_name().name();
        if !spec.children.contains(&name) {
            problems.add(
                inner,
                format!("unknown element <{name}> in <{tag}> (CMSIS-SVD 1.3)"),
            );
            continue;
        }
        if seen.contains(&name) && !spec.repeatable.contains(&name) {
            problems.add(
                inner,
                format!("<{name}> appears more than once in this <{tag}>"),
            );
        }
        seen.push(name);
        check_element(inner, problems);
    }
    for required in spec.required {
        if child(node, required).is_none() {
            problems.add(node, format!("<{tag}> lacks the required <{required}>"));
        }
    }
    if node.attribute("derivedFrom").is_none() {
        for group in spec.one_of {
            if !group
                .iter()
                .any(|alternative| child(node, alternative).is_some())
            {
                let names: Vec<String> = group.iter().map(|g| format!("<{g}>")).collect();
                problems.add(node, format!("<{tag}> needs one of {}", names.join(", ")));
            }
        }
    }
}

fn check_attributes(node: Node<'_, '_>, allowed: &[&str], problems: &mut Problems<'_, '_>) {
    for attribute in node.attributes() {
        if !allowed.contains(&attribute.name()) {
            problems.add(
                node,
                format!(
                    "unknown attribute `{}` on <{}>",
                    attribute.name(),
                    node.tag_name().name()
                ),
            );
        }
    }
}
