//! `cargo xtask`: the project's automation. See `cargo xtask --help`.

use anyhow::Result;
use clap::{Parser, Subcommand};

mod regen;

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
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    match cli.command {
        Command::Regen { check } => regen::run(&root, check),
    }
}

/// The workspace root (the parent of this crate's directory).
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
