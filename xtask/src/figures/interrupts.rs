//! `docs/figures/interrupts.svg`: interrupt routing, left to right: the source (an SVD
//! peripheral's interrupt, or one of the HAL's named PPIs), its GIC interrupt ID, the HAL
//! modules that use it, the GIC distributor, the four cores' CPU interfaces.
//!
//! Design notes: the SPIs are the SVD's `<interrupt>` entries (the PAC's `Interrupt` enum is
//! generated from the same entries); the PPIs are the named `InterruptId` constants of
//! `hal/apq8016/src/interrupt/id.rs`, read from its text (`pub const NAME: InterruptId =
//! InterruptId(n);` and the doc line above it). "Used by" is the source scan of
//! [`super::usage`]. Rows are sorted by interrupt ID.

use super::svd_model;
use super::svg::{Anchor, Svg};
use super::usage;
use anyhow::{Context, Result};
use regex::Regex;
use std::path::Path;

/// The HAL file that names the PPIs.
const INTERRUPT_IDS: &str = "hal/apq8016/src/interrupt/id.rs";
const ROW: i32 = 52;
const TOP: i32 = 90;
const SOURCE_X: i32 = 20;
const SOURCE_W: i32 = 360;
const ID_X: i32 = 410;
const ID_W: i32 = 150;
const USERS_X: i32 = 580;
const GIC_X: i32 = 900;
const GIC_W: i32 = 210;
const CPU_X: i32 = 1170;
const CPU_W: i32 = 170;
const BOX_H: i32 = 42;
const USED: &str = "#1f5fbf";
const UNUSED: &str = "#a0a0a0";

/// One interrupt line in the picture.
pub struct Line {
    /// Where it comes from: the SVD peripheral, or "Cortex-A53 generic timer".
    pub source: String,
    /// Its name (SVD interrupt name, or the HAL constant's name).
    pub name: String,
    pub description: String,
    /// GIC interrupt ID.
    pub id: u32,
    /// HAL and board-crate modules that use it.
    pub users: Vec<String>,
}

/// Every line: the SVD's interrupts and the HAL's named PPIs, by ID.
pub fn lines(root: &Path) -> Result<Vec<Line>> {
    let device = svd_model::load(root)?;
    let sources = usage::sources(root)?;
    let mut lines = Vec::new();
    for peripheral in &device.peripherals {
        for interrupt in &peripheral.interrupts {
            lines.push(Line {
                source: peripheral.name.clone(),
                name: interrupt.name.clone(),
                description: interrupt.description.clone(),
                id: interrupt.value,
                users: usage::modules_using_interrupt(&sources, &interrupt.name),
            });
        }
    }
    let id_file = root.join(INTERRUPT_IDS);
    let text = std::fs::read_to_string(&id_file)
        .with_context(|| format!("reading {}", id_file.display()))?;
    let constant = Regex::new(
        r"(?m)^\s*///\s*(.*)\n\s*pub const ([A-Z_0-9]+): InterruptId = InterruptId\((\d+)\);",
    )
    .expect("valid pattern");
    for caps in constant.captures_iter(&text) {
        lines.push(Line {
            source: "CPU timer".to_owned(),
            name: caps[2].to_owned(),
            description: plain(&caps[1]),
            id: caps[3].parse()?,
            users: usage::modules_using_interrupt_constant(&sources, &caps[2]),
        });
    }
    lines.sort_by(|a, b| (a.id, &a.name).cmp(&(b.id, &b.name)));
    Ok(lines)
}

/// A doc line as plain text: rustdoc links and code marks dropped, references to the
/// hardware pages (in parentheses) left out.
fn plain(doc: &str) -> String {
    let reference = Regex::new(r"\s*\(docs/[^)]*\)").expect("valid pattern");
    let text = reference.replace_all(doc, "");
    text.replace(['`', '[', ']'], "")
}

/// `text`, cut to `max` characters with an ellipsis when longer.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{}\u{2026}", cut.trim_end())
    }
}

/// A module path as the picture prints it (`apq8016_hal::uart` as `hal::uart`).
fn short_module(module: &str) -> String {
    match module.strip_prefix("apq8016_hal::") {
        Some(rest) => format!("hal::{rest}"),
        None => module.to_owned(),
    }
}

/// "ID 140 = SPI 108", "ID 19 = PPI 3".
pub fn id_label(id: u32) -> String {
    match id {
        0..=15 => format!("ID {id} = SGI {id}"),
        16..=31 => format!("ID {id} = PPI {}", id - 16),
        _ => format!("ID {id} = SPI {}", id - 32),
    }
}

/// The picture.
pub fn render(root: &Path) -> Result<String> {
    let lines = lines(root)?;
    let rows = lines.len() as i32;
    let height = TOP + rows * ROW + 60;
    let width = CPU_X + CPU_W + 20;
    let mut svg = Svg::new(width as u32, height as u32);
    svg.title("Interrupt routing: sources, GIC IDs, the HAL modules that use them, the cores");
    svg.column_headings(&[
        (SOURCE_X, SOURCE_W, "source (SVD peripheral / CPU)"),
        (ID_X, ID_W, "GIC interrupt ID"),
        (USERS_X, GIC_X - USERS_X - 30, "used by"),
        (GIC_X, GIC_W, "GICv2 distributor"),
        (CPU_X, CPU_W, "CPU interfaces"),
    ]);
    let gic_top = TOP;
    let gic_h = rows * ROW - (ROW - BOX_H);
    for (i, line) in lines.iter().enumerate() {
        let y = TOP + i as i32 * ROW;
        let used = !line.users.is_empty();
        let colour = if used { USED } else { UNUSED };
        svg.group_with_title(&format!(
            "{} {}: {} ({})",
            line.source,
            line.name,
            line.description,
            id_label(line.id)
        ));
        let fill = if used { "#e8f0fc" } else { "#f6f6f6" };
        svg.rect(SOURCE_X, y, SOURCE_W, BOX_H, 6, fill, colour);
        svg.text(
            SOURCE_X + 10,
            y + 17,
            13,
            Anchor::Start,
            true,
            "#000000",
            &format!("{}: {}", line.source, line.name),
        );
        svg.text(
            SOURCE_X + 10,
            y + 34,
            11,
            Anchor::Start,
            false,
            "#555555",
            &fit(&line.description, 54),
        );
        svg.rect(ID_X, y, ID_W, BOX_H, 6, fill, colour);
        svg.text(
            ID_X + ID_W / 2,
            y + 26,
            12,
            Anchor::Middle,
            used,
            "#000000",
            &id_label(line.id),
        );
        svg.end_group();
        svg.connector(
            SOURCE_X + SOURCE_W,
            y + BOX_H / 2,
            ID_X,
            y + BOX_H / 2,
            colour,
            !used,
        );
        let users = if used {
            line.users
                .iter()
                .map(|u| short_module(u))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            "no HAL driver".to_owned()
        };
        svg.text(
            USERS_X,
            y + 26,
            11,
            Anchor::Start,
            false,
            if used { "#000000" } else { "#888888" },
            &users,
        );
        svg.line(
            ID_X + ID_W,
            y + BOX_H / 2,
            USERS_X - 6,
            y + BOX_H / 2,
            colour,
            1,
            !used,
        );
        svg.connector(
            GIC_X - 30,
            y + BOX_H / 2,
            GIC_X,
            y + BOX_H / 2,
            colour,
            !used,
        );
    }
    svg.rect(GIC_X, gic_top, GIC_W, gic_h, 8, "#fff4d6", "#8a6d00");
    let notes = [
        "enable, priority, trigger",
        "per interrupt ID",
        "",
        "SPIs (ID 32 and up): sent",
        "to the cores in ITARGETSR;",
        "InterruptController::init",
        "routes each to core 0,",
        "set_targets changes it",
        "",
        "PPIs (ID 16-31): one per",
        "core (banked), to its own",
        "CPU interface",
        "",
        "SGIs (ID 0-15): send_sgi",
    ];
    for (i, note) in notes.iter().enumerate() {
        svg.text(
            GIC_X + 10,
            gic_top + 22 + i as i32 * 17,
            12,
            Anchor::Start,
            false,
            "#000000",
            note,
        );
    }
    let cpu_step = gic_h / 4;
    for core in 0..4 {
        let y = gic_top + core * cpu_step + (cpu_step - BOX_H) / 2;
        svg.rect(CPU_X, y, CPU_W, BOX_H, 6, "#eef7ee", "#2e7d32");
        svg.text(
            CPU_X + 10,
            y + 18,
            13,
            Anchor::Start,
            true,
            "#000000",
            &format!("core {core}"),
        );
        svg.text(
            CPU_X + 10,
            y + 34,
            11,
            Anchor::Start,
            false,
            "#555555",
            "GICC: IRQ to the CPU",
        );
        let colour = if core == 0 { USED } else { UNUSED };
        svg.connector(
            GIC_X + GIC_W,
            y + BOX_H / 2,
            CPU_X,
            y + BOX_H / 2,
            colour,
            core != 0,
        );
    }
    let legend_y = height - 30;
    svg.line(20, legend_y, 60, legend_y, USED, 2, false);
    svg.text(
        66,
        legend_y + 4,
        12,
        Anchor::Start,
        false,
        "#000000",
        "used by a HAL or board-crate module; SPIs reach core 0 by default",
    );
    svg.line(560, legend_y, 600, legend_y, UNUSED, 2, true);
    svg.text(
        606,
        legend_y + 4,
        12,
        Anchor::Start,
        false,
        "#000000",
        "no driver yet / other cores on request. Sources: svd/apq8016.svd, interrupt/id.rs",
    );
    Ok(svg.finish(
        "Interrupt routing on the APQ8016E",
        "Every interrupt in the SVD and the HAL's named PPIs, with their GIC IDs, the HAL \
         modules that use them, and their path through the GIC distributor to the cores. \
         Generated by `cargo xtask figures`.",
    ))
}
