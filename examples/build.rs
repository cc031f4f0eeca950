//! Links every example with the board's linker script (`db410c.ld`, put on the search path by
//! the `db410c` crate's build script). `--nmagic` stops the linker from padding the file to
//! page boundaries between segments.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("aarch64") {
        println!("cargo::rustc-link-arg-examples=-Tdb410c.ld");
        println!("cargo::rustc-link-arg-examples=--nmagic");
        // Feature `defmt` (defmt_hello, docs/defmt.md): defmt's sections (Cargo has no per-example
        // link args), and log level `info` unless DEFMT_LOG says otherwise.
        if std::env::var_os("CARGO_FEATURE_DEFMT").is_some() {
            println!("cargo::rustc-link-arg-examples=-Tdefmt.x");
            let level = std::env::var("DEFMT_LOG").unwrap_or_else(|_| "info".into());
            println!("cargo::rustc-env=DEFMT_LOG={level}");
        }
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=DEFMT_LOG");
}
