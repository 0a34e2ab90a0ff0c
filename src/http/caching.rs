//! Conditional GETs for answers that depend only on the store's revision and on how the caller is masked (role
//! and scope): layers as GeoJSON, vector tiles, TileJSON. That pair is the ETag, `If-None-Match` with it
//! answers 304 with no body, and responses vary by `Cookie` and `Authorization`. A phone on a slow line that
//! opens the map again fetches nothing when nothing changed.

use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};

use super::privacy::Access;

/// The ETag of what `access` gets at `revision`: the revision and a digest of the caller's masking (role and
/// scope) and of this build (a new version may encode differently).
pub fn etag(revision: i64, access: &Access) -> String {
    let v = access.viewer();
    let key = format!("{}|{}|{}", env!("CARGO_PKG_VERSION"), v.role, v.scope);
    let digest = hex::encode(&Sha256::digest(key.as_bytes())[..6]);
    format!("W/\"{revision}-{digest}\"")
}

/// Whether `If-None-Match` names `etag` (weak comparison, as for GET) or is `*`.
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

/// The caching headers of an answer at `revision` to `access`: kept `max_age` seconds when given (a URL that
/// names its revision), else revalidated every time; shared caches only for anonymous answers.
pub fn headers(revision: i64, access: &Access, max_age: Option<u32>) -> [(header::HeaderName, HeaderValue); 3] {
    let who = if access.viewer().actor == "anonymous" { "public" } else { "private" };
    let cache = match max_age {
        Some(s) => format!("{who}, max-age={s}"),
        None => format!("{who}, no-cache"),
    };
    [
        (header::ETAG, HeaderValue::from_str(&etag(revision, access)).expect("an ETag is a header value")),
        (header::CACHE_CONTROL, HeaderValue::from_str(&cache).expect("a header value")),
        (header::VARY, HeaderValue::from_static("Cookie, Authorization")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{Role, Scope};
    use crate::app::privacy::Viewer;

    #[test]
    fn etags_differ_by_revision_and_masking_and_match_weakly() {
        let anonymous = Access::anonymous();
        let gm = Access::new(Viewer { actor: "gm".into(), role: Role::GridManager, scope: "grids:610522001001001".parse().unwrap() });
        let admin = Access::new(Viewer { actor: "a".into(), role: Role::Admin, scope: Scope::County });
        let tags = [etag(5, &anonymous), etag(6, &anonymous), etag(5, &gm), etag(5, &admin)];
        assert!(tags.iter().enumerate().all(|(i, a)| tags[i + 1..].iter().all(|b| a != b)), "{tags:?}");
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&format!("\"x\", {}", tags[0].trim_start_matches("W/"))).unwrap());
        assert!(not_modified(&h, &tags[0]) && !not_modified(&h, &tags[1]));
    }
}
