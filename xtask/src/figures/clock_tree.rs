//! `docs/figures/clock-tree.svg`: the clock tree the HAL programs, left to right: sources,
//! root clock generators (RCGs), branches, and the blocks they clock. Drawn from the HAL's
//! `clocks::tree` data; the console root's setting is worked out by the HAL's own divider
//! search (`clocks::rcg::uart_rcg_settings`), included here as it is.
//!
//! Design notes: one row per branch (roots sit on their branch's row), sources centred on
//! the roots they feed, blocks evenly spaced. Solid arrows are the paths the board's default
//! configuration uses, dashed ones the other sources a root can select.

use super::hal_clocks::rcg::{RcgSource, uart_rcg_settings};
use super::hal_clocks::tree::{
    BRANCHES, BranchClock, BranchParent, ROOTS, Root, RootRate, SOURCES, Source,
};
use super::svg::{Anchor, Svg};
use anyhow::{Result, anyhow};

const ROW: i32 = 74;
const TOP: i32 = 96;
const SOURCE_X: i32 = 20;
const SOURCE_W: i32 = 200;
const ROOT_X: i32 = 290;
const ROOT_W: i32 = 320;
const BRANCH_X: i32 = 680;
const BRANCH_W: i32 = 250;
const BLOCK_X: i32 = 1000;
const BLOCK_W: i32 = 220;
const BOX_H: i32 = 58;
const SMALL_BOX_H: i32 = 30;
const CORE_CLOCK: &str = "#1f5fbf";
const BUS_CLOCK: &str = "#8a8a8a";

fn mhz(hz: u32) -> String {
    let text = format!("{:.4}", f64::from(hz) / 1e6);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} MHz")
}

/// The lines of text in a root's box, after its name.
fn root_lines(root: &Root) -> Result<(String, String)> {
    let counter = if root.mn_counter_bits == 0 {
        "no M/N counter".to_owned()
    } else {
        format!("{}-bit M/N counter", root.mn_counter_bits)
    };
    let rate = match root.rate {
        RootRate::UartCore {
            console_hz: Some(hz),
        } => {
            let settings = uart_rcg_settings(hz)
                .map_err(|e| anyhow!("the console's core clock {hz} Hz: {e:?}"))?;
            let source = source_name(settings.source);
            let divider = f64::from(settings.half_divider()) / 2.0;
            let mn = settings
                .mnd
                .map(|m| format!(" x {}/{}", m.m, m.n))
                .unwrap_or_default();
            format!(
                "console: {} = {source} / {divider}{mn}",
                mhz(settings.achieved_hz)
            )
        }
        RootRate::UartCore { console_hz: None } => "UART core clock for the baud rate".to_owned(),
        RootRate::Crystal => format!("{} = XO / 1", mhz(super::hal_clocks::rcg::XO_HZ)),
        RootRate::SpiBus { max_hz } => format!("SPI clock rate, up to {}", mhz(max_hz)),
    };
    Ok((rate, format!("{counter}; {}", root.programmed_by)))
}

fn source_name(source: RcgSource) -> &'static str {
    match source {
        RcgSource::Xo => "XO",
        RcgSource::Gpll0 => "GPLL0",
    }
}

/// The source the board's default configuration gives a root, if one is fixed.
fn default_source(root: &Root) -> Option<RcgSource> {
    match root.rate {
        RootRate::UartCore {
            console_hz: Some(hz),
        } => uart_rcg_settings(hz).ok().map(|s| s.source),
        RootRate::Crystal => Some(RcgSource::Xo),
        _ => None,
    }
}

/// Branch rows: branches fed by a root first (in the order of the roots), then the bus
/// branches.
fn branch_rows() -> Vec<&'static BranchClock> {
    let mut rows: Vec<&BranchClock> = Vec::new();
    for root in &ROOTS {
        rows.extend(
            BRANCHES
                .iter()
                .filter(|b| b.parent == BranchParent::Root(root.name)),
        );
    }
    rows.extend(
        BRANCHES
            .iter()
            .filter(|b| b.parent == BranchParent::BusClock),
    );
    rows
}

/// Blocks in order of first appearance in `rows`, the ones with a clock of their own (a
/// core clock, or a bus branch for them alone) first.
fn blocks(rows: &[&BranchClock]) -> Vec<&'static str> {
    let mut blocks: Vec<&'static str> = Vec::new();
    for pass in [true, false] {
        for branch in rows {
            if (branch.parent != BranchParent::BusClock || branch.name.starts_with("PRNG")) == pass
            {
                for block in branch.clocks {
                    if !blocks.contains(block) {
                        blocks.push(block);
                    }
                }
            }
        }
    }
    blocks
}

fn row_y(row: usize) -> i32 {
    TOP + row as i32 * ROW
}

/// The picture.
pub fn render() -> Result<String> {
    let rows = branch_rows();
    let blocks = blocks(&rows);
    let bus_only = blocks
        .iter()
        .filter(|block| {
            !rows.iter().any(|b| {
                b.clocks.contains(block)
                    && (b.parent != BranchParent::BusClock || b.clocks.len() == 1)
            })
        })
        .count() as i32;
    let height = TOP + rows.len() as i32 * ROW + bus_only * (SMALL_BOX_H + 8) + 60;
    let width = BLOCK_X + BLOCK_W + 20;
    let mut svg = Svg::new(width as u32, height as u32);
    svg.title("Clock tree programmed by apq8016-hal (GCC)");
    svg.column_headings(&[
        (SOURCE_X, SOURCE_W, "sources"),
        (ROOT_X, ROOT_W, "root clock generators (RCG)"),
        (BRANCH_X, BRANCH_W, "branches (CBCR)"),
        (BLOCK_X, BLOCK_W, "blocks"),
    ]);

    // Rows of roots and branches.
    let mut root_rows: Vec<(&Root, i32)> = Vec::new();
    for (i, branch) in rows.iter().enumerate() {
        let y = row_y(i);
        if let BranchParent::Root(name) = branch.parent {
            let root = ROOTS
                .iter()
                .find(|r| r.name == name)
                .ok_or_else(|| anyhow!("branch {} names no root {name}", branch.name))?;
            draw_root(&mut svg, root, y)?;
            root_rows.push((root, y));
            svg.connector(
                ROOT_X + ROOT_W,
                y + BOX_H / 2,
                BRANCH_X,
                y + BOX_H / 2,
                CORE_CLOCK,
                false,
            );
        }
        draw_branch(&mut svg, branch, y);
    }

    // Sources, centred on what they feed, pushed apart where they would overlap; each
    // source's connectors turn at their own x so the paths stay apart.
    let mut placed: Vec<(&Source, Vec<i32>, i32)> = Vec::new();
    for source in &SOURCES {
        let fed: Vec<i32> = match source.rcg_source {
            Some(kind) => root_rows
                .iter()
                .filter(|(r, _)| r.sources.contains(&kind))
                .map(|(_, y)| *y)
                .collect(),
            None => rows
                .iter()
                .enumerate()
                .filter(|(_, b)| b.parent == BranchParent::BusClock)
                .map(|(i, _)| row_y(i))
                .collect(),
        };
        let (Some(first), Some(last)) = (fed.iter().min(), fed.iter().max()) else {
            continue;
        };
        let mut y = (first + last) / 2;
        if let Some((_, _, previous)) = placed.last() {
            y = y.max(previous + BOX_H + 24);
        }
        placed.push((source, fed, y));
    }
    for (index, (source, fed, y)) in placed.iter().enumerate() {
        draw_source(&mut svg, source, *y);
        let mid = SOURCE_X + SOURCE_W + 16 + 16 * index as i32;
        match source.rcg_source {
            Some(kind) => {
                for (root, root_y) in &root_rows {
                    if root.sources.contains(&kind) {
                        let used = default_source(root) == Some(kind);
                        let colour = if used { CORE_CLOCK } else { BUS_CLOCK };
                        svg.connector_via(
                            mid,
                            SOURCE_X + SOURCE_W,
                            y + BOX_H / 2,
                            ROOT_X,
                            root_y + BOX_H / 2,
                            colour,
                            !used,
                        );
                    }
                }
            }
            None => {
                for &branch_y in fed {
                    svg.connector(
                        SOURCE_X + SOURCE_W,
                        y + BOX_H / 2,
                        BRANCH_X,
                        branch_y + BOX_H / 2,
                        BUS_CLOCK,
                        false,
                    );
                }
            }
        }
    }

    // Blocks: those with a core clock on their branch's row; those with only the bus clock
    // in smaller boxes below.
    let mut extra = 0;
    for block in &blocks {
        let core_row = rows.iter().position(|b| {
            b.clocks.contains(block) && (b.parent != BranchParent::BusClock || b.clocks.len() == 1)
        });
        let (y, h, core) = match core_row {
            Some(row) => (row_y(row), BOX_H, true),
            None => {
                extra += 1;
                (
                    row_y(rows.len()) + (extra - 1) * (SMALL_BOX_H + 8),
                    SMALL_BOX_H,
                    false,
                )
            }
        };
        let fill = if core { "#e8f0fc" } else { "#f4f4f4" };
        let note = if core {
            ""
        } else {
            " (bus clock only: no HAL driver)"
        };
        svg.group_with_title(&format!("{block}{note}"));
        svg.rect(BLOCK_X, y, BLOCK_W, h, 6, fill, "#5a5a5a");
        svg.text(
            BLOCK_X + 10,
            y + h / 2 + 5,
            13,
            Anchor::Start,
            core,
            "#000000",
            block,
        );
        svg.end_group();
        for (row, branch) in rows.iter().enumerate() {
            if branch.clocks.contains(block) {
                let bus = branch.parent == BranchParent::BusClock && branch.clocks.len() > 1;
                if bus {
                    svg.connector_via(
                        BRANCH_X + BRANCH_W + 18,
                        BRANCH_X + BRANCH_W,
                        row_y(row) + BOX_H / 2,
                        BLOCK_X,
                        y + h - 8,
                        BUS_CLOCK,
                        false,
                    );
                } else {
                    svg.connector_via(
                        BRANCH_X + BRANCH_W + 40,
                        BRANCH_X + BRANCH_W,
                        row_y(row) + BOX_H / 2,
                        BLOCK_X,
                        y + h / 2,
                        CORE_CLOCK,
                        false,
                    );
                }
            }
        }
    }

    let legend_y = height - 30;
    svg.line(20, legend_y, 60, legend_y, CORE_CLOCK, 2, false);
    svg.text(
        66,
        legend_y + 4,
        12,
        Anchor::Start,
        false,
        "#000000",
        "clock path of the board's default setup",
    );
    svg.line(360, legend_y, 400, legend_y, BUS_CLOCK, 2, true);
    svg.text(
        406,
        legend_y + 4,
        12,
        Anchor::Start,
        false,
        "#000000",
        "another selectable source",
    );
    svg.line(620, legend_y, 660, legend_y, BUS_CLOCK, 2, false);
    svg.text(
        666,
        legend_y + 4,
        12,
        Anchor::Start,
        false,
        "#000000",
        "bus (interface) clock. Source: hal/apq8016/src/clocks/tree.rs",
    );
    Ok(svg.finish(
        "Clock tree programmed by apq8016-hal",
        "The GCC sources, root clock generators, branches and blocks the HAL's clock driver \
         programs, with the rates the board sets up. Generated from \
         hal/apq8016/src/clocks/tree.rs by `cargo xtask figures`.",
    ))
}

fn draw_source(svg: &mut Svg, source: &Source, y: i32) {
    svg.group_with_title(source.note);
    svg.rect(SOURCE_X, y, SOURCE_W, BOX_H, 6, "#fff4d6", "#8a6d00");
    svg.text(
        SOURCE_X + 10,
        y + 22,
        13,
        Anchor::Start,
        true,
        "#000000",
        source.name,
    );
    let rate = if source.hz == 0 {
        "rate set by the boot chain".to_owned()
    } else {
        mhz(source.hz)
    };
    svg.text(
        SOURCE_X + 10,
        y + 42,
        12,
        Anchor::Start,
        false,
        "#333333",
        &rate,
    );
    svg.end_group();
}

fn draw_root(svg: &mut Svg, root: &Root, y: i32) -> Result<()> {
    let (rate, detail) = root_lines(root)?;
    svg.group_with_title(&format!(
        "{} (CMD_RCGR at GCC + {:#07x})",
        root.name, root.offset
    ));
    svg.rect(ROOT_X, y, ROOT_W, BOX_H, 6, "#e8f0fc", "#1f5fbf");
    svg.text(
        ROOT_X + 10,
        y + 18,
        13,
        Anchor::Start,
        true,
        "#000000",
        root.name,
    );
    svg.text(
        ROOT_X + 10,
        y + 35,
        12,
        Anchor::Start,
        false,
        "#000000",
        &rate,
    );
    svg.text(
        ROOT_X + 10,
        y + 51,
        11,
        Anchor::Start,
        false,
        "#555555",
        &detail,
    );
    svg.end_group();
    Ok(())
}

fn draw_branch(svg: &mut Svg, branch: &BranchClock, y: i32) {
    let switch = match branch.vote_bit {
        Some(bit) => format!("voted: APCS vote bit {bit}"),
        None => "CLK_ENABLE".to_owned(),
    };
    svg.group_with_title(&format!(
        "{} at GCC + {:#07x}; clocks::Branch::{}",
        branch.name, branch.offset, branch.hal_branch
    ));
    svg.rect(BRANCH_X, y, BRANCH_W, BOX_H, 6, "#eef7ee", "#2e7d32");
    svg.text(
        BRANCH_X + 10,
        y + 18,
        13,
        Anchor::Start,
        true,
        "#000000",
        branch.name,
    );
    svg.text(
        BRANCH_X + 10,
        y + 35,
        12,
        Anchor::Start,
        false,
        "#000000",
        &switch,
    );
    svg.text(
        BRANCH_X + 10,
        y + 51,
        11,
        Anchor::Start,
        false,
        "#555555",
        &format!("enabled by hal::{}", branch.enabled_by.join(", hal::")),
    );
    svg.end_group();
}
