use std::path::Path;

fn main() {
    // Tests that read the shared corpora (`../shared/corpora`, beside the clone) are built as
    // ignored when the corpora are absent, so that `cargo test` lists them as ignored, with the
    // reason, instead of reporting them as passed without running them.
    println!("cargo::rustc-check-cfg=cfg(sluice_corpora)");
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/README.md");
    if readme.is_file() {
        println!("cargo::rustc-cfg=sluice_corpora");
        // Watched only while it exists: cargo reruns the build script (and so rebuilds the
        // crate) on every build while a watched path is missing.
        println!("cargo::rerun-if-changed={}", readme.display());
    }
    println!("cargo::rerun-if-changed=build.rs");
    // Only the addon build needs Node's link setup; the plain core links without it.
    if std::env::var_os("CARGO_FEATURE_NODE").is_some() {
        napi_build::setup();
    }
}
