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

/// The scripted U-Boot session with a card in the µSD slot: select it, describe it, list and
/// load a file from its ext4 partition, then write a block and read it back.
const SD_SESSION: &str = concat!(
    r"\rmmc dev 1\r\w{3000000}mmc info\r\w{3000000}part list mmc 1\r\w{6000000}",
    r"ls mmc 1:1\r\w{20000000}load mmc 1:1 0x90000000 greeting.txt\r\w{20000000}",
    r"md.b 0x90000000 0x1c\r\w{3000000}",
    r"mw.b 0x91000000 0xa5 0x200\r\w{2000000}mmc write 0x91000000 0x10 1\r\w{6000000}",
    r"mmc read 0x92000000 0x10 1\r\w{6000000}md.b 0x92000000 0x10\r\w{3000000}reset\r",
);

/// What the card's file system holds for the check.
const GREETING: &[u8] = b"Hello from the SD card slot\n";

/// Debian's U-Boot finds the card in the µSD slot (SDHC2) of the virtual board: `mmc info`
/// reports a 4-bit high-speed high-capacity card of the image's size, `part list` and `ls`
/// read the MBR and the ext4 file system, `load` brings a file into RAM byte for byte, and a
/// block written with `mmc write` reads back while the image file on the host stays as it was
/// (no --sd-writable). The same run twice is identical.
pub fn sd_card(root: &Path) -> Result<()> {
    let image = crate::uboot::bootable_image(root)?;
    let emu = crate::build::virtual_board(root)?;
    let dir = crate::build::target_dir(root).join("sd-card-check");
    std::fs::create_dir_all(&dir)?;
    let card = dir.join("card.img");
    crate::sd_image::build(
        &card,
        "DB410C",
        16,
        &[
            crate::sd_image::CardFile {
                path: "greeting.txt",
                contents: GREETING,
            },
            crate::sd_image::CardFile {
                path: "extlinux/extlinux.conf",
                contents: b"# nothing to boot yet\n",
            },
        ],
    )?;
    let before = std::fs::read(&card)?;
    let mut command = Command::new(&emu);
    command.arg(&image).arg("--sd").arg(&card).args([
        "--max-instructions",
        "4000000000",
        "--input-str",
        SD_SESSION,
    ]);
    let run = run_process(&mut command)?;
    run.console_has(r"mmc dev 1\r?\nswitch to partitions #0, OK\r?\nmmc1 is current device")?;
    run.console_has(r"Device: sdhci@07864000")?;
    run.console_has(r"Mode: SD High Speed \(50MHz\)")?;
    run.console_has(r"High Capacity: Yes\r?\nCapacity: 17 MiB")?;
    run.console_has(r"Bus Width: 4-bit")?;
    run.console_has(r"Partition Map for MMC device 1  --   Partition Type: DOS")?;
    run.console_has(r"\n  1\s+2048\s+32768\s+[0-9a-f-]+\s+83 Boot")?;
    run.console_has(r"<DIR>\s+1024 extlinux")?;
    run.console_has(r"\n\s+28 greeting\.txt")?;
    run.console_has(r"28 bytes read in \d+ ms")?;
    run.console_has(
        r"90000000: 48 65 6c 6c 6f 20 66 72 6f 6d 20 74 68 65 20 53  Hello from the S",
    )?;
    run.console_has(r"MMC write: dev # 1, block # 16, count 1 \.\.\. 1 blocks written: OK")?;
    run.console_has(r"MMC read: dev # 1, block # 16, count 1 \.\.\. 1 blocks read: OK")?;
    run.console_has(r"92000000: a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5")?;
    run.board_has(r"emu: note: 1 SD card blocks written by the guest were kept in memory only")?;
    run.ended_by_reset()?;
    ensure!(
        std::fs::read(&card)? == before,
        "the card image changed although --sd-writable was not given"
    );
    let again = run_process(&mut command)?;
    ensure!(
        again.stdout == run.stdout && again.stderr == run.stderr,
        "two U-Boot runs with the same card and input differ"
    );
    Ok(())
}
