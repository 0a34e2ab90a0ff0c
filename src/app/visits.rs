//! Visits (民情联系): recording a visit to a household and listing visits, as one caller may.
//!
//! Who may record: the caller must see the household in full ([`Access::view`]): a grid manager for the
//! households of their grids (the grid the household lies in, or its roster grid), a secretary in her
//! community, the county admin anywhere; the same rule that unmasks a household decides who may write about it.
//! The phone's position is kept with the distance to the household, and a visit farther than the server's set
//! distance is flagged, never refused (signal and GPS are poor in the villages). A resend with the same
//! `client_id` returns the first visit and writes nothing.
//!
//! A visit's note, tags and position are about the household: where the household is masked for a caller, so
//! are they ([`shown`]).

use serde::Deserialize;
use serde_json::json;

use super::accounts::Actor;
use super::error::{Error, Result};
use super::locate::parse_point;
use super::privacy::{Access, View};
use super::state::AppState;
use crate::accounts::clock;
use crate::atlas::Atlas;
use crate::atlas::directory::Directory;
use crate::model::Layer;
use crate::store::{NewVisit, Visit, VisitFilter, VisitStore};

/// The kinds of visit, as stored and shown.
pub const KINDS: [&str; 3] = ["走访", "电话", "上门服务"];
/// How far from the household a visit may be recorded before it is flagged, metres (`serve --visit-far-m`).
pub const DEFAULT_FAR_M: f64 = 200.0;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// Most tags on a visit, and the longest tag in characters.
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 20;
/// How long ago a visit may have taken place to be recorded now (an offline queue of some days), seconds.
pub const MAX_AGE_S: i64 = 366 * 86_400;
/// How far in the future a phone's clock may be, seconds.
pub const CLOCK_SKEW_S: i64 = 10 * 60;
/// Most visits a listing returns.
pub const MAX_LIMIT: i64 = 1000;

/// A visit as the phone sends it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    /// 户码 (the household's code)
    pub household: String,
    /// 走访、电话或上门服务 (the kind)
    #[schema(example = "走访")]
    pub kind: String,
    /// 备注, 至多 500 字 (a note)
    #[serde(default)]
    pub note: Option<String>,
    /// 标签 (tags), 至多 10 个
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// 手机位置 [经度, 纬度] (the phone's position), 按 crs 给出
    #[serde(default)]
    #[schema(value_type = Option<Vec<f64>>, example = json!([110.2465, 34.5443]))]
    pub lonlat: Option<[f64; 2]>,
    /// 坐标系: wgs84 (默认)、gcj02 (微信、高德)、bd09 (百度) (the position's CRS)
    #[serde(default)]
    pub crs: Option<String>,
    /// 走访时间, RFC 3339; 默认为现在 (when the visit took place)
    #[serde(default)]
    #[schema(example = "2026-12-07T09:30:00+08:00")]
    pub visited_at: Option<String>,
    /// 手机生成的唯一编号: 重发同一编号只记一次 (made on the phone; a resend counts once)
    #[schema(example = "5f0c6a52-3b1e-4b0e-9d7c-2a4f1b9e8c11")]
    pub client_id: String,
}

/// A visit as stored, and whether this request stored it (false: the same `client_id` was recorded before).
pub struct Recorded {
    pub visit: Visit,
    pub created: bool,
}

fn bad(m: String) -> Error {
    Error::BadInput(m)
}

/// Refuses control characters (a note may have line breaks).
fn no_control(field: &str, s: &str, newlines: bool) -> Result<()> {
    if s.chars().any(|c| c.is_control() && !(newlines && matches!(c, '\n' | '\r' | '\t'))) {
        return Err(bad(format!("{field} 含有控制字符 ({field} contains control characters)")));
    }
    Ok(())
}

fn check_client_id(id: &str) -> Result<()> {
    let ok = (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if !ok {
        return Err(bad(format!(
            "记录编号 client_id {id:?} 须为 8 到 64 个字母、数字、- 或 _（如手机生成的 UUID） (client_id: 8 to 64 letters, digits, '-' or '_', such as a UUID)"
        )));
    }
    Ok(())
}

fn check_kind(kind: &str) -> Result<String> {
    let k = kind.trim();
    if KINDS.contains(&k) {
        return Ok(k.to_string());
    }
    Err(bad(format!("走访类型 kind {kind:?} 须为 走访、电话 或 上门服务 (kind must be one of 走访, 电话, 上门服务)")))
}

fn check_note(note: Option<&str>) -> Result<String> {
    let note = note.unwrap_or("").trim();
    no_control("备注 note", note, true)?;
    let n = note.chars().count();
    if n > MAX_NOTE_CHARS {
        return Err(bad(format!("备注 note 有 {n} 字，至多 {MAX_NOTE_CHARS} 字 (note has {n} characters, at most {MAX_NOTE_CHARS})")));
    }
    Ok(note.to_string())
}

fn check_tags(tags: Option<&[String]>) -> Result<Vec<String>> {
    let tags = tags.unwrap_or_default();
    if tags.len() > MAX_TAGS {
        return Err(bad(format!("标签 tags 至多 {MAX_TAGS} 个 (at most {MAX_TAGS} tags)")));
    }
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim();
        no_control("标签 tags", t, false)?;
        let n = t.chars().count();
        if n == 0 || n > MAX_TAG_CHARS {
            return Err(bad(format!("标签 {t:?} 须为 1 到 {MAX_TAG_CHARS} 字 (a tag has 1 to {MAX_TAG_CHARS} characters)")));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    Ok(out)
}

/// `visited_at` as stored (RFC 3339 UTC, seconds), now when absent; not in the future beyond a phone's clock
/// skew, not older than [`MAX_AGE_S`].
fn check_visited_at(at: Option<&str>, now: i64) -> Result<String> {
    let Some(s) = at.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(clock::rfc3339(now)) };
    let t = clock::parse_rfc3339(s).ok_or_else(|| {
        bad(format!("走访时间 visited_at {s:?} 不是 RFC 3339 时间，如 2026-12-07T09:30:00+08:00 (visited_at is not an RFC 3339 time)"))
    })?;
    if t > now + CLOCK_SKEW_S {
        return Err(bad(format!("走访时间 visited_at {s} 在将来 (visited_at is in the future)")));
    }
    if t < now - MAX_AGE_S {
        return Err(bad(format!("走访时间 visited_at {s} 早于一年前 (visited_at is more than a year ago)")));
    }
    Ok(clock::rfc3339(t))
}

/// Whether a lon/lat lies in China's extent (with its islands): what a phone in the county can report.
fn in_china(lon: f64, lat: f64) -> bool {
    (73.0..=135.5).contains(&lon) && (3.5..=53.6).contains(&lat)
}

/// The phone's position in stored lon/lat, checked: numbers in range, in China, lon and lat not swapped.
fn check_lonlat(p: [f64; 2], crs: Option<&str>) -> Result<(f64, f64)> {
    let [lon, lat] = p;
    let q = parse_point(Some(&lon.to_string()), Some(&lat.to_string()), crs)
        .map_err(|e| bad(format!("手机位置 lonlat 有误 (lonlat): {e}")))?;
    if !in_china(lon, lat) {
        let swapped = in_china(lat, lon);
        let (zh, en) = if swapped { ("，经纬度是否写反了？应为 [经度, 纬度]", "; lon and lat swapped? it is [lon, lat]") } else { ("", "") };
        return Err(bad(format!("手机位置 [{lon}, {lat}] 不在中国境内{zh} (lonlat [{lon}, {lat}] is outside China{en})")));
    }
    Ok(q.lonlat)
}

/// Records a visit by `by` as `access` may (see the module). The visit and its audit entry land in one
/// transaction; a resend of the same `client_id` by the same account for the same household returns the first
/// visit ([`Recorded::created`] false), any other use of that id is a conflict.
pub async fn record(state: &AppState, input: VisitInput, access: &Access, by: &Actor) -> Result<Recorded> {
    check_client_id(&input.client_id)?;
    let kind = check_kind(&input.kind)?;
    let note = check_note(input.note.as_deref())?;
    let tags = check_tags(input.tags.as_deref())?;
    let visited_at = check_visited_at(input.visited_at.as_deref(), clock::now())?;
    let phone = input.lonlat.map(|p| check_lonlat(p, input.crs.as_deref())).transpose()?;
    if phone.is_none() && input.crs.is_some() {
        return Err(bad("给出了坐标系 crs 而没有手机位置 lonlat (crs without lonlat)".into()));
    }
    let code = input.household.trim();
    let atlas = state.atlas();
    let Some(i) = atlas.layer(Layer::Households).and_then(|l| l.index_of(code)) else {
        return Err(Error::NotFound(format!("住户 {code} 不在数据中 (household {code:?} is not in the dataset)")));
    };
    let (grid, community) = placed(&atlas, i);
    let f = &atlas.layer(Layer::Households).expect("the household's layer").features[i];
    if access.view(&atlas, Layer::Households, f, grid.as_deref()).masked() {
        return Err(Error::OutOfScope(format!(
            "住户 {code} 不在您的网格或社区内，不能为其记录走访 (household {code} is outside your scope: {})",
            access.viewer().scope
        )));
    }
    let distance_m = phone.and_then(|p| distance_m(&atlas, i, p));
    let far_m = state.visit_far_m();
    let v = NewVisit {
        client_id: input.client_id.clone(),
        household: code.to_string(),
        grid,
        community,
        kind,
        note,
        tags,
        visited_at,
        account: by.name.clone(),
        lonlat: phone,
        distance_m: distance_m.map(|d| (d * 10.0).round() / 10.0),
        flagged_far: distance_m.is_some_and(|d| d > far_m),
    };
    let detail = |id: i64| {
        by.record(
            "visit.record",
            json!({ "visit": id, "household": v.household, "kind": v.kind, "grid": v.grid, "flagged_far": v.flagged_far, "distance_m": v.distance_m }),
        )
    };
    let (visit, created) = state.store().record_visit(&v, detail).await?;
    if !created && (visit.account != v.account || visit.household != v.household) {
        return Err(Error::Store(crate::store::Error::Exists(format!(
            "记录编号 client_id {} 已用于另一条走访记录 (client_id {} is already used by another visit)",
            v.client_id, v.client_id
        ))));
    }
    Ok(Recorded { visit, created })
}

/// The grid and community household `i` lies in (its roster grid and that grid's community when it lies in
/// none): what a visit records as "at the time".
fn placed(atlas: &Atlas, i: usize) -> (Option<String>, Option<String>) {
    let dir = Directory::of(atlas);
    let chain = dir.chain(atlas, Layer::Households, i);
    let code = |l: Layer, j: Option<usize>| j.and_then(|j| atlas.layer(l).map(|li| li.features[j].code.clone()));
    (code(Layer::Grids, chain.grid), code(Layer::Communities, chain.community))
}

/// Metres from the phone's lon/lat to household `i`'s point, in the atlas's metric CRS.
fn distance_m(atlas: &Atlas, i: usize, phone: (f64, f64)) -> Option<f64> {
    let (home, _) = atlas.points(Layer::Households).get(i)?;
    let p = atlas.crs.project(phone.0, phone.1).ok()?;
    Some((p.x - home.x).hypot(p.y - home.y))
}

/// A visit as `view` shows it: where its household is masked, the note, tags and the phone's position (which
/// all but names the household's door) are withheld.
pub fn shown(mut v: Visit, view: View) -> Visit {
    if view.masked() {
        v.note = String::new();
        v.tags = vec![];
        v.lonlat = None;
    }
    v
}

/// Which visits to list.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub household: Option<String>,
    pub grid: Option<String>,
    /// RFC 3339 or a date.
    pub since: Option<String>,
    pub limit: Option<i64>,
}

/// The visits `q` selects, newest first, each masked as `access` sees its household (see [`shown`]). An unknown
/// household or grid is [`Error::NotFound`].
pub async fn list(state: &AppState, q: &ListQuery, access: &Access) -> Result<Vec<Visit>> {
    let atlas = state.atlas();
    let nonempty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let (household, grid) = (nonempty(&q.household), nonempty(&q.grid));
    if let Some(h) = &household
        && atlas.layer(Layer::Households).and_then(|l| l.get(h)).is_none()
    {
        return Err(Error::NotFound(format!("住户 {h} 不在数据中 (household {h:?} is not in the dataset)")));
    }
    if let Some(g) = &grid
        && atlas.layer(Layer::Grids).and_then(|l| l.get(g)).is_none()
    {
        return Err(Error::NotFound(format!("网格 {g} 不在数据中 (grid {g:?} is not in the dataset)")));
    }
    let since = match nonempty(&q.since) {
        None => None,
        Some(s) => Some(clock::rfc3339(clock::parse_rfc3339(&s).ok_or_else(|| {
            bad(format!("起始时间 since {s:?} 须为日期或 RFC 3339 时间，如 2026-12-01 (since: a date or an RFC 3339 time)"))
        })?)),
    };
    let limit = q.limit.unwrap_or(200);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad(format!("条数 limit {limit} 须在 1 到 {MAX_LIMIT} 之间 (limit must be between 1 and {MAX_LIMIT})")));
    }
    let filter = VisitFilter { household, grids: grid.map(|g| vec![g]), since, limit };
    let visits = state.store().visits(&filter).await?;
    let hh = atlas.layer(Layer::Households);
    Ok(visits
        .into_iter()
        .map(|v| {
            let view = match hh.and_then(|l| l.get(&v.household)) {
                Some(f) => access.view(&atlas, Layer::Households, f, v.grid.as_deref()),
                None => View::Masked,
            };
            shown(v, view)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_named_in_chinese_first() {
        assert!(check_kind("散步").unwrap_err().to_string().starts_with("走访类型"));
        assert_eq!(check_kind(" 电话 ").unwrap(), "电话");
        assert!(check_note(Some(&"字".repeat(501))).is_err() && check_note(Some("一行\n两行")).is_ok());
        assert!(check_note(Some("响铃\u{7}")).unwrap_err().to_string().contains("控制字符"));
        assert!(check_tags(Some(&["独居\u{0}".to_string()][..])).is_err());
        assert_eq!(check_tags(Some(&["独居".to_string(), "独居".to_string()][..])).unwrap(), vec!["独居"]);
        assert!(check_client_id("short").is_err() && check_client_id("5f0c6a52-3b1e-4b0e").is_ok());
        let now = 1_800_000_000;
        assert!(check_visited_at(Some("2030-01-01T00:00:00Z"), now).is_err());
        assert_eq!(check_visited_at(None, now).unwrap(), clock::rfc3339(now));
    }

    #[test]
    fn positions_outside_china_or_swapped_are_refused() {
        assert!(check_lonlat([110.25, 34.55], None).is_ok());
        let e = check_lonlat([34.55, 110.25], None).unwrap_err().to_string();
        assert!(e.contains("写反") || e.contains("swapped"), "{e}");
        let e = check_lonlat([-0.12, 51.5], None).unwrap_err().to_string();
        assert!(e.contains("不在中国境内"), "{e}");
        assert!(check_lonlat([110.25, 34.55], Some("mars")).is_err());
    }
}
