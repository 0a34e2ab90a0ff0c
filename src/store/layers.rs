//! The layers' role: the seven layers of a county, the change log and the revision that caches compare
//! against. Both backends implement it; [`super::AnyStore`] forwards to either.

use std::future::Future;

use super::error::{Error, Result};
use super::records::{AuditRecord, ChangeEntry, ChangeRecord};
use crate::model::{Dataset, Feature, Layer};

/// The layers, their change log and their revision.
pub trait LayerStore: Send + Sync {
    /// Every non-empty layer in the store.
    fn load(&self) -> impl Future<Output = Result<Dataset>> + Send {
        self.load_with(HouseholdProps::All)
    }

    /// [`LayerStore::load`], decoding the households' properties as `props` says.
    fn load_with(&self, props: HouseholdProps) -> impl Future<Output = Result<Dataset>> + Send;

    /// Replaces each layer present in `ds` by its features, in one transaction: all of it lands, or nothing.
    /// Two features with one code fail it with [`Error::Exists`].
    fn replace_layers(&self, ds: &Dataset) -> impl Future<Output = Result<()>> + Send;

    /// [`LayerStore::replace_layers`] with the import's audit entry in the same transaction.
    fn import_layers(&self, ds: &Dataset, audit: &AuditRecord) -> impl Future<Output = Result<()>> + Send;

    /// Updates existing features (matched by code) and appends `record` to the change log, in one
    /// transaction. A code that is not stored fails the whole write with [`Error::NotFound`].
    fn update_features(
        &self,
        layer: Layer,
        features: &[Feature],
        record: &ChangeRecord,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The newest change-log entries, newest first.
    fn changes(&self, limit: i64) -> impl Future<Output = Result<Vec<ChangeEntry>>> + Send;

    /// A number that grows with every committed write: what caches compare against.
    fn revision(&self) -> impl Future<Output = Result<i64>> + Send;

    /// A short description for logs ("GeoPackage data/gridmap.gpkg", "PostGIS 127.0.0.1:5432/gridmap").
    fn describe(&self) -> String;
}

/// Which of the households' properties a load decodes. Every other layer is always decoded whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HouseholdProps {
    /// Every property, as stored: the record.
    #[default]
    All,
    /// Only the roster's claims the checks read (the contract's required `code`, `grid_code`, `unit_code`,
    /// `village_code`): a million households' personal fields (address, head, phone, tags) are most of the
    /// load's time and memory, and a check never reads them.
    Roster,
}

impl HouseholdProps {
    /// The keys kept for `layer`, or None for all of them.
    fn keep(self, layer: Layer) -> Option<&'static [&'static str]> {
        match (self, layer) {
            (HouseholdProps::Roster, Layer::Households) => Some(Layer::Households.required_properties()),
            _ => None,
        }
    }
}

/// A stored row as read, before decoding: code, properties JSON text, geometry blob.
pub(crate) type RawRow = (String, String, Vec<u8>);

/// Decodes a layer's rows into features, in parallel on a blocking thread (a county of a million households is
/// a million JSON texts and blobs; reading them is one sequential SQL scan, decoding them need not be).
pub(crate) async fn decode_rows(layer: Layer, rows: Vec<RawRow>, geometry: GeometryCodec, props: HouseholdProps) -> Result<Vec<Feature>> {
    use rayon::prelude::*;
    let decode = move || {
        let mut rows = rows.into_iter();
        let chunks: Vec<Vec<RawRow>> =
            std::iter::from_fn(|| Some(rows.by_ref().take(8192).collect::<Vec<_>>()).filter(|c| !c.is_empty())).collect();
        let decoded: Vec<Vec<Feature>> =
            chunks.into_par_iter().map(|c| decode_chunk(layer, c, geometry, props)).collect::<Result<_>>()?;
        Ok(decoded.into_iter().flatten().collect())
    };
    tokio::task::spawn_blocking(decode).await.map_err(|e| Error::Geometry(format!("decoding {layer}: {e}")))?
}

/// A backend's geometry blob decoder.
pub(crate) type GeometryCodec = fn(&[u8]) -> Result<geo::Geometry<f64>>;

/// Decodes rows into features, in order.
pub(crate) fn decode_chunk(layer: Layer, rows: Vec<RawRow>, geometry: GeometryCodec, props: HouseholdProps) -> Result<Vec<Feature>> {
    let keep = props.keep(layer);
    rows.into_iter()
        .map(|(code, text, blob)| {
            let properties = match keep {
                None => parse_properties(layer.name(), &code, &text)?,
                Some(keys) => parse_properties_only(layer.name(), &code, &text, keys)?,
            };
            Ok(Feature { properties, geometry: geometry(&blob)?, code })
        })
        .collect()
}

/// Parses a stored properties JSON text back into an object.
pub(crate) fn parse_properties(layer: &str, code: &str, text: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::Corrupt { layer: layer.into(), code: code.into(), reason: "not an object".into() }),
        Err(e) => Err(Error::Corrupt { layer: layer.into(), code: code.into(), reason: e.to_string() }),
    }
}

/// Parses a stored properties JSON text, keeping only `keys` (in their stored order): the others are skipped
/// by the parser, never built into values.
pub(crate) fn parse_properties_only(layer: &str, code: &str, text: &str, keys: &[&str]) -> Result<serde_json::Map<String, serde_json::Value>> {
    use serde::Deserializer as _;
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Only(keys))
        .and_then(|m| de.end().map(|()| m))
        .map_err(|e| Error::Corrupt { layer: layer.into(), code: code.into(), reason: e.to_string() })
}

/// A JSON object's visitor that keeps the listed keys.
struct Only<'k>(&'k [&'k str]);

impl<'de> serde::de::Visitor<'de> for Only<'_> {
    type Value = serde_json::Map<String, serde_json::Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> std::result::Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(Key(k)) = m.next_key::<Key<'de>>()? {
            if self.0.contains(&&*k) {
                // A repeated key keeps its last value, as a whole parse does.
                out.insert(k.into_owned(), m.next_value()?);
            } else {
                m.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// An object key, borrowed from the text unless it has escapes (no allocation for a key that is skipped).
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roster_parse_keeps_the_listed_keys_exactly() {
        let text = r#"{"code":"h1","address":"潼关县\u57ce关","grid_code":"610522001001001","tags":["elderly_alone",{"a":[1,2]}],"members":3,"unit_code":null,"village_code":"x\"y","grid_code":"last"}"#;
        let full = parse_properties("households", "h1", text).unwrap();
        let keys = Layer::Households.required_properties();
        let only = parse_properties_only("households", "h1", text, keys).unwrap();
        let want: serde_json::Map<String, serde_json::Value> =
            full.iter().filter(|(k, _)| keys.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(only, want);
        assert_eq!(only["grid_code"], "last");
        assert_eq!(only.keys().collect::<Vec<_>>(), ["code", "grid_code", "unit_code", "village_code"]);
    }

    #[test]
    fn a_roster_parse_refuses_what_a_whole_parse_refuses() {
        let keys = Layer::Households.required_properties();
        for bad in ["[1]", "{\"code\":", "{} x", "\"s\""] {
            assert!(parse_properties("households", "h1", bad).is_err(), "{bad}");
            let e = parse_properties_only("households", "h1", bad, keys).unwrap_err();
            assert!(matches!(e, Error::Corrupt { .. }), "{bad}: {e}");
        }
    }
}
