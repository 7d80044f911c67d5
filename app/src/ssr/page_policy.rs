//! The Content-Security-Policy of a rendered page. Leptos puts a fresh nonce on the inline
//! scripts it writes (the hydration loader, streamed resources); the policy allows scripts
//! from this site and with that nonce only, so an injected `<script>` or event handler does
//! not run. Sent as a header (a `<meta>` policy cannot say `frame-ancestors`).

use leptos::prelude::*;

/// The policy for a page whose inline scripts carry `nonce`. `'wasm-unsafe-eval'` lets the
/// browser compile the islands' WebAssembly; it does not allow `eval` of JavaScript. Styles
/// come only from the site's stylesheet, images only from the site.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// Sets the page's policy on the response being rendered (called by the shell).
pub fn send() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&page_csp(&nonce)) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::page_csp;

    #[test]
    fn scripts_need_the_nonce_and_nothing_inline_is_allowed() {
        let csp = page_csp("abc123");
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
