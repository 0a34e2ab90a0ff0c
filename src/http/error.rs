//! The HTTP error: a status and a JSON body that says what went wrong and where; never internals on a 5xx.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error as the API reports it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::Locked(_) => StatusCode::LOCKED,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The one place where store errors become HTTP: a missing record is 404, a duplicate or a lost race to
/// publish is 409, anything else is a fault (500).
impl From<crate::store::Error> for Error {
    fn from(e: crate::store::Error) -> Self {
        use crate::store::Error as Store;
        match e {
            Store::NotFound { .. } => Error::NotFound(e.to_string()),
            Store::Exists(_) | Store::Stale { .. } => Error::Conflict(e.to_string()),
            e => Error::Internal(e.into()),
        }
    }
}

impl From<crate::atlas::Error> for Error {
    fn from(e: crate::atlas::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Error::Internal(e) = &self {
            // The cause goes to the log, not to the client.
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        (status, Json(json!({ "error": { "status": status.as_u16(), "message": self.to_string() } }))).into_response()
    }
}

pub type Result<T> = std::result::Result<T, Error>;
