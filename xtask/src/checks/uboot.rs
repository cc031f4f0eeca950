//! Check of Debian's U-Boot on the virtual board (`cargo xtask uboot`).

use super::{LED1, run_process};
use anyhow::{Result, ensure};
use std::path::Path;
use std::process::Command;

/// The scripted U-Boot session: typed at the prompt, answers asserted.
/// `\w{N}` lets the line stay idle while U-Boot prints a long answer: like a person typing,
/// the script waits, so U-Boot's 64-byte receive FIFO never overflows.
const UBOOT_SESSION: &str = concat!(
    r"\rversion\r\w{2000000}gpio status -a\r\w{12000000}",
    r"gpio set 21\r\w{2000000}gpio clear 21\r\w{2000000}",
    r"led list\r\w{2000000}led green:user3 on\r\w{2000000}led list\r\w{2000000}",
    r"led green:user3 off\r\w{2000000}reset\r",
);

/// Debian's U-Boot boots to its prompt on the virtual board, and a scripted session works:
/// `version`, `gpio set/clear 21` (the model's LED1 pad follows), `led list`, and `reset`
/// ends the run through PSCI SYSTEM_RESET -> PS_HOLD. The same boot twice is identical.
pub fn session(root: &Path) -> Result<()> {
    let image = crate::uboot::bootable_image(root)?;
    let emu = crate::build::virtual_board(root)?;
    let args = [
        "--trace",
        "gpio",
        "--max-instructions",
        "2000000000",
        "--input-str",
        UBOOT_SESSION,
    ];
    let run = run_process(Command::new(&emu).arg(&image).args(args))?;
    run.console_has(r"U-Boot 2023\.01")?;
    run.console_has(r"Qualcomm-DragonBoard 410C")?;
    run.console_has(r"DRAM:  1 GiB")?;
    run.console_has(r"dragonboard410c => version\r?\nU-Boot 2023\.01")?;
    run.console_has(r"gpio set 21\r?\ngpio: pin 21 \(gpio 21\) value is 1")?;
    run.console_has(r"gpio clear 21\r?\ngpio: pin 21 \(gpio 21\) value is 0")?;
    run.console_has(r"gpio status -a\r?\nBank soc:\r?\nsoc0: input: 0 \[ \]")?;
    run.console_has(r"soc121: ")?;
    run.console_has(r"led list\r?\ngreen:user1 +<inactive>\r?\ngreen:user2 +<inactive>\r?\ngreen:user3 +<inactive>")?;
    run.console_has(
        r"led list\r?\ngreen:user1 +<inactive>\r?\ngreen:user2 +<inactive>\r?\ngreen:user3 +on",
    )?;
    // LED3 is driven by the PM8916's GPIO1 behind the SPMI arbiter.
    run.board_has(r"(?s)emu: t=\d+ pm8916-gpio1 high\n.*emu: t=\d+ pm8916-gpio1 low\n")?;
    run.console_has(r"dragonboard410c => reset")?;
    let led1: Vec<String> = run
        .gpio_trace()
        .into_iter()
        .filter(|(_, pin, _)| *pin == LED1)
        .map(|(_, _, level)| level)
        .collect();
    ensure!(
        led1.ends_with(&["high".to_owned(), "low".to_owned()]),
        "LED1 (GPIO 21) did not follow `gpio set`/`gpio clear`: {led1:?}{}",
        run.context()
    );
    run.ended_by_reset()?;
    let again = run_process(Command::new(&emu).arg(&image).args(args))?;
    ensure!(
        again.stdout == run.stdout && again.stderr == run.stderr,
        "two boots of U-Boot with the same input differ"
    );
    Ok(())
}
