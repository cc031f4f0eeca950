//! Puts the board's linker script, `db410c.ld`, into OUT_DIR and on the link search path, so
//! a firmware binary links with `-Tdb410c.ld` (the examples' build script passes that).

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("db410c.ld"), include_bytes!("db410c.ld")).expect("write db410c.ld");
    println!("cargo::rustc-link-search={}", out.display());
    println!("cargo::rerun-if-changed=db410c.ld");
    println!("cargo::rerun-if-changed=build.rs");
}
