//! The HTTP error: a status and one JSON body format, `{"error": {"status", "message", ...}}`, that says what
//! went wrong and where; never internals on a 5xx. Every error the API answers has this body, the publish
//! 422 (with its `unacknowledged` defects beside the message) and the JSON body extractor's included.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

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
    /// 429 with `Retry-After: retry_after_s`.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_s: u64 },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    /// A 422 whose body carries more than the message: `fields` go beside `status` and `message` (e.g.
    /// `unacknowledged`, the defects a publication still has to fix or acknowledge).
    #[error("{message}")]
    UnprocessableWith { message: String, fields: Map<String, Value> },
    /// 502: a service the server fetches from failed (the 天地图 tile server).
    #[error("{0}")]
    BadGateway(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::Locked(_) => StatusCode::LOCKED,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Unprocessable(_) | Error::UnprocessableWith { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The one error body: `{"error": {"status", "message", ...fields}}`.
    pub fn body(&self) -> Value {
        let status = self.status();
        let mut error = Map::new();
        if let Error::UnprocessableWith { fields, .. } = self {
            error.extend(fields.clone());
        }
        error.insert("status".into(), status.as_u16().into());
        error.insert("message".into(), self.to_string().into());
        json!({ "error": error })
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

impl From<crate::app::Error> for Error {
    fn from(e: crate::app::Error) -> Self {
        use crate::app::Error as App;
        match e {
            App::BadInput(m) => Error::BadRequest(m),
            App::Invalid(m) | App::WeakPassword(m) => Error::Unprocessable(m),
            App::NotFound(m) => Error::NotFound(m),
            App::WrongCredentials => Error::Unauthorized(e.to_string()),
            App::Locked => Error::Locked(e.to_string()),
            App::Throttled(s) => Error::TooManyRequests { message: e.to_string(), retry_after_s: s },
            App::WrongPassword => Error::Forbidden(e.to_string()),
            App::OutOfScope(m) => Error::Forbidden(m),
            App::Store(e) => e.into(),
            App::OpenStore(e) => Error::Internal(e.into()),
            App::Atlas(e) => e.into(),
            App::Upstream(m) => Error::BadGateway(m),
            App::Internal(m) => Error::Internal(anyhow::anyhow!(m)),
        }
    }
}

impl From<crate::app::plans::Error> for Error {
    fn from(e: crate::app::plans::Error) -> Self {
        use crate::app::plans::Error as E;
        match e {
            E::NotFound(m) => Error::NotFound(m),
            E::OutOfScope(m) => Error::Forbidden(m),
            E::BadInput(m) => Error::BadRequest(m),
            E::Refused(m) => Error::Unprocessable(m),
            E::Conflict(m) | E::Stale(m) => Error::Conflict(m),
            E::Unacknowledged(ref defects) => {
                let listed: Vec<Value> = defects
                    .iter()
                    .map(|d| json!({ "id": d.id, "kind": d.kind, "codes": d.codes, "message": d.message }))
                    .collect();
                let mut fields = Map::new();
                fields.insert("unacknowledged".into(), listed.into());
                Error::UnprocessableWith { message: e.to_string(), fields }
            }
            E::Store(s) => s.into(),
            E::Internal(i) => Error::Internal(i),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Error::Internal(e) = &self {
            // The cause goes to the log, not to the client.
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        if let Error::TooManyRequests { retry_after_s, .. } = &self {
            let retry = [(axum::http::header::RETRY_AFTER, retry_after_s.to_string())];
            return (status, retry, Json(self.body())).into_response();
        }
        (status, Json(self.body())).into_response()
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_one_body_format() {
        assert_eq!(
            Error::NotFound("plan 9 does not exist".into()).body(),
            json!({ "error": { "status": 404, "message": "plan 9 does not exist" } })
        );
        let mut fields = Map::new();
        fields.insert("unacknowledged".into(), json!([{ "id": "grid_underloaded:1" }]));
        // Fields beside the message cannot replace the status or the message.
        fields.insert("status".into(), json!(200));
        let e = Error::UnprocessableWith { message: "1 defect(s)".into(), fields };
        assert_eq!(
            e.body(),
            json!({ "error": { "status": 422, "message": "1 defect(s)", "unacknowledged": [{ "id": "grid_underloaded:1" }] } })
        );
        assert_eq!(Error::Internal(anyhow::anyhow!("password hash of x")).body()["error"]["message"], "internal error");
    }
}
