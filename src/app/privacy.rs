//! Privacy: people's names, phones, tags and addresses below the village are masked unless the caller's role
//! may see personal data (county admin, community secretary, grid manager) and the caller's scope covers the
//! household (or the grid, unit or community whose staff are named). Every answer asks the caller's
//! [`Access`] per feature, and the household codes shown unmasked are collected for the audit log.
//!
//! Masking rules (one place, so every endpoint masks alike):
//! - a name keeps its first character and hides each other one: `张三` → `张*`, `张三丰` → `张**`, `欧阳娜娜`
//!   → `欧***`; a one-character name becomes `*`. Only the surname and the length show.
//! - a phone number of 11 characters or more keeps the first three and last four (`13912341234` →
//!   `139****1234`); 7 to 10 characters keep three and two (`8123456` → `812**56`); 3 to 6 keep the first and
//!   the last; shorter ones show nothing.
//! - an address keeps its town and community or village and hides the rest (`…南新社区4号楼1单元101` →
//!   `…南新社区***`); tags (`elderly_alone`, `low_income`, ...) are withheld.
//! - codes and counts are not masked: they are what a grid manager works from.
//! - a door plate's address (the `addresses` layer) is not masked: it is written on the street for anyone to
//!   read, and says nothing of who lives there.
//!
//! Household-level data (a household's point, code, roster, householder, phone) is withheld whole from
//! anonymous callers and viewers ([`sees_households`]): they get counts per grid and unit instead. Every route
//! asks [`Access::sees_households`] before it lists households, and says so with [`WITHHELD`].
//!
//! Which properties are people's: [`PERSON_KEYS`], [`is_phone_key`], `address` and `tags`. [`mask_properties`]
//! masks a feature's properties in place, for any endpoint that returns stored features.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::accounts::role::Place;
use crate::accounts::{Role, Scope};
use crate::atlas::Atlas;
use crate::model::{Feature, Layer};

/// Properties that hold a person's name, in any layer: householder (households), building or lane head
/// (units), community secretary, grid manager, group leader.
pub const PERSON_KEYS: [&str; 5] = ["head", "secretary", "manager", "leader", "contact"];

/// Whether a property holds a phone number: `phone`, `tel`, `mobile` or anything ending in `_phone`.
///
/// ```
/// use gridmap::app::privacy::is_phone_key;
/// assert!(is_phone_key("manager_phone") && is_phone_key("phone"));
/// assert!(!is_phone_key("phonetic"));
/// ```
pub fn is_phone_key(key: &str) -> bool {
    matches!(key, "phone" | "tel" | "mobile") || key.ends_with("_phone")
}

/// Whether `role` may see household-level data at all (points, codes, rosters; people masked as the scope
/// says). Anonymous callers are viewers. The one rule every route and export applies.
///
/// ```
/// use gridmap::accounts::Role;
/// use gridmap::app::privacy::sees_households;
/// assert!(!sees_households(Role::Viewer) && sees_households(Role::Planner) && sees_households(Role::GridManager));
/// ```
pub fn sees_households(role: Role) -> bool {
    role != Role::Viewer
}

/// The count of households lying in a grid or unit: on every such feature, for every caller (the figure shown
/// where the households themselves are withheld).
pub const HOUSEHOLD_COUNT: &str = "household_count";

/// What an answer says when it withholds households (Chinese first).
pub const WITHHELD: &str =
    "户级数据（住户位置、户码、户主、电话）仅对登录的工作人员显示，请登录；这里只给出各网格、楼栋的户数 (household-level data is shown to signed-in staff only; counts per grid and unit are given instead)";

/// Masks a person's name: the first character stays, each other becomes `*`.
///
/// ```
/// use gridmap::app::privacy::mask_name;
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
/// use gridmap::app::privacy::mask_phone;
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
/// use gridmap::app::privacy::mask_properties;
/// let mut p = serde_json::json!({"code": "H1", "head": "张三", "phone": "13912341234", "address": "三组12号"});
/// mask_properties(p.as_object_mut().unwrap());
/// assert_eq!(p, serde_json::json!({"code": "H1", "head": "张*", "phone": "139****1234", "address": "***"}));
/// ```
pub fn mask_properties(props: &mut Map<String, Value>) {
    for (k, v) in props.iter_mut() {
        if k == "tags" && !v.is_null() {
            *v = Value::Array(vec![]);
            continue;
        }
        let Value::String(s) = v else { continue };
        if is_phone_key(k) {
            *s = mask_phone(s);
        } else if PERSON_KEYS.contains(&k.as_str()) {
            *s = mask_name(s);
        } else if k == "address" {
            *s = mask_address(s);
        }
    }
}

/// Whether `props` hold anything [`mask_properties`] would change: a person's name or phone, an address or tags.
///
/// ```
/// use gridmap::app::privacy::has_personal;
/// assert!(has_personal(serde_json::json!({"code": "H1", "head": "张三"}).as_object().unwrap()));
/// assert!(!has_personal(serde_json::json!({"code": "610522001", "name": "城关街道", "head": ""}).as_object().unwrap()));
/// ```
pub fn has_personal(props: &Map<String, Value>) -> bool {
    props.iter().any(|(k, v)| is_personal(k, v))
}

fn is_personal(k: &str, v: &Value) -> bool {
    match v {
        Value::String(s) => !s.is_empty() && (is_phone_key(k) || PERSON_KEYS.contains(&k) || k == "address"),
        Value::Array(a) => k == "tags" && !a.is_empty(),
        _ => false,
    }
}

/// Masks an address below the village: everything after the last community or village word (社区, 居委会,
/// 村委会, 村) becomes `***`; an address with none of them is hidden whole.
///
/// ```
/// use gridmap::app::privacy::mask_address;
/// assert_eq!(mask_address("潼关县城关街道南新社区4号楼1单元101"), "潼关县城关街道南新社区***");
/// assert_eq!(mask_address("太要镇老虎城村三组12号"), "太要镇老虎城村***");
/// assert_eq!(mask_address("三组12号"), "***");
/// ```
pub fn mask_address(address: &str) -> String {
    let cut = ["社区", "居委会", "村委会", "村"]
        .iter()
        .filter_map(|w| address.rfind(w).map(|i| i + w.len()))
        .max()
        .unwrap_or(0);
    format!("{}***", &address[..cut])
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
    /// use gridmap::app::privacy::Token;
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

/// How one feature is shown to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Names, phones, tags and addresses in full.
    Full,
    /// Masked.
    Masked,
}

impl View {
    /// Whether output is masked.
    pub fn masked(self) -> bool {
        self == View::Masked
    }

    /// A person's name as shown.
    pub fn name(self, s: &str) -> String {
        if self.masked() { mask_name(s) } else { s.to_string() }
    }

    /// A phone number as shown.
    pub fn phone(self, s: &str) -> String {
        if self.masked() { mask_phone(s) } else { s.to_string() }
    }

    /// An address as shown.
    pub fn address(self, s: &str) -> String {
        if self.masked() { mask_address(s) } else { s.to_string() }
    }

    /// A feature's properties as shown.
    pub fn properties(self, props: &Map<String, Value>) -> Map<String, Value> {
        let mut p = props.clone();
        if self.masked() {
            mask_properties(&mut p);
        }
        p
    }
}

/// Who is asking, as far as privacy goes: a role and a scope (anonymous visitors are viewers of the county).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// Username, `token` for the server's configured token, or `anonymous`.
    pub actor: String,
    pub role: Role,
    pub scope: Scope,
}

impl Viewer {
    pub fn anonymous() -> Viewer {
        Viewer { actor: "anonymous".into(), role: Role::Viewer, scope: Scope::County }
    }
}

/// What one request may see, decided per feature; collects the households it showed unmasked. Cloning shares
/// the collection (the authorisation middleware keeps a clone and audits it after the handler).
#[derive(Clone, Debug)]
pub struct Access(Arc<AccessInner>);

#[derive(Debug)]
struct AccessInner {
    viewer: Viewer,
    shown: Mutex<BTreeSet<String>>,
    masked_any: AtomicBool,
}

/// Where a feature of `layer` is, from its own code and its parents' codes in the atlas.
fn place_of(atlas: &Atlas, layer: Layer, f: &Feature, located_grid: Option<&str>) -> Place {
    let mut p = Place::default();
    let grid_parent = |p: &mut Place, grid: &str| {
        p.grids.push(grid.to_string());
        if let Some(c) = atlas.layer(Layer::Grids).and_then(|l| l.get(grid)).and_then(|g| g.nonempty_prop("community_code")) {
            p.communities.push(c.to_string());
        }
    };
    match layer {
        Layer::Households => {
            for g in f.nonempty_prop("grid_code").into_iter().chain(located_grid) {
                grid_parent(&mut p, g.trim());
            }
        }
        Layer::Units => {
            if let Some(g) = f.nonempty_prop("grid_code") {
                grid_parent(&mut p, g.trim());
            }
        }
        Layer::Grids => grid_parent(&mut p, &f.code),
        Layer::Communities => p.communities.push(f.code.clone()),
        Layer::Towns => p.town = Some(f.code.clone()),
        Layer::County | Layer::Villages => {}
        Layer::Addresses => {
            if let Some(c) = f.nonempty_prop("community_code") {
                p.communities.push(c.trim().to_string());
            }
        }
    }
    if layer == Layer::Communities {
        p.town = f.nonempty_prop("town_code").map(str::to_string);
    } else if p.town.is_none() {
        let communities = atlas.layer(Layer::Communities);
        p.town = p.communities.iter().find_map(|c| {
            communities.and_then(|l| l.get(c)).and_then(|c| c.nonempty_prop("town_code")).map(str::to_string)
        });
    }
    p
}

/// Whether a grid scope lies in community `code`: a grid manager sees their own community's secretary in full,
/// as a colleague they must be able to call (the secretary's scope covers the manager's grid the other way).
fn serves_in(atlas: &Atlas, scope: &Scope, code: &str) -> bool {
    let Scope::Grids(gs) = scope else { return false };
    let grids = atlas.layer(Layer::Grids);
    gs.iter().any(|g| grids.and_then(|l| l.get(g)).and_then(|g| g.nonempty_prop("community_code")) == Some(code))
}

impl Access {
    pub fn new(viewer: Viewer) -> Access {
        Access(Arc::new(AccessInner { viewer, shown: Mutex::default(), masked_any: AtomicBool::new(false) }))
    }

    pub fn anonymous() -> Access {
        Access::new(Viewer::anonymous())
    }

    pub fn viewer(&self) -> &Viewer {
        &self.0.viewer
    }

    /// How feature `f` of `layer` is shown. A household shown in full is recorded for the audit log.
    /// `located_grid`: for a household, the grid it lies in when the caller knows it (its roster grid is
    /// always considered).
    pub fn view(&self, atlas: &Atlas, layer: Layer, f: &Feature, located_grid: Option<&str>) -> View {
        let v = &self.0.viewer;
        let full = v.role.sees_personal_data()
            && (v.scope == Scope::County
                || v.scope.covers(&place_of(atlas, layer, f, located_grid))
                || (layer == Layer::Communities && serves_in(atlas, &v.scope, &f.code)));
        if full {
            if layer == Layer::Households {
                self.0.shown.lock().expect("audit set poisoned").insert(f.code.clone());
            }
            View::Full
        } else {
            // `masked` tells the caller that personal data was withheld: a town or a village has none to withhold.
            // A door plate's address is public (see [`Access::properties`]).
            let public_address = layer == Layer::Addresses;
            if f.properties.iter().any(|(k, v)| !(public_address && k == "address") && is_personal(k, v)) {
                self.0.masked_any.store(true, Ordering::Relaxed);
            }
            View::Masked
        }
    }

    /// The properties of feature `i` of `layer` as this request may see them: grids and units carry the count
    /// of households lying in them ([`HOUSEHOLD_COUNT`]), personal data is masked unless [`Access::view`]
    /// shows the feature in full. What every route that returns stored features sends.
    pub fn properties(&self, atlas: &Atlas, layer: Layer, i: usize) -> Map<String, Value> {
        let f = &atlas.layer(layer).expect("a feature's layer is in its atlas").features[i];
        let mut p = f.properties.clone();
        if layer == Layer::Addresses {
            // A door plate hangs on the street: its address is public, as a unit's name is. Anything personal
            // an address base carried beside it (an occupant's name or phone) is still masked.
            if self.view(atlas, layer, f, None).masked() {
                let address = p.remove("address");
                mask_properties(&mut p);
                if let Some(a) = address {
                    p.insert("address".into(), a);
                }
            }
            return p;
        }
        if matches!(layer, Layer::Grids | Layer::Units) {
            let count = crate::atlas::directory::Directory::of(atlas).count_lying_in(layer, i);
            p.insert(HOUSEHOLD_COUNT.into(), count.into());
        }
        if self.view(atlas, layer, f, None).masked() {
            mask_properties(&mut p);
        }
        p
    }

    /// Whether this request may see households at all ([`sees_households`]).
    pub fn sees_households(&self) -> bool {
        sees_households(self.0.viewer.role)
    }

    /// How the household with `code` is shown (masked if it is not in the atlas).
    pub fn household(&self, atlas: &Atlas, code: &str) -> View {
        match atlas.layer(Layer::Households).and_then(|l| l.get(code)) {
            Some(f) => self.view(atlas, Layer::Households, f, None),
            None => View::Masked,
        }
    }

    /// How the household with `code` is shown to this caller, knowing it lies in `located_grid`: a household
    /// that lies in the caller's community is shown in full there even when its roster names another grid
    /// (a secretary settling the merger's households must see whom she settles).
    pub fn household_at(&self, atlas: &Atlas, code: &str, located_grid: Option<&str>) -> View {
        match atlas.layer(Layer::Households).and_then(|l| l.get(code)) {
            Some(f) => self.view(atlas, Layer::Households, f, located_grid),
            None => View::Masked,
        }
    }

    /// How the staff of the grid with `code` are shown.
    pub fn grid(&self, atlas: &Atlas, code: &str) -> View {
        match atlas.layer(Layer::Grids).and_then(|l| l.get(code)) {
            Some(f) => self.view(atlas, Layer::Grids, f, None),
            None => View::Masked,
        }
    }

    /// Whether this response masks personal data: the role never sees any, or something so far was masked.
    pub fn masked(&self) -> bool {
        !self.0.viewer.role.sees_personal_data() || self.masked_any()
    }

    /// Whether anything in this response so far was masked.
    pub fn masked_any(&self) -> bool {
        self.0.masked_any.load(Ordering::Relaxed)
    }

    /// The household codes this response showed unmasked, sorted.
    pub fn shown_households(&self) -> Vec<String> {
        self.0.shown.lock().expect("audit set poisoned").iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
