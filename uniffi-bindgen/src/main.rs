//! `uniffi-bindgen`: generates the Python, Kotlin and Swift sources of `amer-bindings` from the
//! built library (library mode), e.g.
//! `cargo run -p uniffi-bindgen -- generate target/debug/libamer_bindings.so --language kotlin --out-dir out`.
//! maturin finds this binary in the workspace and uses it for the Python package.

fn main() {
    uniffi::uniffi_bindgen_main()
}
