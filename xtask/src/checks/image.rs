//! Check of `cargo xtask image`: an independent reader parses hello's boot image.

use crate::process::SpawnRetrying;
use anyhow::{Context, Result, ensure};
use std::path::Path;
use std::process::Command;

/// The `key: value` lines `unpack_bootimg` prints about a boot image.
fn unpack_bootimg_fields(stdout: &str) -> std::collections::HashMap<String, String> {
    stdout
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

/// Builds hello's boot image and has an independent reader (AOSP's `unpack_bootimg`) parse it:
/// header fields, and the kernel section is gzip(the ELF's flat binary, starting with the arm64
/// Image header) followed by our device tree.
pub fn read_back(root: &Path) -> Result<()> {
    use crate::image;
    let reader = image::ensure_boot_image_reader()?;
    let scratch = tempfile::tempdir()?;
    let img = scratch.path().join("hello.boot.img");
    image::build_image(
        root,
        "hello",
        Some(&img),
        &crate::progress::Progress::quiet(),
    )?;
    let out = scratch.path().join("unpacked");
    let output = Command::new(&reader)
        .arg("--boot_img")
        .arg(&img)
        .arg("--out")
        .arg(&out)
        .output_retrying()
        .with_context(|| format!("cannot run {}", reader.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "unpack_bootimg failed: {}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    let fields = unpack_bootimg_fields(&stdout);
    let kernel = std::fs::read(out.join("kernel")).context("unpack_bootimg wrote no kernel")?;
    let expect = |key: &str, value: String| -> Result<()> {
        let got = fields
            .get(key)
            .with_context(|| format!("unpack_bootimg did not print `{key}`:\n{stdout}"))?;
        ensure!(
            *got == value,
            "unpack_bootimg: {key} is `{got}`, expected `{value}`"
        );
        Ok(())
    };
    expect("boot_magic", "ANDROID!".into())?;
    expect("kernel_size", kernel.len().to_string())?;
    expect("kernel load address", "0x80008000".into())?;
    expect("ramdisk size", "0".into())?;
    expect("second bootloader size", "0".into())?;
    expect("kernel tags load address", "0x81e00000".into())?;
    expect("page size", "2048".into())?;
    expect("boot image header version", "0".into())?;
    expect("product name", "hello".into())?;
    expect("command line args", String::new())?;

    let elf = crate::build::examples(root, &["hello".to_owned()])?.remove(0);
    let flat = image::flat_binary(&elf)?;
    let mut rest: &[u8] = &kernel;
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::bufread::GzDecoder::new(&mut rest),
        &mut unzipped,
    )
    .context("the unpacked kernel is not gzip data")?;
    image::arm64_header(&unzipped, "unpacked kernel")?;
    ensure!(
        unzipped == flat,
        "the unpacked kernel differs from hello's flat binary"
    );
    ensure!(
        rest == image::device_tree()?.as_slice(),
        "the bytes after the gzip member are not our device tree"
    );
    Ok(())
}
