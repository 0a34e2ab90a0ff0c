//! The web import: a file uploaded once, previewed as often as the person changes the CRS or the column mapping,
//! then committed (one transaction with its audit entry) or cancelled, with nothing stored until the commit.
//!
//! A county admin imports a whole layer. A planner or secretary with a town or community scope imports the part of
//! a layer in their scope: every feature must lie in it (by the parent code it names), and the stored features
//! outside it are kept, so a community's new grids replace only that community's grids.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Map, Value};

use super::accounts::Actor;
use super::error::{Error, Result};
use super::import::{Allow, write_checked_over};
use super::import_source::{Options, Report, Staged, stage, with_hint};
use crate::accounts::role::Scope;
use crate::model::crs::InputCrs;
use crate::model::geojson_io::feature_json;
use crate::model::{Feature, Layer};
use crate::store::{AnyStore, LayerStore};

/// The largest file the web import takes (a county's households as a Shapefile zip are a few tens of MB).
pub const MAX_UPLOAD_BYTES: u64 = 200 << 20;
/// How long an upload waits for its commit before it is removed.
const KEEP: Duration = Duration::from_secs(2 * 3600);
/// Extensions an upload may have (what [`crate::import::source::detect`] reads; a Shapefile comes zipped,
/// since its siblings cannot follow one file).
const EXTENSIONS: &[&str] = &["geojson", "json", "zip", "kml", "kmz", "gpkg", "dxf", "csv", "txt", "xlsx", "xlsm"];

/// One uploaded file, waiting in the server's temporary directory.
struct Upload {
    owner: String,
    layer: Layer,
    file_name: String,
    path: PathBuf,
    at: Instant,
}

/// Every waiting upload.
pub struct Uploads {
    dir: tempfile::TempDir,
    next: Mutex<(u64, HashMap<u64, Upload>)>,
}

impl Default for Uploads {
    fn default() -> Self {
        Uploads { dir: tempfile::tempdir().expect("a temporary directory for uploads"), next: Mutex::new((1, HashMap::new())) }
    }
}

/// What the person chose in the form: the CRS (where the file declares none, or declares it wrongly) and the
/// column mapping (source column → property, `lon`/`lat`).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choices {
    /// wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN
    pub crs: Option<String>,
    /// 源列 → 属性 (source column → property)
    #[serde(default)]
    pub map: std::collections::BTreeMap<String, String>,
    /// 按门牌地址匹配的花名册: 只导入已定位的行 (a roster placed by address: store the rows placed)
    #[serde(default)]
    pub placed_only: bool,
}

/// One problem of a preview, located where the pipeline says where.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub message: String,
    /// The feature the problem is about, when it names one of the file's.
    pub code: Option<String>,
    /// Where, lon/lat, when the problem gives a point.
    pub at: Option<[f64; 2]>,
}

/// What the page shows before the commit.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub id: u64,
    pub file_name: String,
    #[schema(value_type = String)]
    pub layer: Layer,
    /// Whether the commit would succeed as chosen.
    pub ok: bool,
    /// The file declares no CRS: the page asks for one.
    pub needs_crs: bool,
    pub format: String,
    pub crs: String,
    pub encoding: String,
    /// Every source column → the property it fills.
    pub mapping: Vec<(String, String)>,
    pub located_parents: usize,
    pub generated_codes: usize,
    /// What a person should check (never changed by the import).
    pub flags: Vec<String>,
    pub problems: Vec<Problem>,
    /// Roster rows by address: placed, ambiguous and unmatched counts.
    pub matched: Option<Value>,
    /// The features as they would be stored (lon/lat), for the map.
    #[schema(value_type = Object)]
    pub features: Value,
    /// Stored features of the layer the commit replaces, and those it keeps (outside the caller's scope).
    pub replaces: usize,
    pub keeps: usize,
}

/// Who is importing: the audit's actor and address, and the scope their import is held to.
pub struct Importer {
    pub actor: Actor,
    pub scope: Scope,
}

impl Uploads {
    /// A fresh path to write an upload named `file_name` to, refusing what the import cannot read.
    pub fn file_for(&self, file_name: &str) -> Result<PathBuf> {
        let ext = Path::new(file_name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        if !EXTENSIONS.contains(&ext.as_str()) {
            let hint = if matches!(ext.as_str(), "shp" | "dbf" | "shx" | "prj") { "Shapefile 请把 .shp .dbf .shx .prj .cpg 一起压缩为 .zip 再上传；" } else { "" };
            return Err(Error::BadInput(format!(
                "{file_name}: 不支持的文件类型 .{ext}。{hint}可上传 {}（unsupported file type）",
                EXTENSIONS.join(" ")
            )));
        }
        let mut next = self.next.lock().expect("uploads lock");
        next.0 += 1;
        let n = next.0;
        Ok(self.dir.path().join(format!("upload-{n}.{ext}")))
    }

    /// Registers a file written at `path` (from [`Uploads::file_for`]) for `owner`; removes expired uploads.
    pub fn register(&self, owner: &str, layer: Layer, file_name: &str, path: PathBuf) -> u64 {
        let mut next = self.next.lock().expect("uploads lock");
        next.1.retain(|_, u| {
            let keep = u.at.elapsed() < KEEP;
            if !keep {
                let _ = std::fs::remove_file(&u.path);
            }
            keep
        });
        next.0 += 1;
        let id = next.0;
        next.1.insert(id, Upload { owner: owner.into(), layer, file_name: file_name.into(), path, at: Instant::now() });
        id
    }

    /// Upload `id` of `owner`: its layer, name and file.
    fn get(&self, id: u64, owner: &str) -> Result<(Layer, String, PathBuf)> {
        let next = self.next.lock().expect("uploads lock");
        match next.1.get(&id) {
            Some(u) if u.owner == owner => Ok((u.layer, u.file_name.clone(), u.path.clone())),
            _ => Err(Error::NotFound(format!("没有编号为 {id} 的待导入文件，或已过期、已取消（no upload {id}）"))),
        }
    }

    /// Removes upload `id` of `owner` and its file.
    pub fn cancel(&self, id: u64, owner: &str) -> Result<()> {
        self.get(id, owner)?;
        let mut next = self.next.lock().expect("uploads lock");
        if let Some(u) = next.1.remove(&id) {
            let _ = std::fs::remove_file(&u.path);
        }
        Ok(())
    }

    /// The preview of upload `id` as `choices` read it.
    pub async fn preview(&self, store: &AnyStore, id: u64, who: &Importer, choices: &Choices) -> Result<Preview> {
        let (layer, file_name, path) = self.get(id, &who.actor.name)?;
        let opts = options(choices)?;
        let mut p = Preview {
            id,
            file_name,
            layer,
            ok: false,
            needs_crs: false,
            format: String::new(),
            crs: String::new(),
            encoding: String::new(),
            mapping: Vec::new(),
            located_parents: 0,
            generated_codes: 0,
            flags: Vec::new(),
            problems: Vec::new(),
            matched: None,
            features: serde_json::json!({"type": "FeatureCollection", "features": []}),
            replaces: 0,
            keeps: 0,
        };
        let staged = match stage(store, &path, layer, &opts).await {
            Ok(s) => s,
            Err(e @ (Error::BadInput(_) | Error::Invalid(_))) => {
                let text = e.to_string();
                p.needs_crs = text.contains(crate::import::crs::CHOICES);
                p.problems = problems(&text, layer, &[]);
                return Ok(p);
            }
            Err(e) => return Err(e),
        };
        fill(&mut p, &staged.report);
        let features = staged.ds.get(layer);
        p.features = Value::Object(collection(features));
        let outside = out_of_scope(layer, features, &who.scope);
        if !outside.is_empty() {
            p.problems = outside.into_iter().map(|(code, message)| Problem { message, code: Some(code), at: None }).collect();
            return Ok(p);
        }
        let stored = store.load().await?;
        let (merged, replaces, keeps) = merged(&stored, layer, staged.ds.clone(), &who.scope);
        p.replaces = replaces;
        p.keeps = keeps;
        let allow = Allow { outside: false, replace_all: false };
        match write_checked_over(store, &stored, merged, &path, &who.actor, true, allow).await.map_err(|e| with_hint(&staged.hint, e)) {
            Ok(()) => p.ok = true,
            Err(e @ (Error::BadInput(_) | Error::Invalid(_))) => p.problems = problems(&e.to_string(), layer, features),
            Err(e) => return Err(e),
        }
        Ok(p)
    }

    /// Writes upload `id` as `choices` read it (checked again: the store may have moved since the preview), then
    /// removes the upload. Returns the report.
    pub async fn commit(&self, store: &AnyStore, id: u64, who: &Importer, choices: &Choices) -> Result<Report> {
        let (layer, _, path) = self.get(id, &who.actor.name)?;
        let opts = options(choices)?;
        let Staged { ds, mut report, hint } = stage(store, &path, layer, &opts).await?;
        let outside = out_of_scope(layer, ds.get(layer), &who.scope);
        if let Some((_, first)) = outside.first() {
            return Err(Error::OutOfScope(format!("{first}（共 {} 个要素超出范围）", outside.len())));
        }
        let stored = store.load().await?;
        let (merged, _, _) = merged(&stored, layer, ds, &who.scope);
        let allow = Allow { outside: false, replace_all: false };
        write_checked_over(store, &stored, merged, &path, &who.actor, false, allow).await.map_err(|e| with_hint(&hint, e))?;
        report.written = true;
        self.cancel(id, &who.actor.name)?;
        Ok(report)
    }
}

fn options(choices: &Choices) -> Result<Options> {
    let crs = match choices.crs.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(c.parse::<InputCrs>().map_err(|e| Error::BadInput(format!("坐标系 {c}: {e}")))?),
        None => None,
    };
    Ok(Options {
        crs,
        map: choices.map.iter().filter(|(s, d)| !d.trim().is_empty() && s != d).map(|(s, d)| (s.clone(), d.trim().to_string())).collect(),
        placed_only: choices.placed_only,
        ..Options::default()
    })
}

fn fill(p: &mut Preview, r: &Report) {
    p.format = r.format.clone();
    p.crs = r.crs.clone();
    p.encoding = r.encoding.clone();
    p.mapping = r.mapping.clone();
    p.located_parents = r.located_parents.len();
    p.generated_codes = r.generated_codes.len();
    p.flags = r.flags.clone();
    p.matched = r.matched.as_ref().map(|m| {
        serde_json::json!({
            "rows": m.rows, "placed": m.placed_rows(),
            "ambiguous": m.ambiguous.iter().map(|(row, addr, c)| serde_json::json!({
                "row": row, "address": addr,
                "candidates": c.iter().map(|c| serde_json::json!({"code": c.code, "score": c.score})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "unmatched": m.unmatched.iter().map(|(row, addr)| serde_json::json!({"row": row, "address": addr})).collect::<Vec<_>>(),
        })
    });
}

fn collection(features: &[Feature]) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), "FeatureCollection".into());
    m.insert("features".into(), Value::Array(features.iter().map(feature_json).collect()));
    m
}

/// The parent code a scope is judged by, per layer (household and unit codes do not carry their grid's).
fn scope_key(layer: Layer) -> Option<&'static str> {
    match layer {
        Layer::Grids | Layer::Addresses => Some("community_code"),
        Layer::Units | Layer::Households => Some("grid_code"),
        Layer::Communities | Layer::Villages => Some("town_code"),
        Layer::Towns | Layer::County => None,
    }
}

/// The code prefix of what `scope` may import (None: everything).
fn scope_prefix(scope: &Scope) -> Option<&str> {
    match scope {
        Scope::County => None,
        Scope::Town(t) => Some(t),
        Scope::Community(c) => Some(c),
        // Grid managers do not import; a scope of grids holds nothing whole.
        Scope::Grids(_) => Some("\u{0}"),
    }
}

fn in_scope(layer: Layer, f: &Feature, prefix: &str) -> bool {
    scope_key(layer).and_then(|k| f.nonempty_prop(k)).is_some_and(|c| c.starts_with(prefix))
}

/// Features outside the caller's scope: (code, why), Chinese first.
fn out_of_scope(layer: Layer, features: &[Feature], scope: &Scope) -> Vec<(String, String)> {
    let Some(prefix) = scope_prefix(scope) else { return Vec::new() };
    features
        .iter()
        .filter(|f| !in_scope(layer, f, prefix))
        .map(|f| {
            let key = scope_key(layer).unwrap_or("code");
            (f.code.clone(), format!("{} {}: {key} 不在您的管理范围 {prefix} 内，只能导入本范围的{}（outside your scope）", layer, f.code, layer.name()))
        })
        .collect()
}

/// The layer as the commit writes it: for a scoped caller, the stored features outside the scope kept beside the
/// imported ones. Returns it with the counts of stored features replaced and kept.
fn merged(stored: &crate::model::Dataset, layer: Layer, mut ds: crate::model::Dataset, scope: &Scope) -> (crate::model::Dataset, usize, usize) {
    let stored = stored.get(layer);
    let Some(prefix) = scope_prefix(scope) else { return (ds, stored.len(), 0) };
    let kept: Vec<Feature> = stored.iter().filter(|f| !in_scope(layer, f, prefix)).cloned().collect();
    let (replaces, keeps) = (stored.len() - kept.len(), kept.len());
    ds.layers.entry(layer).or_default().extend(kept);
    (ds, replaces, keeps)
}

/// The lines of a refusal as problems, each tied to the feature it names (one of `features`, or the code after
/// the layer's name, as geometry problems are written) and to the point it gives.
fn problems(text: &str, layer: Layer, features: &[Feature]) -> Vec<Problem> {
    let after_layer = format!(" {} ", layer.name());
    let codes: std::collections::HashSet<&str> = features.iter().map(|f| f.code.as_str()).filter(|c| !c.is_empty()).collect();
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    // The first line says what happened; the rest, indented, list the problems (or it is the only one).
    let items = if lines.len() > 1 { &lines[1..] } else { &lines[..] };
    items
        .iter()
        .map(|l| Problem {
            message: l.to_string(),
            code: l
                .split(|c: char| c.is_whitespace() || ":：,，()（）".contains(c))
                .find(|w| codes.contains(w))
                .or_else(|| l.split_once(&after_layer).and_then(|(_, rest)| rest.split(':').next()).filter(|c| !c.is_empty() && !c.contains(' ')))
                .map(str::to_string),
            at: point_in(l),
        })
        .collect()
}

/// `(x, y)` after "at " in a problem line.
fn point_in(line: &str) -> Option<[f64; 2]> {
    let i = line.find("at (")?;
    let rest = &line[i + 4..];
    let (xy, _) = rest.split_once(')')?;
    let (x, y) = xy.split_once(',')?;
    Some([x.trim().parse().ok()?, y.trim().parse().ok()?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_lines_become_problems_tied_to_features_and_points() {
        let f = Feature { code: "610522001001001".into(), properties: Map::new(), geometry: geo::Geometry::Point(geo::Point::new(0.0, 0.0)) };
        let text = "a.zip: invalid geometry, nothing imported:\n  grids.geojson: grids 610522001001001: self-intersection at (110.2000000, 34.5000000)\n  第 3 行: 没有几何";
        let p = problems(text, Layer::Grids, &[f]);
        assert_eq!(problems(text, Layer::Grids, &[])[0].code.as_deref(), Some("610522001001001"), "named after the layer");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].code.as_deref(), Some("610522001001001"));
        assert_eq!(p[0].at, Some([110.2, 34.5]));
        assert_eq!((p[1].code.as_deref(), p[1].at), (None, None));
    }

    #[test]
    fn a_community_scope_holds_its_grids_by_their_community_code() {
        let grid = |c: &str| Feature {
            code: format!("{c}001"),
            properties: [("community_code".to_string(), Value::String(c.into()))].into_iter().collect(),
            geometry: geo::Geometry::Point(geo::Point::new(0.0, 0.0)),
        };
        let scope = Scope::Community("610522001001".into());
        assert!(out_of_scope(Layer::Grids, &[grid("610522001001")], &scope).is_empty());
        assert_eq!(out_of_scope(Layer::Grids, &[grid("610522001002")], &scope).len(), 1);
        assert!(out_of_scope(Layer::Grids, &[grid("610522001002")], &Scope::County).is_empty());
        assert_eq!(out_of_scope(Layer::Towns, &[grid("610522001001")], &scope).len(), 1, "a town is no community's");
    }
}
