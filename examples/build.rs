//! Links every example with the board's linker script (`db410c.ld`, put on the search path by
//! the `db410c` crate's build script). `--nmagic` stops the linker from padding the file to
//! page boundaries between segments.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("aarch64") {
        println!("cargo::rustc-link-arg-examples=-Tdb410c.ld");
        println!("cargo::rustc-link-arg-examples=--nmagic");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
