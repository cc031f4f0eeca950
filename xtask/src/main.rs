//! `cargo xtask`: the project's automation. See `cargo xtask --help`.
//!
//! Every command checks its prerequisites first (the Rust target, the Debian packages the
//! virtual board builds with) and installs what it can, or names the exact command to run.

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod bench;
mod book;
mod build;
mod checks;
mod coverage;
mod debian;
mod debug;
mod defmt_decode;
mod doc;
mod doc_examples;
mod elf_writer;
mod engine;
mod expected_output;
mod figures;
mod flash;
mod image;
mod lab;
mod lava;
mod linux;
mod monitor;
mod new_example;
mod prereq;
mod process;
mod progress;
mod regen;
mod sd_image;
mod session;
mod size;
mod suite;
mod svd_check;
mod uboot;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "DragonBoard 410c project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate pac/apq8016 from svd/apq8016.svd with svd2rust.
    Regen {
        /// Do not write: fail if the committed PAC differs from what the SVD generates.
        #[arg(long)]
        check: bool,
    },
    /// Build one firmware example (or all of them) for aarch64-unknown-none, release profile.
    Build {
        /// Example name (see `examples/`); all examples when omitted.
        example: Option<String>,
    },
    /// Build an example and run it on the virtual board; exits with the board's status, or 101
    /// when the firmware reported a panic, 102 when it reported an unexpected exception.
    Run {
        /// Example name (see `examples/`).
        example: String,
        /// Build with overflow checks and debug assertions on (profile `firmware-debug`, its own
        /// output directory; the release build is left as it is).
        #[arg(long)]
        debug: bool,
        /// Extra options for the virtual board (after `--`), e.g. `-- --trace gpio`.
        #[arg(last = true)]
        emu_args: Vec<String>,
    },
    /// Build an example, start it on the virtual board stopped before its first instruction
    /// with the GDB server on, and run GDB (`$GDB`, else `gdb-multiarch`) attached to it with
    /// the example's symbols.
    Debug {
        /// Example name (see `examples/`).
        example: String,
        /// Build with overflow checks and debug assertions on (profile `firmware-debug`).
        #[arg(long)]
        debug: bool,
        /// Extra options for the virtual board (after `--`).
        #[arg(last = true)]
        emu_args: Vec<String>,
    },
    /// Create a new example `examples/NAME.rs` from a small tutorial template, listed in
    /// `examples/Cargo.toml`, ready for `cargo xtask run NAME`.
    New {
        /// The example's name: snake_case ASCII, starting with a letter.
        name: String,
    },
    /// Build the firmware crates' documentation (PAC, HAL, board crate) and every example's page
    /// (its `//!` header) for the firmware target with rustdoc warnings denied, and an index
    /// page over both (crates, examples in book order with their chapters); prints its path.
    Doc,
    /// Build the book (mdBook, `book/`): refresh its generated chapters (one per example and
    /// per lab) and figures, build it into target/book/html with mdBook warnings as errors,
    /// check its links; prints the index page's path. Installs the pinned mdBook once per
    /// machine (cargo install).
    Book {
        /// Do not write: fail if a generated chapter or figure is stale.
        #[arg(long)]
        check: bool,
    },
    /// Build an example and wrap it in an Android boot image for the stock bootloader.
    Image {
        /// Example name (see `examples/`).
        example: String,
        /// Where to write the image (default: next to the ELF, `<name>.boot.img`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Build an example's boot image and boot it on a board in fastboot mode (USB).
    ///
    /// Uses `$FASTBOOT`, else `fastboot` from PATH. `--monitor PORT` then shows the board's
    /// console (115200 8N1) with defmt frames decoded.
    Flash {
        /// Example name (see `examples/`).
        example: String,
        /// Write the boot partition and reboot, instead of booting from RAM once.
        #[arg(long)]
        persist: bool,
        /// Print the fastboot commands instead of running them.
        #[arg(long)]
        dry_run: bool,
        /// The board's fastboot serial number, when several boards are in fastboot mode.
        #[arg(long)]
        serial: Option<String>,
        /// Then show the board's console from this serial port (e.g. /dev/ttyUSB0), decoding
        /// defmt frames like `cargo xtask run`.
        #[arg(long, value_name = "PORT")]
        monitor: Option<PathBuf>,
    },
    /// Write a LAVA job definition that runs an example on a lab's DragonBoard 410c.
    Lava {
        /// Example name (see `examples/`).
        example: String,
        /// Where to write the job (default: next to the boot image, `<name>.lava.yaml`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// URL the lab downloads the boot image from (default: a file:// URL of the built image).
        #[arg(long)]
        image_url: Option<String>,
    },
    /// Build every example and print its .text/.rodata/.data/.bss sizes in bytes.
    Size,
    /// Zero-cost check: compare the instructions of HAL and raw-PAC functions (the `zero_cost`
    /// example) and count instructions on the virtual board (no wall-clock timing).
    Bench {
        /// Instead, time the CPU speed loops (host time, some minutes) on the virtual board
        /// and, where `qemu-system-aarch64` is installed, on QEMU, with the ratios.
        #[arg(long)]
        cpu_speed: bool,
        /// With --cpu-speed: time this db410c-emu executable instead of building one (to
        /// compare two builds).
        #[arg(long, value_name = "PATH", requires = "cpu_speed")]
        emu: Option<PathBuf>,
    },
    /// Cargo runner for firmware ELFs (set in `.cargo/config.toml`): runs the ELF on the virtual
    /// board, or, with `DB410C_RUNNER=board`, builds its boot image and `fastboot boot`s it.
    Runner {
        /// The firmware ELF cargo built.
        elf: PathBuf,
        /// Arguments after the ELF (passed to the virtual board).
        args: Vec<String>,
    },
    /// Fetch Debian's U-Boot for this board (cached; apt checks it against Debian's signed
    /// index) and start it on the virtual board with the console on this terminal.
    Uboot {
        /// Extra options for the virtual board (after `--`).
        #[arg(last = true)]
        emu_args: Vec<String>,
    },
    /// Fetch Debian's arm64 kernel, its apq8016-sbc device tree and busybox-static, build an
    /// initramfs and an SD card image (target/linux/card.img), and boot it with Debian's U-Boot
    /// on the virtual board, console on this terminal. Work in progress: see the README status.
    Linux {
        /// Only build the card image and print its path.
        #[arg(long)]
        card_only: bool,
        /// Extra options for the virtual board (after `--`).
        #[arg(last = true)]
        emu_args: Vec<String>,
    },
    /// Run the examples' checks with code coverage recorded by the virtual board; write an
    /// lcov file and an HTML summary per crate (HAL, board crate) to target/coverage/.
    Coverage {
        /// Run only the example checks whose name contains this text (as `test --only`).
        #[arg(long)]
        only: Option<String>,
    },
    /// Graded lab exercises (labs/): list them, or build one, run it on the virtual board and
    /// say criterion by criterion what is right and what is not.
    Lab {
        #[command(subcommand)]
        command: LabCommand,
    },
    /// Draw the pinout, clock-tree, interrupt and crate-layer figures (docs/figures/*.svg) from
    /// the data the code uses and the Cargo manifests; optionally write the register browser
    /// (static HTML from the SVD).
    Figures {
        /// Do not write: fail if a tracked figure is stale, naming it.
        #[arg(long)]
        check: bool,
        /// Also write the register browser into this directory (prints its index page).
        #[arg(long, value_name = "OUT")]
        registers: Option<PathBuf>,
    },
    /// Everything CI runs: fmt, clippy, host tests, PAC freshness, examples on the virtual board.
    Test {
        /// Run only the steps whose name contains this text (e.g. `example`, `clippy`).
        #[arg(long)]
        only: Option<String>,
    },
}

#[derive(Subcommand)]
enum LabCommand {
    /// The labs, in course order, each with its task statement (labs/NAME/README.md).
    List,
    /// Build a lab (your labs/NAME/main.rs), run it on the virtual board and grade it; exits
    /// non-zero unless every criterion is met.
    Check {
        /// The lab's name (see `cargo xtask lab list`).
        name: String,
        /// Grade the reference solution instead of your work.
        #[arg(long)]
        reference: bool,
    },
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    let root = process::workspace_root()?;
    match cli.command {
        Command::Regen { check } => regen::run(&root, check).map(|()| ExitCode::SUCCESS),
        Command::Build { example } => {
            prereq::firmware(&root)?;
            let names = match example {
                Some(name) => vec![build::check_example_name(&root, &name)?],
                None => build::example_names(&root)?,
            };
            for elf in build::examples(&root, &names)? {
                println!("{}", elf.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            example,
            debug,
            emu_args,
        } => {
            let profile = if debug {
                build::Profile::FirmwareDebug
            } else {
                build::Profile::Release
            };
            session::run_example(&root, &example, profile, &emu_args)
        }
        Command::Debug {
            example,
            debug,
            emu_args,
        } => {
            let profile = if debug {
                build::Profile::FirmwareDebug
            } else {
                build::Profile::Release
            };
            debug::run(&root, &example, profile, &emu_args).map(|()| ExitCode::SUCCESS)
        }
        Command::Runner { elf, args } => session::cargo_runner(&root, &elf, &args),
        Command::Uboot { emu_args } => {
            prereq::virtual_board(&root)?;
            let uboot = uboot::bootable_image(&root)?;
            let emu = build::virtual_board(&root)?;
            let mut args = vec!["--stdin".to_owned()];
            args.extend(emu_args);
            session::run_on_board(&emu, &uboot, &args, None)
        }
        Command::Linux {
            card_only,
            emu_args,
        } => {
            prereq::virtual_board(&root)?;
            let card = linux::prepare(&root)?;
            for (package, version) in &card.versions {
                eprintln!("xtask: card holds Debian's {package} {version}");
            }
            if card_only {
                println!("{}", card.image.display());
                return Ok(ExitCode::SUCCESS);
            }
            let uboot = uboot::bootable_image(&root)?;
            let emu = build::virtual_board(&root)?;
            let mut args = vec![
                "--stdin".to_owned(),
                "--sd".to_owned(),
                card.image.display().to_string(),
                "--max-instructions".to_owned(),
                "1_000_000_000_000".to_owned(),
            ];
            args.extend(emu_args);
            session::run_on_board(&emu, &uboot, &args, None)
        }
        Command::New { name } => {
            let path = new_example::create(&root, &name)?;
            println!("{}", path.display());
            eprintln!(
                "xtask: created example `{name}` (and its [[example]] entry in \
                 examples/Cargo.toml); run it with `cargo xtask run {name}`; \
                 `cargo xtask book` gives it a chapter in the book"
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Figures { check, registers } => {
            figures::run(&root, check, registers.as_deref()).map(|()| ExitCode::SUCCESS)
        }
        Command::Doc => {
            prereq::firmware(&root)?;
            println!("{}", doc::run(&root)?.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Book { check } => {
            println!("{}", book::run(&root, check)?.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Image { example, out } => {
            let path = image::build_image(
                &root,
                &example,
                out.as_deref(),
                &progress::Progress::for_stderr(),
            )?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Flash {
            example,
            persist,
            dry_run,
            serial,
            monitor,
        } => {
            let options = flash::FlashOptions {
                persist,
                dry_run,
                serial,
                step_limit: None,
            };
            flash::run(&root, &example, &options, &progress::Progress::for_stderr())?;
            if let Some(port) = monitor {
                if dry_run {
                    println!("then: show the console of {} at 115200 8N1", port.display());
                } else {
                    let name = build::check_example_name(&root, &example)?;
                    let elf = build::examples(&root, &[name])?.remove(0);
                    monitor::run(&port, &elf)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Lava {
            example,
            out,
            image_url,
        } => {
            let progress = progress::Progress::for_stderr();
            let path = lava::run(
                &root,
                &example,
                out.as_deref(),
                image_url.as_deref(),
                &progress,
            )?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Size => {
            prereq::firmware(&root)?;
            print!("{}", size::run(&root)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { cpu_speed, emu } => {
            if cpu_speed {
                let (emu, engine) = match emu {
                    Some(path) => {
                        let engine = format!("as built into {}", path.display());
                        (path, engine)
                    }
                    None => {
                        prereq::virtual_board(&root)?;
                        (build::virtual_board(&root)?, engine::describe(&root))
                    }
                };
                print!("{}", bench::cpu_speed::speed(&root, &emu, &engine, 3)?);
                return Ok(ExitCode::SUCCESS);
            }
            prereq::firmware(&root)?;
            prereq::virtual_board(&root)?;
            print!("{}", bench::run(&root)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Coverage { only } => coverage::run(&root, only.as_deref()),
        Command::Lab { command } => match command {
            LabCommand::List => {
                print!("{}", lab::list());
                Ok(ExitCode::SUCCESS)
            }
            LabCommand::Check { name, reference } => lab::check(&root, &name, reference),
        },
        Command::Test { only } => suite::run(&root, only.as_deref()),
    }
}
