//! The request's [`Access`] (attached by [`super::access::authorize`]) for handlers to extract; the policy
//! itself is [`crate::app::privacy`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
pub use crate::app::privacy::{Access, View, Viewer, mask_properties};

impl FromRequestParts<AppState> for Access {
    type Rejection = std::convert::Infallible;

    /// The access the authorisation middleware attached; anonymous if none (routes outside the table).
    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Access>().cloned().unwrap_or_else(Access::anonymous))
    }
}
