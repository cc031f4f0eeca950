//! `cargo xtask flash --monitor PORT`: the board's console after booting it.
//!
//! Design notes: the port is configured with `stty` (115200 8N1, raw, no echo) when it is a
//! character device, so no serial-port crate (and no libudev) is needed; anything else (a
//! file, a FIFO) is read as it is, which is how the test feeds a captured console. Bytes go
//! through the same defmt splitter/decoder as `cargo xtask run`, so plain text and defmt frames
//! both show; the monitor ends at end of input or Ctrl-C.

use crate::defmt_decode::ConsoleDecoder;
use crate::process::SpawnRetrying;
use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::path::Path;

/// Configures `port` (if it is a terminal device) and copies its decoded bytes to stdout.
pub fn run(port: &Path, elf: &Path) -> Result<()> {
    let metadata =
        std::fs::metadata(port).with_context(|| format!("cannot open {}", port.display()))?;
    if is_char_device(&metadata) {
        let status = std::process::Command::new("stty")
            .arg("-F")
            .arg(port)
            .args(["115200", "cs8", "-cstopb", "-parenb", "raw", "-echo"])
            .status_retrying()
            .context("cannot run stty to configure the serial port")?;
        if !status.success() {
            bail!("stty could not set {} to 115200 8N1", port.display());
        }
    }
    let elf_bytes = std::fs::read(elf).with_context(|| format!("cannot read {}", elf.display()))?;
    let mut decoder = ConsoleDecoder::new(&elf_bytes)?;
    let mut input =
        std::fs::File::open(port).with_context(|| format!("cannot open {}", port.display()))?;
    eprintln!(
        "xtask: console on {} (115200 8N1); Ctrl-C ends",
        port.display()
    );
    let mut out = std::io::stdout().lock();
    let mut buffer = [0u8; 1024];
    loop {
        let n = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", port.display())),
        };
        out.write_all(&decoder.push(&buffer[..n]))?;
        out.flush()?;
    }
    out.write_all(&decoder.finish())?;
    out.flush()?;
    Ok(())
}

#[cfg(unix)]
fn is_char_device(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    metadata.file_type().is_char_device()
}

#[cfg(not(unix))]
fn is_char_device(_metadata: &std::fs::Metadata) -> bool {
    false
}
