//! The browser entry point: hydrates the server-rendered page with the same `app::App`.

/// Called by the JS glue cargo-leptos generates once the WASM module is loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
