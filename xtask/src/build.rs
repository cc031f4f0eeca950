//! Building the firmware examples and the virtual board.

use crate::prereq::TARGET;
use crate::process::SpawnRetrying;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        })
        .unwrap_or_else(|| root.join("target"))
}

/// The example names declared in `examples/Cargo.toml` (`[[example]]` tables), sorted.
pub fn example_names(root: &Path) -> Result<Vec<String>> {
    let manifest_path = root.join("examples/Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let manifest: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", manifest_path.display()))?;
    let mut names: Vec<String> = manifest
        .get("example")
        .and_then(|v| v.as_array())
        .map(|examples| {
            examples
                .iter()
                .filter_map(|e| e.get("name")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    Ok(names)
}

/// Returns `name` if it is a known example, else an error listing the known ones.
pub fn check_example_name(root: &Path, name: &str) -> Result<String> {
    let names = example_names(root)?;
    if names.iter().any(|n| n == name) {
        Ok(name.to_owned())
    } else {
        bail!(
            "unknown example `{name}`; the examples are: {}",
            if names.is_empty() {
                "(none)".to_owned()
            } else {
                names.join(", ")
            }
        )
    }
}

/// The `required-features` of each example declared in `examples/Cargo.toml`.
fn required_features(root: &Path) -> Result<Vec<(String, Vec<String>)>> {
    let manifest_path = root.join("examples/Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let manifest: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", manifest_path.display()))?;
    let examples = manifest.get("example").and_then(|v| v.as_array());
    Ok(examples
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let name = e.get("name")?.as_str()?.to_owned();
            let features = e
                .get("required-features")
                .and_then(|f| f.as_array())
                .map(|f| {
                    f.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Some((name, features))
        })
        .collect())
}

/// How the firmware is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// `--release`: small and fast (what the board runs, what every check uses).
    Release,
    /// `--profile firmware-debug` (defined in `.cargo/config.toml`): the release profile with
    /// overflow checks and debug assertions on, built into its own directory
    /// (`target/aarch64-unknown-none/firmware-debug/`) so it does not replace the release build.
    FirmwareDebug,
}

impl Profile {
    /// Cargo's name of the profile (and of its output directory).
    pub fn name(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::FirmwareDebug => "firmware-debug",
        }
    }
}

/// Builds the named examples (release, firmware target); returns their ELF paths in order.
pub fn examples(root: &Path, names: &[String]) -> Result<Vec<PathBuf>> {
    examples_with(root, names, Profile::Release)
}

/// Builds the named examples with `profile` for the firmware target; returns their ELF paths
/// in order.
///
/// Examples with the same `required-features` are built together, each group with exactly its
/// features, so that a feature one example needs (e.g. `defmt`, which adds a linker script and
/// the logger) does not change the others.
pub fn examples_with(root: &Path, names: &[String], profile: Profile) -> Result<Vec<PathBuf>> {
    let features = required_features(root)?;
    let mut groups: Vec<(Vec<String>, Vec<&String>)> = Vec::new();
    for name in names {
        let wanted = features
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .unwrap_or_default();
        match groups.iter_mut().find(|(f, _)| *f == wanted) {
            Some((_, members)) => members.push(name),
            None => groups.push((wanted, vec![name])),
        }
    }
    for (group_features, members) in &groups {
        let mut cargo = cargo(root);
        cargo.args([
            "build",
            "--package",
            "db410c-examples",
            "--profile",
            profile.name(),
            "--target",
            TARGET,
        ]);
        if !group_features.is_empty() {
            cargo.args(["--features", &group_features.join(",")]);
        }
        for name in members {
            cargo.args(["--example", name]);
        }
        run_checked(&mut cargo, "building the firmware examples")?;
    }
    let dir = target_dir(root)
        .join(TARGET)
        .join(profile.name())
        .join("examples");
    Ok(names.iter().map(|name| dir.join(name)).collect())
}

/// Builds the virtual board (release; its CPU engine first, `engine`) and returns the path of
/// its executable.
pub fn virtual_board(root: &Path) -> Result<PathBuf> {
    crate::engine::prepare(root)?;
    let mut cargo = cargo(root);
    cargo.args(["build", "--package", "db410c-emu", "--release"]);
    run_checked(&mut cargo, "building the virtual board")?;
    Ok(target_dir(root).join("release/db410c-emu"))
}

/// A `cargo` command run from the workspace root, using the cargo that runs us.
pub fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// Runs a command, failing with `what` if it does not succeed.
pub fn run_checked(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status_retrying()
        .with_context(|| format!("{what}: cannot start {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
