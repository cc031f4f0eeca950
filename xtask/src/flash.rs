//! `cargo xtask flash`: boot (or flash) an example's boot image on a board in fastboot mode.
//!
//! Design notes: the `fastboot` program is `$FASTBOOT` when set, else the first `fastboot` on
//! PATH, so tests substitute a fake without touching a real one. Each fastboot step's output
//! is captured and shown only when it fails. Default: `fastboot boot IMG` (runs from RAM, the
//! board keeps its installed OS). `--persist`: `fastboot flash boot IMG` then `fastboot reboot`.
//! Watching the console afterwards (`--monitor PORT`) is `crate::monitor`.

use crate::progress::Progress;
use crate::{image, process};
use anyhow::{Context, Result, bail};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Command-line choices of `cargo xtask flash`.
#[derive(Debug, Clone, Default)]
pub struct FlashOptions {
    /// Write the boot partition and reboot instead of booting from RAM once.
    pub persist: bool,
    /// Print the commands instead of running them.
    pub dry_run: bool,
    /// Which board (fastboot serial number) when several are in fastboot mode.
    pub serial: Option<String>,
    /// How long one fastboot step may take before it is stopped (default [`STEP_LIMIT`];
    /// `fastboot devices` gets at most [`DEVICES_LIMIT`]).
    pub step_limit: Option<Duration>,
}

/// Time limit for `fastboot boot` / `flash boot` / `reboot`: a boot image of a few MiB takes
/// seconds over USB 2.0; minutes mean a stuck tool or board.
pub const STEP_LIMIT: Duration = Duration::from_secs(300);
/// Time limit for `fastboot devices`, which answers at once.
pub const DEVICES_LIMIT: Duration = Duration::from_secs(30);

/// What to tell a user whose board is not in fastboot mode.
pub const NO_DEVICE: &str = "no device in fastboot mode (hold Volume-Down (S4) while powering on \
     the board with its micro-USB port connected to this computer, or run `reboot bootloader` \
     on the board's Linux; then check with `fastboot devices`)";

// ANCHOR: plan
/// The fastboot steps (arguments after the program and `-s SERIAL`) for an image.
pub fn plan(image: &Path, persist: bool) -> Vec<Vec<OsString>> {
    let image = image.as_os_str().to_owned();
    if persist {
        vec![
            vec!["flash".into(), "boot".into(), image],
            vec!["reboot".into()],
        ]
    } else {
        vec![vec!["boot".into(), image]]
    }
}
// ANCHOR_END: plan

/// Finds the fastboot program: `fastboot_env` (the value of `$FASTBOOT`) if set, else
/// `fastboot` in the directories of `path_env` (the value of `$PATH`).
pub fn find_fastboot(
    fastboot_env: Option<OsString>,
    path_env: Option<OsString>,
) -> Result<PathBuf> {
    if let Some(program) = fastboot_env.filter(|p| !p.is_empty()) {
        let program = PathBuf::from(program);
        if process::is_executable(&program) {
            return Ok(program);
        }
        bail!(
            "FASTBOOT is set to {}, which is not an executable file",
            program.display()
        );
    }
    process::find_in_path("fastboot", path_env.as_deref()).context(
        "`fastboot` was not found on PATH; install it with `sudo apt-get install fastboot` \
             (Debian/Ubuntu), or set FASTBOOT=/path/to/fastboot",
    )
}

/// `cargo xtask flash EXAMPLE`: builds the boot image, then boots or flashes it.
pub fn run(root: &Path, example: &str, options: &FlashOptions, progress: &Progress) -> Result<()> {
    let found = find_fastboot(std::env::var_os("FASTBOOT"), std::env::var_os("PATH"));
    // A dry run needs no fastboot; everything else fails early, before the build.
    let program = match (found, options.dry_run) {
        (Ok(program), _) => program,
        (Err(_), true) => PathBuf::from("fastboot"),
        (Err(error), false) => return Err(error),
    };
    let image = image::build_image(root, example, None, progress)?;
    execute(&program, &image, options, progress)
}

/// Runs (or, for a dry run, prints to stdout) the fastboot steps for `image`.
pub fn execute(
    program: &Path,
    image: &Path,
    options: &FlashOptions,
    progress: &Progress,
) -> Result<()> {
    let serial_args: Vec<OsString> = match &options.serial {
        Some(serial) => vec!["-s".into(), serial.into()],
        None => Vec::new(),
    };
    let steps = plan(image, options.persist);
    let step_limit = options.step_limit.unwrap_or(STEP_LIMIT);
    if options.dry_run {
        println!("{}", shell_line(program, &[OsString::from("devices")]));
        for step in &steps {
            let args: Vec<OsString> = serial_args.iter().chain(step).cloned().collect();
            println!("{}", shell_line(program, &args));
        }
        return Ok(());
    }

    let devices = progress.step(
        "looking for a board in fastboot mode (fastboot devices)",
        || {
            let output = crate::process::run_with_limit(
                Command::new(program).arg("devices"),
                &format!("`{} devices`", program.display()),
                step_limit.min(DEVICES_LIMIT),
            )?;
            if !output.status.success() {
                bail!(
                    "`fastboot devices` failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                );
            }
            Ok(parse_devices(&String::from_utf8_lossy(&output.stdout)))
        },
    )?;
    choose_device(&devices, options.serial.as_deref())?;

    for (index, step) in steps.iter().enumerate() {
        let args: Vec<OsString> = serial_args.iter().chain(step).cloned().collect();
        let line = shell_line(program, &args);
        let result = progress.step(&format!("running {line}"), || -> Result<()> {
            let output = crate::process::run_with_limit(
                Command::new(program).args(&args),
                &format!("`{line}`"),
                step_limit,
            )?;
            if output.status.success() {
                return Ok(());
            }
            let mut said = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            said.push_str(String::from_utf8_lossy(&output.stdout).trim());
            bail!(
                "`{line}` failed ({}){}",
                output.status,
                if said.is_empty() {
                    String::new()
                } else {
                    format!(": {said}")
                }
            )
        });
        if let Err(error) = result {
            if options.persist && index > 0 {
                bail!(
                    "the boot partition was flashed, but rebooting failed: {error:#}\n\
                     power-cycle the board to start the new image"
                );
            }
            return Err(error);
        }
    }
    Ok(())
}

/// (serial, state) pairs from `fastboot devices` output.
pub fn parse_devices(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let serial = words.next()?;
            Some((serial.to_owned(), words.collect::<Vec<_>>().join(" ")))
        })
        .collect()
}

/// Checks that exactly one board is meant: the one named by `serial`, or the only one present.
fn choose_device(devices: &[(String, String)], serial: Option<&str>) -> Result<()> {
    if devices.is_empty() {
        bail!("{NO_DEVICE}");
    }
    if let Some((serial, state)) = devices
        .iter()
        .find(|(_, state)| state.contains("no permissions"))
    {
        bail!(
            "fastboot sees {serial} but may not use it ({state}); add a udev rule for the board or run as root"
        );
    }
    let list = || {
        devices
            .iter()
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match serial {
        Some(serial) if devices.iter().any(|(s, _)| s == serial) => Ok(()),
        Some(serial) => bail!("no device {serial} in fastboot mode (present: {})", list()),
        None if devices.len() == 1 => Ok(()),
        None => bail!(
            "several devices in fastboot mode ({}); choose one with --serial",
            list()
        ),
    }
}

/// A command as a user would type it (arguments with spaces or quotes get single quotes).
fn shell_line(program: &Path, args: &[OsString]) -> String {
    let quote = |word: &OsStr| {
        let word = word.to_string_lossy();
        if !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:+,@".contains(c))
        {
            word.into_owned()
        } else {
            format!("'{}'", word.replace('\'', "'\\''"))
        }
    };
    std::iter::once(quote(program.as_os_str()))
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes a fake `fastboot` into `dir` for tests: it appends each command line to `log`,
/// answers `devices` with `devices_output`, and fails (exit 1) on the command `fail_on`.
pub fn write_fake_fastboot(
    dir: &Path,
    log: &Path,
    devices_output: &str,
    fail_on: Option<&str>,
) -> Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fastboot");
    let script = format!(
        "#!/bin/sh\n\
         printf '%s\\n' \"$*\" >> '{log}'\n\
         if [ \"$1\" = -s ]; then shift 2; fi\n\
         if [ \"$1\" = devices ]; then printf '{devices_output}'; fi\n\
         if [ \"$1\" = '{fail_on}' ]; then echo \"FAILED (remote: 'fake failure')\" >&2; exit 1; fi\n\
         exit 0\n",
        log = log.display(),
        fail_on = fail_on.unwrap_or("-no-such-command-"),
    );
    std::fs::write(&path, script).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        _dir: tempfile::TempDir,
        program: PathBuf,
        log: PathBuf,
        image: PathBuf,
    }

    fn fake(devices: &str, fail_on: Option<&str>) -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let program = write_fake_fastboot(dir.path(), &log, devices, fail_on).unwrap();
        let image = dir.path().join("hello.boot.img");
        std::fs::write(&image, b"ANDROID!").unwrap();
        Fake {
            _dir: dir,
            program,
            log,
            image,
        }
    }

    impl Fake {
        fn run(&self, options: &FlashOptions) -> Result<()> {
            execute(&self.program, &self.image, options, &Progress::quiet())
        }
        fn log(&self) -> String {
            std::fs::read_to_string(&self.log).unwrap_or_default()
        }
    }

    #[test]
    fn default_boots_from_ram() {
        let fake = fake("1f980087\\tfastboot\\n", None);
        fake.run(&FlashOptions::default()).unwrap();
        assert_eq!(
            fake.log(),
            format!("devices\nboot {}\n", fake.image.display())
        );
    }

    #[test]
    fn persist_flashes_then_reboots() {
        let fake = fake("1f980087\\tfastboot\\n", None);
        fake.run(&FlashOptions {
            persist: true,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            fake.log(),
            format!("devices\nflash boot {}\nreboot\n", fake.image.display())
        );
    }

    #[test]
    fn serial_is_passed_to_every_step() {
        let fake = fake("aaa\\tfastboot\\nbbb\\tfastboot\\n", None);
        let error = fake.run(&FlashOptions::default()).unwrap_err();
        assert!(format!("{error:#}").contains("--serial"), "{error:#}");
        fake.run(&FlashOptions {
            serial: Some("bbb".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(
            fake.log()
                .ends_with(&format!("-s bbb boot {}\n", fake.image.display())),
            "{}",
            fake.log()
        );
    }

    #[test]
    fn a_hanging_fastboot_is_stopped_with_a_clear_error() {
        use std::os::unix::fs::PermissionsExt;
        let fake = fake("1f980087\\tfastboot\\n", None);
        std::fs::write(
            &fake.program,
            "#!/bin/sh\nif [ \"$1\" = devices ]; then printf '1f980087\\tfastboot\\n'; exit 0; fi\nexec sleep 30\n",
        )
        .unwrap();
        std::fs::set_permissions(&fake.program, std::fs::Permissions::from_mode(0o755)).unwrap();
        let started = std::time::Instant::now();
        let error = fake
            .run(&FlashOptions {
                step_limit: Some(Duration::from_millis(500)),
                ..Default::default()
            })
            .unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("boot") && message.contains("did not finish within"),
            "{message}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn no_device_is_a_clear_error() {
        let fake = fake("", None);
        let message = format!("{:#}", fake.run(&FlashOptions::default()).unwrap_err());
        assert!(
            message.contains("no device in fastboot mode") && message.contains("Volume-Down"),
            "{message}"
        );
        assert_eq!(fake.log(), "devices\n", "nothing is run without a device");
    }

    #[test]
    fn failing_step_is_named() {
        let fake = fake("x\\tfastboot\\n", Some("boot"));
        let message = format!("{:#}", fake.run(&FlashOptions::default()).unwrap_err());
        assert!(
            message.contains("boot") && message.contains("fake failure"),
            "{message}"
        );
        let fake = self::fake("x\\tfastboot\\n", Some("flash"));
        let message = format!(
            "{:#}",
            fake.run(&FlashOptions {
                persist: true,
                ..Default::default()
            })
            .unwrap_err()
        );
        assert!(
            message.contains("flash boot") && !message.contains("was flashed"),
            "{message}"
        );
        assert!(
            !fake.log().contains("reboot"),
            "no reboot after a failed flash"
        );
    }

    #[test]
    fn reboot_failure_after_flash_says_so() {
        let fake = fake("x\\tfastboot\\n", Some("reboot"));
        let message = format!(
            "{:#}",
            fake.run(&FlashOptions {
                persist: true,
                ..Default::default()
            })
            .unwrap_err()
        );
        assert!(
            message.contains("the boot partition was flashed, but rebooting failed"),
            "{message}"
        );
    }

    #[test]
    fn dry_run_prints_and_runs_nothing() {
        let fake = fake("x\\tfastboot\\n", None);
        fake.run(&FlashOptions {
            dry_run: true,
            persist: true,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(fake.log(), "");
    }

    #[test]
    fn fastboot_lookup() {
        let fake = fake("", None);
        let dir = fake.program.parent().unwrap().as_os_str().to_owned();
        assert_eq!(find_fastboot(None, Some(dir)).unwrap(), fake.program);
        assert_eq!(
            find_fastboot(Some(fake.program.clone().into()), None).unwrap(),
            fake.program
        );
        let empty = tempfile::tempdir().unwrap();
        let message = format!(
            "{:#}",
            find_fastboot(None, Some(empty.path().as_os_str().to_owned())).unwrap_err()
        );
        assert!(message.contains("apt-get install fastboot"), "{message}");
        let message = format!(
            "{:#}",
            find_fastboot(Some("/no/such/fastboot".into()), None).unwrap_err()
        );
        assert!(message.contains("/no/such/fastboot"), "{message}");
    }

    #[test]
    fn shell_lines_quote_what_needs_it() {
        let line = shell_line(
            Path::new("fastboot"),
            &["boot".into(), "/tmp/a b/it's.img".into()],
        );
        assert_eq!(line, "fastboot boot '/tmp/a b/it'\\''s.img'");
    }
}
