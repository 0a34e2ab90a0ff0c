//! Walking a GeoJSON document one feature at a time. Reading a layer file this way holds one feature's JSON tree
//! at a time, never the whole document's: the tree of a 200 MB file takes some 2 GB, more than ten times the
//! features it holds once they are read.
//!
//! serde_json's `StreamDeserializer` reads a sequence of top-level values, not the elements of a member, so the
//! walk is a small `serde` visitor: the `features` array is visited element by element, every other top-level
//! member (`type`, `crs`, `name`, and a lone Feature's `properties` and `geometry`) is kept as a value.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a walk stopped.
#[derive(Debug)]
pub enum WalkError<E> {
    /// The text is not JSON, or its top level is not an object, or `features` is not an array.
    Json(serde_json::Error),
    /// The feature callback refused a feature.
    Stopped(E),
}

/// What the top level holds besides its features.
#[derive(Debug, Default)]
pub struct TopLevel {
    /// Every top-level member except `features`, in file order.
    pub members: Map<String, Value>,
    /// Whether a `features` array was there.
    pub has_features: bool,
}

/// Walks the document `de` reads. `on_feature` gets the top-level members seen so far (the `crs` or `type`
/// written before the features), the feature's index and the feature; an `Err` from it stops the walk.
pub fn walk<'de, R, E, F>(de: &mut serde_json::Deserializer<R>, mut on_feature: F) -> Result<TopLevel, WalkError<E>>
where
    R: serde_json::de::Read<'de>,
    F: FnMut(&Map<String, Value>, usize, Value) -> Result<(), E>,
{
    let mut top = TopLevel::default();
    let mut stopped = None;
    let mut next_index = 0;
    let visited = de.deserialize_map(Top { top: &mut top, on_feature: &mut on_feature, stopped: &mut stopped, next_index: &mut next_index });
    if let Some(e) = stopped {
        return Err(WalkError::Stopped(e));
    }
    visited.and_then(|()| de.end()).map_err(WalkError::Json)?;
    Ok(top)
}

struct Top<'a, F, E> {
    top: &'a mut TopLevel,
    on_feature: &'a mut F,
    stopped: &'a mut Option<E>,
    next_index: &'a mut usize,
}

impl<'de, F, E> Visitor<'de> for Top<'_, F, E>
where
    F: FnMut(&Map<String, Value>, usize, Value) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "features" {
                self.top.has_features = true;
                map.next_value_seed(Features {
                    members: &self.top.members,
                    on_feature: &mut *self.on_feature,
                    stopped: &mut *self.stopped,
                    next_index: &mut *self.next_index,
                })?;
            } else {
                let v: Value = map.next_value()?;
                self.top.members.insert(key, v);
            }
        }
        Ok(())
    }
}

struct Features<'a, F, E> {
    members: &'a Map<String, Value>,
    on_feature: &'a mut F,
    stopped: &'a mut Option<E>,
    next_index: &'a mut usize,
}

impl<'de, F, E> DeserializeSeed<'de> for Features<'_, F, E>
where
    F: FnMut(&Map<String, Value>, usize, Value) -> Result<(), E>,
{
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F, E> Visitor<'de> for Features<'_, F, E>
where
    F: FnMut(&Map<String, Value>, usize, Value) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of GeoJSON features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(feature) = seq.next_element::<Value>()? {
            let index = *self.next_index;
            *self.next_index += 1;
            if let Err(e) = (self.on_feature)(self.members, index, feature) {
                *self.stopped = Some(e);
                // The message is never shown: `walk` returns the callback's own error instead.
                return Err(de::Error::custom("stopped by the feature callback"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a walk returned, and each feature it saw: its index, whether `crs` came before it, the feature.
    type Walked = (Result<TopLevel, WalkError<String>>, Vec<(usize, bool, Value)>);

    fn walk_str(text: &str) -> Walked {
        let mut seen = Vec::new();
        let mut de = serde_json::Deserializer::from_str(text);
        let r = walk(&mut de, |members, i, f: Value| {
            if f.get("stop").is_some() {
                return Err(format!("refused #{i}"));
            }
            seen.push((i, members.contains_key("crs"), f));
            Ok(())
        });
        (r, seen)
    }

    #[test]
    fn features_come_one_by_one_with_the_members_written_before_them() {
        let (r, seen) = walk_str(r#"{"type":"FeatureCollection","crs":{"x":1},"features":[{"a":1},{"a":2}],"name":"n"}"#);
        let top = r.unwrap();
        assert!(top.has_features);
        assert_eq!(top.members.keys().collect::<Vec<_>>(), ["type", "crs", "name"]);
        assert_eq!(seen.iter().map(|(i, crs, f)| (*i, *crs, f["a"].as_i64().unwrap())).collect::<Vec<_>>(), [(0, true, 1), (1, true, 2)]);
    }

    #[test]
    fn a_refusal_stops_the_walk_and_bad_json_says_where() {
        let (r, seen) = walk_str(r#"{"features":[{"a":1},{"stop":1},{"a":3}]}"#);
        assert!(matches!(r, Err(WalkError::Stopped(ref e)) if e == "refused #1"));
        assert_eq!(seen.len(), 1);
        let (r, _) = walk_str(r#"{"features":[{"a":1}"#);
        assert!(matches!(r, Err(WalkError::Json(ref e)) if e.is_eof()));
        let (r, _) = walk_str(r#"[1,2]"#);
        assert!(matches!(r, Err(WalkError::Json(ref e)) if e.to_string().contains("a GeoJSON object")));
        let (r, _) = walk_str(r#"{"features":"x"}"#);
        assert!(matches!(r, Err(WalkError::Json(ref e)) if e.to_string().contains("array of GeoJSON features")));
        let (r, _) = walk_str(r#"{"features":[]} trailing"#);
        assert!(matches!(r, Err(WalkError::Json(_))));
    }
}
