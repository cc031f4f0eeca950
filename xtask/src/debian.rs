//! Debian arm64 packages the virtual board is held against (Debian's U-Boot, later its kernel),
//! fetched into `.cache/debian/` and unpacked there.
//!
//! Design notes:
//! - The packages are never committed. apt downloads them with a private package-list
//!   directory (the host's apt state is untouched) for the arm64 architecture, from the
//!   host's configured Debian archive.
//! - Trust comes from apt: it checks every downloaded file against the hashes in the archive's
//!   signed index. We do not pin a version or a hash of our own: Debian keeps only the newest
//!   version of a package, so a pin breaks the suite the day a point release or security update
//!   replaces it. Instead the version that was used is reported (`xtask: using ...`) and the
//!   checks assert on behaviour that stays the same across a release's updates.
//! - Once a package is unpacked, later runs reuse the cache without the network, so a newer
//!   upload never changes a machine's results behind its back; delete `.cache/debian/NAME` to
//!   move to the newest version.

use crate::process::SpawnRetrying;
use anyhow::{Context, Result, bail, ensure};
use std::path::{Path, PathBuf};
use std::process::Command;

/// An unpacked package.
#[derive(Debug, Clone)]
pub struct Package {
    /// The Debian version that is unpacked (e.g. `2023.01+dfsg-2+deb12u3`).
    pub version: String,
    /// Where its files are (`unpacked/usr/...`).
    pub unpacked: PathBuf,
    /// The package's control fields (`Package:`, `Version:`, `Depends:`, ...).
    pub control: String,
}

/// Marker in the unpacked folder naming the .deb it came from (written last, so a folder
/// without it is an interrupted unpack).
const MARKER: &str = ".unpacked-from";

/// The control fields, next to the unpacked files.
const CONTROL: &str = ".control";

/// The arm64 package `name`, from the cache or downloaded (newest version in the archive's
/// signed index) and unpacked. Prints which version is used.
pub fn fetch(root: &Path, name: &str) -> Result<Package> {
    fetch_parts(root, name, &[])
}

/// As [`fetch`], unpacking only the files under `only` (paths in the package such as
/// `./boot`; all files when empty).
pub fn fetch_parts(root: &Path, name: &str, only: &[&str]) -> Result<Package> {
    let cache = root.join(".cache/debian").join(name);
    let unpacked = cache.join("unpacked");
    // The marker names the .deb and the parts unpacked from it.
    let parts = only.join(" ");
    if let Ok(marker) = std::fs::read_to_string(unpacked.join(MARKER))
        && let Some((deb_name, unpacked_parts)) = marker.split_once('\n')
        && unpacked_parts == parts
        && let Some(version) = version_of(name, deb_name.trim())
        && let Ok(control) = std::fs::read_to_string(unpacked.join(CONTROL))
    {
        return Ok(Package {
            version,
            unpacked,
            control,
        });
    }
    std::fs::create_dir_all(&cache)
        .with_context(|| format!("cannot create {}", cache.display()))?;
    let deb = match cached_deb(&cache, name)? {
        Some(deb) => deb,
        None => download(&cache, name)?,
    };
    let deb_name = deb
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let version = version_of(name, &deb_name)
        .with_context(|| format!("cannot read a version from the file name {deb_name}"))?;
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::create_dir_all(&unpacked)?;
    if only.is_empty() {
        let status = Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(&unpacked)
            .status_retrying()
            .context("cannot run dpkg-deb (Debian package `dpkg`)")?;
        ensure!(status.success(), "dpkg-deb -x {} failed", deb.display());
    } else {
        extract_parts(&deb, &unpacked, only)?;
    }
    let fields = Command::new("dpkg-deb")
        .arg("-f")
        .arg(&deb)
        .output_retrying()
        .context("cannot run dpkg-deb -f")?;
    ensure!(
        fields.status.success(),
        "dpkg-deb -f {} failed",
        deb.display()
    );
    let control = String::from_utf8_lossy(&fields.stdout).into_owned();
    std::fs::write(unpacked.join(CONTROL), &control)?;
    std::fs::write(unpacked.join(MARKER), format!("{deb_name}\n{parts}"))?;
    eprintln!("xtask: using Debian's {name} {version} (arm64)");
    Ok(Package {
        version,
        unpacked,
        control,
    })
}

/// Unpacks the members of `deb` under the paths `only` into `into` (`dpkg-deb --fsys-tarfile`
/// piped into `tar`).
fn extract_parts(deb: &Path, into: &Path, only: &[&str]) -> Result<()> {
    let mut archive = crate::process::spawn(
        Command::new("dpkg-deb")
            .arg("--fsys-tarfile")
            .arg(deb)
            .stdout(std::process::Stdio::piped()),
    )
    .context("cannot run dpkg-deb --fsys-tarfile")?;
    let stream = archive.stdout.take().expect("stdout is piped");
    let status = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .args(only)
        .stdin(stream)
        .status()
        .context("cannot run tar")?;
    let archive_status = archive.wait()?;
    ensure!(
        status.success() && archive_status.success(),
        "unpacking {} from {} failed",
        only.join(", "),
        deb.display()
    );
    Ok(())
}

/// A .deb of `name` already in the cache folder.
fn cached_deb(cache: &Path, name: &str) -> Result<Option<PathBuf>> {
    let prefix = format!("{name}_");
    let mut debs: Vec<PathBuf> = std::fs::read_dir(cache)
        .with_context(|| format!("cannot read {}", cache.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with(&prefix) && n.ends_with("_arm64.deb")
            })
        })
        .collect();
    debs.sort();
    Ok(debs.pop())
}

/// The version in a .deb file name `NAME_VERSION_arm64.deb` (apt writes `:` as `%3a`).
fn version_of(name: &str, deb_name: &str) -> Option<String> {
    let version = deb_name
        .strip_prefix(name)?
        .strip_prefix('_')?
        .strip_suffix("_arm64.deb")?;
    (!version.is_empty()).then(|| version.replace("%3a", ":"))
}

/// Downloads the newest arm64 `name` into `cache` with a private apt list directory; apt
/// checks it against the signed index.
fn download(cache: &Path, name: &str) -> Result<PathBuf> {
    // One package-list folder for every package, updated once per xtask run.
    let lists = cache.parent().unwrap_or(cache).join("lists");
    std::fs::create_dir_all(lists.join("partial"))?;
    let options = [
        "-oAPT::Architecture=arm64".to_owned(),
        "-oAPT::Architectures=arm64".to_owned(),
        format!("-oDir::State::Lists={}", lists.display()),
        "-oDebug::NoLocking=1".to_owned(),
    ];
    eprintln!("xtask: downloading Debian's {name} (arm64) with apt");
    static UPDATED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    if UPDATED.get().is_none() {
        let update = Command::new("apt-get")
            .args(&options)
            .args(["-qq", "update"])
            .status_retrying()
            .with_context(|| format!("cannot run apt-get (needed to download Debian's {name})"))?;
        ensure!(
            update.success(),
            "apt-get update for the arm64 package lists failed (is the Debian archive reachable?)"
        );
        let _ = UPDATED.set(());
    }
    let download = Command::new("apt-get")
        .current_dir(cache)
        .args(&options)
        .args(["-qq", "download", name])
        .status_retrying()
        .context("cannot run apt-get download")?;
    if !download.success() {
        bail!("apt-get could not download the arm64 package {name} from the configured archive");
    }
    cached_deb(cache, name)?.with_context(|| {
        format!("apt-get download {name} succeeded but left no {name}_*_arm64.deb")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_file_names() {
        assert_eq!(
            version_of(
                "u-boot-qcom",
                "u-boot-qcom_2023.01+dfsg-2+deb12u3_arm64.deb"
            )
            .as_deref(),
            Some("2023.01+dfsg-2+deb12u3")
        );
        assert_eq!(
            version_of("busybox-static", "busybox-static_1%3a1.35.0-4+b3_arm64.deb").as_deref(),
            Some("1:1.35.0-4+b3")
        );
        assert_eq!(version_of("u-boot-qcom", "u-boot-qcom_arm64.deb"), None);
        assert_eq!(version_of("u-boot", "u-boot-qcom_1_arm64.deb"), None);
    }
}
