//! Host tests of the generators, on the workspace's own data.

use super::header_pins::{HEADERS, PinSource};
use super::registers::{Browser, Entry, INDEX_PREFIX, INDEX_SUFFIX};
use super::{clock_tree, hal_clocks, interrupts, pinout, svd_model};
use std::path::PathBuf;

fn root() -> PathBuf {
    crate::process::workspace_root().expect("workspace root")
}

/// Parses `text` as XML, failing the test with the parser's message.
fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("not well-formed XML: {e}"))
}

/// All the text nodes of an SVG, one per `<text>` element.
fn texts(document: &roxmltree::Document<'_>) -> Vec<String> {
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn pinout_is_well_formed_and_shows_every_pin() {
    let svg = pinout::render();
    let document = parse_xml(&svg);
    let texts = texts(&document);
    let titles: Vec<String> = document
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect();
    for header in HEADERS {
        assert_eq!(header.pins.len() % 2, 0);
        for pin in header.pins {
            // The tooltip names the pin, and its number, name and pad are printed.
            let tooltip = format!(
                "{} {}: {}",
                header.short_name, pin.number, pin.silkscreen_name
            );
            assert!(
                titles.iter().any(|t| t.starts_with(&tooltip)),
                "no tooltip for {tooltip}"
            );
            assert!(texts.contains(&pin.number.to_string()), "{tooltip}: number");
            assert!(
                texts.iter().any(|t| t == pin.silkscreen_name),
                "{tooltip}: name"
            );
            if let PinSource::SocGpio(n) = pin.source {
                assert!(texts.contains(&format!("GPIO {n}")), "{tooltip}: pad");
            }
            assert!(
                texts.iter().any(|t| t == pin.voltage.label()),
                "{tooltip}: level"
            );
        }
    }
    // Deterministic.
    assert_eq!(svg, pinout::render());
}

#[test]
fn clock_tree_shows_every_root_branch_and_the_consoles_setting() {
    let svg = clock_tree::render().unwrap();
    let document = parse_xml(&svg);
    let texts = texts(&document);
    for root in hal_clocks::tree::ROOTS {
        assert!(texts.iter().any(|t| t == root.name), "{}", root.name);
    }
    for branch in hal_clocks::tree::BRANCHES {
        assert!(texts.iter().any(|t| t == branch.name), "{}", branch.name);
        for block in branch.clocks {
            assert!(texts.iter().any(|t| t == block), "{block}");
        }
    }
    // The console's root: the HAL's search gives GPLL0 x 144/15625, 7.3728 MHz.
    assert!(
        texts
            .iter()
            .any(|t| t == "console: 7.3728 MHz = GPLL0 / 1 x 144/15625"),
        "{texts:?}"
    );
    assert_eq!(svg, clock_tree::render().unwrap());
}

#[test]
fn clock_tree_names_registers_the_svd_has_at_their_offsets() {
    let device = svd_model::load(&root()).unwrap();
    let gcc = device
        .peripherals
        .iter()
        .find(|p| p.name == "GCC")
        .expect("GCC in the SVD");
    let offset_of = |name: &str| {
        gcc.registers
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.offset)
    };
    for root in hal_clocks::tree::ROOTS {
        assert_eq!(
            offset_of(&format!("{}.CMD_RCGR", root.name)),
            Some(u64::from(root.offset)),
            "{}",
            root.name
        );
    }
    for branch in hal_clocks::tree::BRANCHES {
        assert_eq!(
            offset_of(branch.name),
            Some(u64::from(branch.offset)),
            "{}",
            branch.name
        );
        for block in branch.clocks {
            assert!(
                device.peripherals.iter().any(|p| p.name == *block),
                "{block}"
            );
        }
    }
}

#[test]
fn interrupts_show_every_svd_interrupt_and_mark_the_used_ones() {
    let root = root();
    let lines = interrupts::lines(&root).unwrap();
    let device = svd_model::load(&root).unwrap();
    let svd_count: usize = device.peripherals.iter().map(|p| p.interrupts.len()).sum();
    assert!(svd_count > 0);
    let svg = interrupts::render(&root).unwrap();
    let document = parse_xml(&svg);
    let texts = texts(&document);
    for peripheral in &device.peripherals {
        for interrupt in &peripheral.interrupts {
            let label = format!("{}: {}", peripheral.name, interrupt.name);
            assert!(texts.contains(&label), "{label}");
            assert!(
                texts.contains(&interrupts::id_label(interrupt.value)),
                "{label}"
            );
        }
    }
    // What the HAL's drivers use, found by the scan.
    let users = |name: &str| {
        lines
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .users
            .clone()
    };
    assert_eq!(users("BLSP1_UART2"), ["apq8016_hal::uart::interrupt_rx"]);
    assert!(users("SPMI_PERIPHERAL").contains(&"apq8016_hal::pmic::interrupts".to_owned()));
    assert!(users("NON_SECURE_PHYSICAL_TIMER").contains(&"apq8016_hal::time::alarm".to_owned()));
    assert!(users("BLSP1_QUP1").is_empty());
    assert_eq!(interrupts::id_label(140), "ID 140 = SPI 108");
    assert_eq!(interrupts::id_label(19), "ID 19 = PPI 3");
}

#[test]
fn register_browser_has_every_peripheral_register_and_field() {
    let browser = Browser::load(&root()).unwrap();
    let files = browser.files().unwrap();
    let file = |name: &str| {
        &files
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .1
    };
    let index_page = file("index.html");
    let id_pattern = regex::Regex::new(r#" id="([^"]+)""#).unwrap();
    assert!(browser.device.peripherals.len() >= 10);
    for peripheral in &browser.device.peripherals {
        let page_name = super::registers::page_name(&peripheral.name);
        assert!(
            index_page.contains(&format!("href=\"{page_name}\"")),
            "{}",
            peripheral.name
        );
        let page = file(&page_name);
        let ids: std::collections::HashSet<&str> = id_pattern
            .captures_iter(page)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert!(
            !peripheral.registers.is_empty(),
            "{} has no registers",
            peripheral.name
        );
        for register in &peripheral.registers {
            assert!(
                ids.contains(register.name.as_str()),
                "{}.{}",
                peripheral.name,
                register.name
            );
            for field in &register.fields {
                let id = format!("{}.{}", register.name, field.name);
                assert!(ids.contains(id.as_str()), "{}.{id}", peripheral.name);
            }
        }
    }
    // The search index parses and names everything, each pointing at a page that exists.
    let script = file("search-index.js");
    let json = script
        .strip_prefix(INDEX_PREFIX)
        .and_then(|s| s.strip_suffix(INDEX_SUFFIX))
        .expect("search-index.js is one assignment");
    let entries: Vec<Entry> = serde_json::from_str(json).expect("the search index parses");
    let registers: usize = browser
        .device
        .peripherals
        .iter()
        .map(|p| p.registers.len())
        .sum();
    let fields: usize = browser
        .device
        .peripherals
        .iter()
        .flat_map(|p| &p.registers)
        .map(|r| r.fields.len())
        .sum();
    assert_eq!(
        entries.len(),
        browser.device.peripherals.len() + registers + fields
    );
    for entry in &entries {
        let page = entry.url.split('#').next().unwrap();
        assert!(files.iter().any(|(n, _)| n == page), "{}", entry.url);
    }
    assert!(
        entries
            .iter()
            .any(|e| e.name == "GCC.BLSP1_AHB_CBCR.CLK_OFF")
    );
}

#[test]
fn register_browser_knows_which_hal_module_uses_a_block() {
    let browser = Browser::load(&root()).unwrap();
    let users = |name: &str| {
        let i = browser
            .device
            .peripherals
            .iter()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name}"));
        browser.users[i].clone()
    };
    assert!(users("GCC").contains(&"apq8016_hal::clocks".to_owned()));
    assert!(users("BLSP1_UART2").contains(&"apq8016_hal::uart".to_owned()));
    assert!(users("PRNG").contains(&"apq8016_hal::rng".to_owned()));
    // A block no module touches.
    assert!(users("BLSP1_QUP1").is_empty(), "{:?}", users("BLSP1_QUP1"));
}

#[test]
fn svd_text_is_parsed_with_clusters_flattened() {
    let device = svd_model::load(&root()).unwrap();
    let gcc = device.peripherals.iter().find(|p| p.name == "GCC").unwrap();
    let cmd = gcc
        .registers
        .iter()
        .find(|r| r.name == "BLSP1_UART2_APPS_RCG.CMD_RCGR")
        .expect("cluster registers are named CLUSTER.REGISTER");
    assert_eq!(cmd.offset, 0x3034);
}

#[test]
fn a_stale_or_missing_figure_is_named() {
    let root = root();
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in super::tracked(&root).unwrap() {
        std::fs::write(dir.path().join(name), contents).unwrap();
    }
    super::check_against(&root, dir.path()).expect("fresh figures pass");
    let pinout = dir.path().join("pinout.svg");
    let text = std::fs::read_to_string(&pinout).unwrap();
    std::fs::write(&pinout, text.replacen("GPIO 36", "GPIO 37", 1)).unwrap();
    let error = format!("{:#}", super::check_against(&root, dir.path()).unwrap_err());
    assert!(
        error.contains("docs/figures/pinout.svg: differs from line"),
        "{error}"
    );
    assert!(!error.contains("clock-tree.svg"), "{error}");
    std::fs::remove_file(dir.path().join("interrupts.svg")).unwrap();
    let error = format!("{:#}", super::check_against(&root, dir.path()).unwrap_err());
    assert!(
        error.contains("docs/figures/interrupts.svg: missing"),
        "{error}"
    );
}

#[test]
fn layers_come_from_the_manifests() {
    let root = crate::process::workspace_root().unwrap();
    let members = super::layers::members(&root).unwrap();
    let layer = super::layers::layers(&members);
    assert_eq!(layer["apq8016-pac"], 0);
    assert_eq!(layer["apq8016-hal"], 1);
    assert_eq!(layer["db410c"], 2);
    assert_eq!(layer["db410c-examples"], 3);
    let examples = members
        .iter()
        .find(|m| m.name == "db410c-examples")
        .unwrap();
    assert!(examples.depends_on.contains(&"apq8016-hal".to_owned()));
    // The HAL is reached through the board crate: no arrow of its own.
    assert_eq!(
        super::layers::direct_dependencies(examples, &members),
        vec![&"db410c".to_owned()]
    );
    let svg = super::layers::render(&root).unwrap();
    for member in &members {
        assert!(svg.contains(&member.name), "{} drawn", member.name);
    }
    assert!(svg.contains("svd/apq8016.svd"));
}
