//! Privacy by default: people's names and phone numbers are masked in API output unless the request carries
//! `Authorization: Bearer <token>` equal to the token the server was started with (`gridmap serve --token`,
//! or `GRIDMAP_TOKEN`). A server started without a token masks every response.
//!
//! Masking rules (one place, so every endpoint masks alike):
//! - a name keeps its first character and hides each other one: `张三` → `张*`, `张三丰` → `张**`, `欧阳娜娜`
//!   → `欧***`; a one-character name becomes `*`. Only the surname and the length show.
//! - a phone number of 11 characters or more keeps the first three and last four (`13912341234` →
//!   `139****1234`); 7 to 10 characters keep three and two (`8123456` → `812**56`); 3 to 6 keep the first and
//!   the last; shorter ones show nothing.
//! - addresses, codes and counts are not masked: they are what a grid manager works from.
//!
//! Which properties are people's: [`PERSON_KEYS`] and [`is_phone_key`]. [`mask_properties`] masks a feature's
//! properties in place, for any endpoint that returns stored features.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use super::AppState;

/// Properties that hold a person's name, in any layer: householder (households), building or lane head
/// (units), community secretary, grid manager, group leader.
pub const PERSON_KEYS: [&str; 5] = ["head", "secretary", "manager", "leader", "contact"];

/// Whether a property holds a phone number: `phone`, `tel`, `mobile` or anything ending in `_phone`.
///
/// ```
/// use gridmap::http::privacy::is_phone_key;
/// assert!(is_phone_key("manager_phone") && is_phone_key("phone"));
/// assert!(!is_phone_key("phonetic"));
/// ```
pub fn is_phone_key(key: &str) -> bool {
    matches!(key, "phone" | "tel" | "mobile") || key.ends_with("_phone")
}

/// Masks a person's name: the first character stays, each other becomes `*`.
///
/// ```
/// use gridmap::http::privacy::mask_name;
/// assert_eq!(mask_name("张三"), "张*");
/// assert_eq!(mask_name("张三丰"), "张**");
/// assert_eq!(mask_name("欧阳娜娜"), "欧***");
/// assert_eq!(mask_name("王"), "*");
/// assert_eq!(mask_name(""), "");
/// ```
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    let n = name.chars().count();
    match n {
        0 => String::new(),
        1 => "*".into(),
        _ => name.chars().take(1).chain(std::iter::repeat_n('*', n - 1)).collect(),
    }
}

/// Masks a phone number: first three and last four characters kept from 11 characters up (`139****1234`),
/// three and two from 7 to 10, one and one from 3 to 6, nothing shown below 3.
///
/// ```
/// use gridmap::http::privacy::mask_phone;
/// assert_eq!(mask_phone("13912341234"), "139****1234");
/// assert_eq!(mask_phone("0913-1234567"), "091*****4567");
/// assert_eq!(mask_phone("8123456"), "812**56");
/// assert_eq!(mask_phone("1234"), "1**4");
/// assert_eq!(mask_phone("12"), "**");
/// ```
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        11.. => (3, 4),
        7..=10 => (3, 2),
        3..=6 => (1, 1),
        _ => (0, 0),
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

/// Masks every person's name and phone number among `props` (see [`PERSON_KEYS`], [`is_phone_key`]); other
/// properties are left alone, as are values that are not strings.
///
/// ```
/// use gridmap::http::privacy::mask_properties;
/// let mut p = serde_json::json!({"code": "H1", "head": "张三", "phone": "13912341234", "address": "三组12号"});
/// mask_properties(p.as_object_mut().unwrap());
/// assert_eq!(p, serde_json::json!({"code": "H1", "head": "张*", "phone": "139****1234", "address": "三组12号"}));
/// ```
pub fn mask_properties(props: &mut Map<String, Value>) {
    for (k, v) in props.iter_mut() {
        let Value::String(s) = v else { continue };
        if is_phone_key(k) {
            *s = mask_phone(s);
        } else if PERSON_KEYS.contains(&k.as_str()) {
            *s = mask_name(s);
        }
    }
}

/// The server's token, if it was started with one. Empty tokens are treated as none (nobody unlocks).
#[derive(Clone, Default)]
pub struct Token(Option<std::sync::Arc<[u8]>>);

impl Token {
    /// A token from the command line or environment (`None` or empty: masking for everyone).
    pub fn new(token: Option<&str>) -> Token {
        Token(token.map(str::trim).filter(|t| !t.is_empty()).map(|t| t.as_bytes().into()))
    }

    /// Whether `presented` is the token, compared in constant time (for equal lengths).
    ///
    /// ```
    /// use gridmap::http::privacy::Token;
    /// let t = Token::new(Some("s3cret"));
    /// assert!(t.matches("s3cret") && !t.matches("s3creT") && !t.matches(""));
    /// assert!(!Token::new(None).matches("") && !Token::new(Some("")).matches(""));
    /// ```
    pub fn matches(&self, presented: &str) -> bool {
        match &self.0 {
            Some(t) => bool::from(t.as_ref().ct_eq(presented.as_bytes())),
            None => false,
        }
    }

    /// Whether a token is configured at all.
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_set() { "Token(set)" } else { "Token(none)" })
    }
}

/// What a request may see: an extractor reading `Authorization: Bearer <token>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The request carried the server's token: names and phones in full.
    Full,
    /// Everyone else: names and phones masked.
    Masked,
}

impl Access {
    /// The access a request with these headers gets from a server holding `token`.
    pub fn from_headers(headers: &axum::http::HeaderMap, token: &Token) -> Access {
        let presented = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        match presented {
            Some(p) if token.matches(p) => Access::Full,
            _ => Access::Masked,
        }
    }

    /// Whether output is masked.
    pub fn masked(self) -> bool {
        self == Access::Masked
    }

    /// A person's name as this request may see it.
    pub fn name(self, s: &str) -> String {
        if self.masked() { mask_name(s) } else { s.to_string() }
    }

    /// A phone number as this request may see it.
    pub fn phone(self, s: &str) -> String {
        if self.masked() { mask_phone(s) } else { s.to_string() }
    }

    /// A feature's properties as this request may see them.
    pub fn properties(self, props: &Map<String, Value>) -> Map<String, Value> {
        let mut p = props.clone();
        if self.masked() {
            mask_properties(&mut p);
        }
        p
    }
}

impl FromRequestParts<AppState> for Access {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Access::from_headers(&parts.headers, state.token()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn bearer_header_unlocks_only_with_the_right_token() {
        let token = Token::new(Some("abc123"));
        let mut h = HeaderMap::new();
        assert_eq!(Access::from_headers(&h, &token), Access::Masked);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc124"));
        assert_eq!(Access::from_headers(&h, &token), Access::Masked);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc123"));
        assert_eq!(Access::from_headers(&h, &token), Access::Masked);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc123"));
        assert_eq!(Access::from_headers(&h, &token), Access::Full);
        assert_eq!(Access::from_headers(&h, &Token::new(None)), Access::Masked);
    }

    #[test]
    fn masks_every_person_key_in_every_layer() {
        let mut p = serde_json::json!({
            "secretary": "王秀兰", "secretary_phone": "13900000001", "manager": "李娜", "leader": "赵敏",
            "head_phone": "13900000004", "name": "南新社区", "members": 3, "head": null
        });
        mask_properties(p.as_object_mut().unwrap());
        assert_eq!(
            p,
            serde_json::json!({
                "secretary": "王**", "secretary_phone": "139****0001", "manager": "李*", "leader": "赵*",
                "head_phone": "139****0004", "name": "南新社区", "members": 3, "head": null
            })
        );
    }
}
