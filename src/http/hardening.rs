//! Security headers on every response, and request body limits.
//!
//! The page is served whole from web/ (MapLibre vendored), so the content security policy allows only this
//! origin, plus the `blob:` workers MapLibre starts and the `data:`/`blob:` images it draws.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// The content security policy of every response.
pub const CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; \
    img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self'; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Largest request body an extractor accepts, bytes: JSON bodies are small. The web import's upload reads its
/// own body, up to [`crate::app::web_import::MAX_UPLOAD_BYTES`].
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// `router` with the headers and the body limit.
pub fn apply(router: Router) -> Router {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(set(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        .layer(set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
}
