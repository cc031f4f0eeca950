//! Check of Debian's Linux on the virtual board (`cargo xtask linux`): Debian's U-Boot boots
//! Debian's arm64 kernel from an SD card to a shell on four CPUs.

use super::Run;
use anyhow::{Context, Result, ensure};
use regex::Regex;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A boot to the shell takes about 2.9 G instructions (about 16 s of host CPU time; the limit
/// leaves room for a loaded machine).
const LINUX_RUN_LIMIT: Duration = Duration::from_secs(900);

/// The scripted session: each command typed when the shell prompt appears.
const SESSION: [(&str, &str); 4] = [
    ("/ # ", "cat /proc/cpuinfo\\r"),
    ("/ # ", "cat /proc/interrupts\\r"),
    (
        "/ # ",
        "grep . /sys/devices/system/cpu/cpu*/cpuidle/state1/usage\\r",
    ),
    ("/ # ", "poweroff -f\\r"),
];

/// Debian's U-Boot finds `boot.scr` and `extlinux.conf` on the card and boots Debian's kernel
/// with the upstream `apq8016-sbc.dtb` and a busybox initramfs; Linux brings all four CPUs up
/// through PSCI, reaches the shell on the console UART, answers typed commands (four
/// processors in /proc/cpuinfo, the generic timer's interrupt counting on each CPU in
/// /proc/interrupts, every CPU's PSCI power-collapse idle state used), and `poweroff -f`
/// releases PS_HOLD. It ends as a system reset, as it would on the board: Linux's PS_HOLD
/// driver only drops PS_HOLD, and the power key driver that would first set the PMIC's reset
/// type to shutdown never binds with Debian's kernel
/// (docs/hardware/ps-hold-reset.md#power-off-with-debians-bookworm-kernel). The same boot
/// twice is identical.
pub fn boots_to_a_shell(root: &Path) -> Result<()> {
    let card = crate::linux::prepare(root)?;
    let uboot = crate::uboot::bootable_image(root)?;
    let emu = crate::build::virtual_board(root)?;
    let mut command = Command::new(&emu);
    command.arg(&uboot).arg("--sd").arg(&card.image).args([
        "--max-instructions",
        "20000000000",
        "--stats",
    ]);
    for (prompt, text) in SESSION {
        command.args(["--send-after", prompt, text]);
    }
    let run = run(&mut command)?;
    run.console_has(r"Found /boot\.scr|Found U-Boot script /boot\.scr")?;
    run.console_has(r"Retrieving file: /boot/Image")?;
    run.console_has(r"Booting Linux on physical CPU 0x0000000000")?;
    run.console_has(r"Machine model: Qualcomm Technologies, Inc\. APQ 8016 SBC")?;
    run.console_has(r"smp: Brought up 1 node, 4 CPUs")?;
    run.console_has(r"Run /init as init process")?;
    run.console_has(r"initramfs: 4 CPUs online")?;
    let cpuinfo = after(&run.stdout, "cat /proc/cpuinfo")?;
    let processors = Regex::new(r"(?m)^processor\s*: (\d)")?
        .captures_iter(cpuinfo.split("/ # ").next().unwrap_or(""))
        .count();
    ensure!(
        processors == 4,
        "/proc/cpuinfo lists {processors} processors, not 4{}",
        run.context()
    );
    let interrupts = after(&run.stdout, "cat /proc/interrupts")?;
    ensure!(
        Regex::new(r"^\s*CPU0\s+CPU1\s+CPU2\s+CPU3")?
            .is_match(interrupts.trim_start_matches(['\r', '\n'])),
        "/proc/interrupts does not show four CPUs{}",
        run.context()
    );
    let timer = Regex::new(
        r"(?m)^\s*\d+:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+GIC-0\s+20 Level\s+arch_timer",
    )?
    .captures(interrupts)
    .with_context(|| format!("no arch_timer line in /proc/interrupts{}", run.context()))?;
    for cpu in 1..=4 {
        let count: u64 = timer[cpu].parse()?;
        ensure!(
            count > 0,
            "the generic timer's interrupt never came on CPU{}{}",
            cpu - 1,
            run.context()
        );
    }
    // PSCI CPU idle: every CPU entered the power-collapse state (CPU_SUSPEND, power-down)
    // while the shell waited.
    let idle = after(
        &run.stdout,
        "grep . /sys/devices/system/cpu/cpu*/cpuidle/state1/usage",
    )?;
    let idle = idle.split("/ # ").next().unwrap_or("");
    let usage: Vec<(u32, u64)> =
        Regex::new(r"(?m)^/sys/devices/system/cpu/cpu(\d)/cpuidle/state1/usage:(\d+)")?
            .captures_iter(idle)
            .map(|c| (c[1].parse().unwrap_or(9), c[2].parse().unwrap_or(0)))
            .collect();
    ensure!(
        usage.len() == 4 && usage.iter().all(|&(_, n)| n > 0),
        "not every CPU entered its PSCI idle state (cpuidle state1 usage: {usage:?}){}",
        run.context()
    );
    run.console_has(r"poweroff -f")?;
    run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: system reset")?;
    run.exit_code_is(0)?;
    let again = self::run(&mut command)?;
    ensure!(
        again.stdout == run.stdout && again.stderr == run.stderr,
        "two boots of Linux with the same card and input differ"
    );
    Ok(())
}

/// The console after the first `command` typed.
fn after<'a>(console: &'a str, command: &str) -> Result<&'a str> {
    console
        .split_once(command)
        .map(|(_, rest)| rest)
        .with_context(|| format!("`{command}` was never typed"))
}

fn run(command: &mut Command) -> Result<Run> {
    super::run_process_with_limit(command, LINUX_RUN_LIMIT)
}
