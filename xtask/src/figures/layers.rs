//! `docs/figures/layers.svg`: how the workspace's crates stack, drawn from the Cargo manifests
//! (the root `Cargo.toml`'s members, each member's name, description and dependencies).
//!
//! Design notes: a crate's layer is the length of its longest chain of dependencies on other
//! members (the PAC, with none, is layer 0; the examples are the top). Members that depend on
//! no member and that no member depends on (the host tools: xtask, the virtual board) are
//! drawn in a column beside the stack. A `svd/*.svd` file named in a member's description
//! (the PAC's: "generated from svd/apq8016.svd") is drawn below that member as its source.
//! Arrows point from a crate to the crates it depends on.

use super::svg::{Anchor, Svg, text_width};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// One workspace member.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub dir: String,
    pub description: String,
    /// Names of the members it depends on (normal, target-specific and build dependencies).
    pub depends_on: Vec<String>,
}

/// Reads the members from the root manifest and theirs.
pub fn members(root: &Path) -> Result<Vec<Member>> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).context("reading Cargo.toml")?;
    let manifest: toml::Table = toml::from_str(&text).context("parsing Cargo.toml")?;
    let dirs: Vec<String> = manifest
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .context("Cargo.toml has no [workspace] members")?
        .iter()
        .filter_map(|d| d.as_str().map(str::to_owned))
        .collect();
    let mut raw = Vec::new();
    for dir in dirs {
        let path = root.join(&dir).join("Cargo.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let manifest: toml::Table =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let package = manifest
            .get("package")
            .with_context(|| format!("{}: no [package]", path.display()))?;
        let name = package
            .get("name")
            .and_then(|n| n.as_str())
            .with_context(|| format!("{}: no package name", path.display()))?
            .to_owned();
        let description = package
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .to_owned();
        let mut deps = Vec::new();
        let mut tables: Vec<&toml::Table> = Vec::new();
        for key in ["dependencies", "build-dependencies"] {
            if let Some(t) = manifest.get(key).and_then(|t| t.as_table()) {
                tables.push(t);
            }
        }
        if let Some(targets) = manifest.get("target").and_then(|t| t.as_table()) {
            for target in targets.values() {
                for key in ["dependencies", "build-dependencies"] {
                    if let Some(t) = target.get(key).and_then(|t| t.as_table()) {
                        tables.push(t);
                    }
                }
            }
        }
        for table in tables {
            for (key, value) in table {
                // `alias = { package = "real-name", ... }` depends on `real-name`.
                let real = value.get("package").and_then(|p| p.as_str()).unwrap_or(key);
                deps.push(real.to_owned());
            }
        }
        raw.push((name, dir, description, deps));
    }
    let names: Vec<String> = raw.iter().map(|(n, ..)| n.clone()).collect();
    Ok(raw
        .into_iter()
        .map(|(name, dir, description, deps)| {
            let mut depends_on: Vec<String> =
                deps.into_iter().filter(|d| names.contains(d)).collect();
            depends_on.sort();
            depends_on.dedup();
            Member {
                name,
                dir,
                description,
                depends_on,
            }
        })
        .collect())
}

/// Each member's layer (longest chain of member dependencies below it).
pub fn layers(members: &[Member]) -> BTreeMap<String, usize> {
    fn layer(
        name: &str,
        members: &[Member],
        memo: &mut BTreeMap<String, usize>,
        depth: usize,
    ) -> usize {
        if let Some(&l) = memo.get(name) {
            return l;
        }
        let Some(member) = members.iter().find(|m| m.name == name) else {
            return 0;
        };
        // A dependency cycle cannot occur in a Cargo workspace; the depth bound only guards.
        let l = if depth > members.len() {
            0
        } else {
            member
                .depends_on
                .iter()
                .map(|d| layer(d, members, memo, depth + 1) + 1)
                .max()
                .unwrap_or(0)
        };
        memo.insert(name.to_owned(), l);
        l
    }
    let mut memo = BTreeMap::new();
    for m in members {
        layer(&m.name, members, &mut memo, 0);
    }
    memo
}

/// Whether `from` depends on `to` through any chain of members.
fn reaches(from: &str, to: &str, members: &[Member], depth: usize) -> bool {
    let Some(member) = members.iter().find(|m| m.name == from) else {
        return false;
    };
    depth <= members.len()
        && member
            .depends_on
            .iter()
            .any(|d| d == to || reaches(d, to, members, depth + 1))
}

/// `member`'s dependencies that are not also reached through another of its dependencies.
pub fn direct_dependencies<'a>(member: &'a Member, members: &[Member]) -> Vec<&'a String> {
    member
        .depends_on
        .iter()
        .filter(|dep| {
            !member
                .depends_on
                .iter()
                .any(|other| other != *dep && reaches(other, dep, members, 0))
        })
        .collect()
}

const BOX_W: i32 = 330;
const BOX_H: i32 = 62;
const ROW_GAP: i32 = 46;
const COL_GAP: i32 = 30;
const MARGIN: i32 = 20;
const TITLE_H: i32 = 34;
const FONT: u32 = 13;
const SMALL: u32 = 11;

/// Splits `text` into at most two lines that fit `width` at `size` px ("..." if cut).
fn wrap(text: &str, width: i32, size: u32) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let current = lines.last_mut().expect("one line");
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if text_width(&candidate, size) <= width || current.is_empty() {
            *current = candidate;
        } else if lines.len() == 2 {
            let last = lines.last_mut().expect("two lines");
            last.push_str(" ...");
            return lines;
        } else {
            lines.push(word.to_owned());
        }
    }
    lines
}

fn draw_box(svg: &mut Svg, x: i32, y: i32, member: &Member, fill: &str) {
    svg.group_with_title(&format!(
        "{} ({}): {}",
        member.name, member.dir, member.description
    ));
    svg.rect(x, y, BOX_W, BOX_H, 6, fill, "#4a5a6a");
    svg.text(
        x + 10,
        y + 18,
        FONT,
        Anchor::Start,
        true,
        "#1a2530",
        &member.name,
    );
    svg.text(
        x + BOX_W - 10,
        y + 18,
        SMALL,
        Anchor::End,
        false,
        "#4a5a6a",
        &format!("{}/", member.dir),
    );
    for (i, line) in wrap(&member.description, BOX_W - 20, SMALL)
        .iter()
        .enumerate()
    {
        svg.text(
            x + 10,
            y + 36 + 14 * i as i32,
            SMALL,
            Anchor::Start,
            false,
            "#2a3540",
            line,
        );
    }
    svg.end_group();
}

/// Renders the figure.
pub fn render(root: &Path) -> Result<String> {
    let members = members(root)?;
    let layer_of = layers(&members);
    let used: Vec<&str> = members
        .iter()
        .flat_map(|m| m.depends_on.iter().map(String::as_str))
        .collect();
    let (beside, stack): (Vec<&Member>, Vec<&Member>) = members
        .iter()
        .partition(|m| m.depends_on.is_empty() && !used.contains(&m.name.as_str()));
    let top = stack.iter().map(|m| layer_of[&m.name]).max().unwrap_or(0);
    let per_layer = |l: usize| stack.iter().filter(|m| layer_of[&m.name] == l).count() as i32;
    let widest = (0..=top).map(per_layer).max().unwrap_or(1).max(1);
    let stack_w = widest * BOX_W + (widest - 1) * COL_GAP;
    let source = members.iter().find_map(|m| {
        m.description
            .split_whitespace()
            .find(|w| w.starts_with("svd/") && w.ends_with(".svd"))
            .map(|file| (m.name.clone(), file.to_owned()))
    });
    let rows = top as i32 + 1 + i32::from(source.is_some());
    let height = MARGIN * 2 + TITLE_H + rows * BOX_H + (rows - 1) * ROW_GAP;
    let beside_x = MARGIN + stack_w + 3 * COL_GAP;
    let width = beside_x + if beside.is_empty() { 0 } else { BOX_W } + MARGIN;
    let mut svg = Svg::new(width as u32, height as u32);
    svg.text(
        MARGIN,
        MARGIN + 14,
        15,
        Anchor::Start,
        true,
        "#1a2530",
        "The workspace's crates, from the Cargo manifests (arrow: depends on)",
    );
    let row_y = |l: usize| MARGIN + TITLE_H + (top - l) as i32 * (BOX_H + ROW_GAP);
    let mut position: BTreeMap<String, (i32, i32)> = BTreeMap::new();
    for l in 0..=top {
        let in_layer: Vec<&&Member> = stack.iter().filter(|m| layer_of[&m.name] == l).collect();
        let count = in_layer.len() as i32;
        let row_w = count * BOX_W + (count - 1).max(0) * COL_GAP;
        let x0 = MARGIN + (stack_w - row_w) / 2;
        for (i, member) in in_layer.iter().enumerate() {
            let x = x0 + i as i32 * (BOX_W + COL_GAP);
            position.insert(member.name.clone(), (x, row_y(l)));
        }
    }
    // Arrows first, boxes over them; a dependency also reached through another member is
    // left out (it would cross that member's box).
    for member in &stack {
        let (x, y) = position[&member.name];
        let direct = direct_dependencies(member, &members);
        let count = direct.len() as i32;
        for (i, dep) in direct.iter().enumerate() {
            let (dx, dy) = position[dep.as_str()];
            let from_x = x + BOX_W * (i as i32 + 1) / (count + 1);
            svg.arrow(from_x, y + BOX_H, dx + BOX_W / 2, dy, "#4a5a6a");
        }
    }
    for member in &stack {
        let (x, y) = position[&member.name];
        draw_box(&mut svg, x, y, member, "#e3eef8");
    }
    if let Some((generated, file)) = &source {
        let (x, y) = position[generated];
        let sy = y + BOX_H + ROW_GAP;
        svg.group_with_title(&format!("{file}: the source {generated} is generated from"));
        svg.rect(x, sy, BOX_W, BOX_H, 6, "#fdf3dc", "#8a6a2a");
        svg.text(x + 10, sy + 20, FONT, Anchor::Start, true, "#1a2530", file);
        svg.text(
            x + 10,
            sy + 40,
            SMALL,
            Anchor::Start,
            false,
            "#2a3540",
            "hand-written SVD: the register facts",
        );
        svg.end_group();
        svg.arrow(x + BOX_W / 2, sy, x + BOX_W / 2, y + BOX_H, "#8a6a2a");
        svg.text(
            x + BOX_W / 2 + 8,
            y + BOX_H + ROW_GAP / 2 + 4,
            SMALL,
            Anchor::Start,
            false,
            "#8a6a2a",
            "cargo xtask regen",
        );
    }
    if !beside.is_empty() {
        svg.text(
            beside_x,
            row_y(top) - 8,
            SMALL,
            Anchor::Start,
            true,
            "#4a5a6a",
            "beside the stack: host tools no crate depends on",
        );
        for (i, member) in beside.iter().enumerate() {
            draw_box(
                &mut svg,
                beside_x,
                row_y(top) + i as i32 * (BOX_H + ROW_GAP),
                member,
                "#eeeeee",
            );
        }
    }
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    Ok(svg.finish(
        "How the layers fit: the workspace's crates",
        &format!(
            "The workspace members ({}) stacked by their dependencies on each other, read from \
             the Cargo manifests; the host tools beside them.",
            names.join(", ")
        ),
    ))
}
