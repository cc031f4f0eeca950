//! Links every lab binary with the board's linker script (`db410c.ld`, put on the search path
//! by the `db410c` crate's build script), as `examples/build.rs` does for the examples.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("aarch64") {
        println!("cargo::rustc-link-arg-bins=-Tdb410c.ld");
        println!("cargo::rustc-link-arg-bins=--nmagic");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
