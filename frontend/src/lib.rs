//! The browser entry point: a thin `cdylib` around `app::hydrate`, which hydrates the page's
//! islands (see `app`). Calling into `app` is also what links its islands into the WASM.

/// Called by the JS glue Leptos puts in the page once the WASM module is loaded; Leptos'
/// script then hydrates each `<leptos-island>` on the page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::hydrate();
}
