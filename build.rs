fn main() {
    // Only the addon build needs Node's link setup; the plain core links without it.
    if std::env::var_os("CARGO_FEATURE_NODE").is_some() {
        napi_build::setup();
    }
}
