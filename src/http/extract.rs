//! The API's extractors for what a request carries: a JSON body, a query string, path parameters. Each
//! refuses bad input with an [`Error`] in the one error body format, saying what is wrong and where (axum's
//! own rejections answer in plain text).
//!
//! A JSON body is refused with
//! - 415 without `Content-Type: application/json` (which a cross-site form cannot send);
//! - 400 when it is not JSON (with the line and column), or names a field the route does not take (often one
//!   the server decides itself, such as an author);
//! - 422 when it is JSON of the wrong shape: a field missing, or of the wrong type or value (with the field's
//!   path, line and column);
//! - 413 beyond the body limit ([`super::hardening::MAX_BODY_BYTES`]).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::Error;

/// A JSON request body of type `T`.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

/// The cause of a rejection without axum's preamble: for a JSON body, the field's path, what is wrong with it
/// and the line and column.
fn cause(e: &dyn std::error::Error) -> String {
    e.source().map_or_else(|| e.to_string(), |s| s.to_string())
}

fn json_rejection(e: JsonRejection) -> Error {
    match &e {
        JsonRejection::MissingJsonContentType(_) => {
            Error::UnsupportedMediaType("请求体须为 JSON (request body: expected Content-Type: application/json)".into())
        }
        JsonRejection::JsonSyntaxError(s) => Error::BadRequest(format!("请求体不是有效的 JSON (request body is not JSON): {}", cause(s))),
        // serde's wording for a field the type does not have (`deny_unknown_fields`).
        JsonRejection::JsonDataError(d) if cause(d).contains("unknown field") => {
            Error::BadRequest(format!("请求体含有不接受的字段 (request body: {})", cause(d)))
        }
        JsonRejection::JsonDataError(d) => Error::Unprocessable(format!("请求体字段有误 (request body: {})", cause(d))),
        JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Error::PayloadTooLarge(format!("请求体过大 (request body: {})", b.body_text()))
        }
        _ => Error::BadRequest(format!("请求体有误 (request body: {})", e.body_text())),
    }
}

/// A query string of type `T`.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(Error::BadRequest(format!("查询参数有误 (query string: {})", cause(&e)))),
            Err(e) => Err(Error::BadRequest(format!("查询参数有误 (query string: {})", e.body_text()))),
        }
    }
}

/// Path parameters of type `T`.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            // A route declared without the parameters its handler takes: a bug, not the caller's.
            Err(e) if e.status().is_server_error() => Err(Error::Internal(anyhow::anyhow!("path parameters: {}", e.body_text()))),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(Error::BadRequest(format!("路径参数有误 (path: {})", e.body_text()))),
            Err(e) => Err(Error::BadRequest(format!("路径参数有误 (path: {})", e.body_text()))),
        }
    }
}
