//! Check of `cargo xtask flash` with a fake fastboot.

use super::tools::xtask;
use anyhow::{Result, ensure};
use std::path::Path;

pub fn with_fake_fastboot(root: &Path) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let log = scratch.path().join("log");
    let fake_dir = scratch.path().join("bin");
    std::fs::create_dir(&fake_dir)?;
    crate::flash::write_fake_fastboot(&fake_dir, &log, "0123abcd\\tfastboot\\n", None)?;
    let original = std::env::var_os("PATH").unwrap_or_default();
    let without_fastboot: Vec<_> = std::env::split_paths(&original)
        .filter(|dir| !dir.join("fastboot").exists())
        .collect();
    let with_fake = std::env::join_paths(
        std::iter::once(fake_dir.clone()).chain(without_fastboot.iter().cloned()),
    )?;
    let image = crate::image::default_output(root, "hello");
    let take_log = || -> String {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        text
    };

    let run = xtask(root, &["flash", "hello"], &with_fake)?;
    ensure!(
        run.code == Some(0),
        "`xtask flash hello` failed{}",
        run.context()
    );
    let recorded = take_log();
    ensure!(
        recorded == format!("devices\nboot {}\n", image.display()),
        "fastboot saw:\n{recorded}"
    );

    let run = xtask(root, &["flash", "hello", "--persist"], &with_fake)?;
    ensure!(
        run.code == Some(0),
        "`xtask flash hello --persist` failed{}",
        run.context()
    );
    let recorded = take_log();
    ensure!(
        recorded == format!("devices\nflash boot {}\nreboot\n", image.display()),
        "fastboot saw:\n{recorded}"
    );

    let run = xtask(
        root,
        &["flash", "hello", "--persist", "--dry-run"],
        &with_fake,
    )?;
    ensure!(
        run.code == Some(0),
        "`xtask flash --dry-run` failed{}",
        run.context()
    );
    ensure!(take_log().is_empty(), "--dry-run ran fastboot");
    ensure!(
        run.stdout
            .contains(&format!("flash boot {}", image.display()))
            && run.stdout.contains("reboot"),
        "--dry-run did not print the commands{}",
        run.context()
    );

    crate::flash::write_fake_fastboot(&fake_dir, &log, "", None)?;
    let run = xtask(root, &["flash", "hello"], &with_fake)?;
    ensure!(
        run.code != Some(0),
        "no device, yet `xtask flash` succeeded{}",
        run.context()
    );
    run.board_has("no device in fastboot mode")?;

    let run = xtask(
        root,
        &["flash", "hello"],
        &std::env::join_paths(&without_fastboot)?,
    )?;
    ensure!(
        run.code != Some(0),
        "no fastboot, yet `xtask flash` succeeded{}",
        run.context()
    );
    run.board_has(r"apt-get install fastboot")?;
    Ok(())
}
