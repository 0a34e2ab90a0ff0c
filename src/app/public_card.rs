//! The public card of a code printed on a plate (`/g/{code}`): for a grid's, a unit's or a door plate's code, the
//! grid that owns it now, its grid manager, the unit's head, the community with its secretary and service hall,
//! each person as the county's publication setting allows. Nothing of any household is read.
//!
//! A unit and a door plate are placed by the one placement rule (the owning grid of the unit's representative
//! point, of the plate's point), so a published plan that moves them to another grid moves what their plates'
//! pages show, with no reprinting. The service hall comes
//! from the community's optional properties `hall_address` (its address) and `hall_hours` (opening hours, as
//! written, e.g. `周一至周五 8:30-12:00 14:30-17:30`).

use super::privacy::View;
use super::publication::{Person, Post, Publication};
use crate::atlas::Atlas;
use crate::model::{Feature, Layer};

/// What a plate's page shows.
#[derive(Clone, Debug)]
pub struct Card {
    pub code: String,
    /// 网格, 巷道/楼栋 or 门牌: what the code names.
    pub kind: &'static str,
    /// The unit's or the grid's name, or the door plate's address.
    pub title: String,
    pub grid: Option<GridCard>,
    /// The lane or building head, for a unit's code.
    pub head: Option<Person>,
    pub community: Option<CommunityCard>,
}

#[derive(Clone, Debug)]
pub struct GridCard {
    pub code: String,
    pub name: String,
    pub manager: Person,
}

#[derive(Clone, Debug)]
pub struct CommunityCard {
    pub code: String,
    pub name: String,
    /// The town's name, when known.
    pub town: Option<String>,
    pub secretary: Person,
    pub hall_address: Option<String>,
    pub hall_hours: Option<String>,
}

/// The card of `code` (a unit's, a door plate's or a grid's), or `None` when no such code is loaded.
///
/// ```
/// # use gridmap::atlas::Atlas;
/// # use gridmap::model::{Dataset, Feature, Layer};
/// # use geo::{Geometry, MultiPolygon, polygon};
/// use gridmap::app::{public_card, publication::Publication};
/// # let sq = |x0: f64, x1: f64| Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: x0, y: 34.5), (x: x1, y: 34.5), (x: x1, y: 34.6), (x: x0, y: 34.6)]]));
/// # let f = |code: &str, p: serde_json::Value, g| Feature { code: code.into(), properties: p.as_object().unwrap().clone(), geometry: g };
/// # let mut ds = Dataset::default();
/// # ds.layers.insert(Layer::Grids, vec![f("G1", serde_json::json!({"name": "第1网格", "manager": "李娜"}), sq(110.2, 110.25))]);
/// # ds.layers.insert(Layer::Units, vec![f("U1", serde_json::json!({"name": "1号楼", "grid_code": "G9"}), sq(110.21, 110.22))]);
/// let atlas = Atlas::build(&ds, 0).unwrap();
/// // The unit names grid G9, but it lies in G1: the page follows where it lies.
/// let card = public_card::card(&atlas, "U1", &Publication::default()).unwrap();
/// assert_eq!(card.grid.unwrap().code, "G1");
/// assert!(public_card::card(&atlas, "nothing", &Publication::default()).is_none());
/// ```
pub fn card(atlas: &Atlas, code: &str, people: &Publication) -> Option<Card> {
    let layer = |l: Layer| atlas.layer(l);
    // A plate's page is public: nobody's own view unmasks anything, only the publication setting does.
    let view = View::Masked;
    let unit = layer(Layer::Units).and_then(|l| Some((l.index_of(code)?, l)));
    let plate = layer(Layer::Addresses).and_then(|l| l.index_of(code));
    let (kind, title, grid, head) = if let Some((i, units)) = unit {
        let u = &units.features[i];
        ("巷道/楼栋", u.name().to_string(), unit_grid(atlas, i), Some(people.person(Post::Head, &u.properties, view)))
    } else if let Some(i) = plate {
        let f = &atlas.layer(Layer::Addresses).expect("the plate's layer").features[i];
        let head = plate_unit(atlas, i).map(|u| people.person(Post::Head, &u.properties, view));
        ("门牌", f.nonempty_prop("address").unwrap_or(&f.code).trim().to_string(), plate_grid(atlas, i), head)
    } else {
        let g = layer(Layer::Grids)?.get(code)?;
        ("网格", g.name().to_string(), Some(g), None)
    };
    let community = grid
        .and_then(|g| layer(Layer::Communities)?.get(g.nonempty_prop("community_code")?.trim()))
        .map(|c| community_card(atlas, c, people, view));
    Some(Card {
        code: code.to_string(),
        kind,
        title,
        grid: grid.map(|g| GridCard { code: g.code.clone(), name: g.name().to_string(), manager: people.person(Post::Manager, &g.properties, view) }),
        head,
        community,
    })
}

/// The grid the unit at index `unit` of the units layer belongs to now: the grid its representative point lies
/// in (the one placement rule), or, for a unit in no grid, the grid it names. A plate's page and the plates a
/// grid prints both ask this, so a sheet of a grid's plates holds exactly the plates whose pages show that grid.
pub fn unit_grid(atlas: &Atlas, unit: usize) -> Option<&Feature> {
    let grids = atlas.layer(Layer::Grids)?;
    let placed = atlas.points(Layer::Units).get(unit).and_then(|(xy_m, lonlat)| atlas.owner_at(Layer::Grids, xy_m, lonlat));
    placed
        .and_then(|i| grids.features.get(i))
        .or_else(|| grids.get(atlas.layer(Layer::Units)?.features.get(unit)?.nonempty_prop("grid_code")?.trim()))
}

/// The grid the door plate at index `plate` of the addresses layer belongs to now: the grid its point lies in
/// (the one placement rule, as for a household's door point), or, for a plate in no grid, the grid of the unit
/// it names. A plate's page and the door plates a grid prints both ask this.
pub fn plate_grid(atlas: &Atlas, plate: usize) -> Option<&Feature> {
    let grids = atlas.layer(Layer::Grids)?;
    let placed = atlas.points(Layer::Addresses).get(plate).and_then(|(xy_m, lonlat)| atlas.owner_at(Layer::Grids, xy_m, lonlat));
    placed.and_then(|i| grids.features.get(i)).or_else(|| {
        let units = atlas.layer(Layer::Units)?;
        let named = atlas.layer(Layer::Addresses)?.features.get(plate)?.nonempty_prop("unit_code")?.trim();
        unit_grid(atlas, units.index_of(named)?)
    })
}

/// The lane or building the door plate at index `plate` lies in (the one placement rule), or the unit it names
/// when it lies in none.
pub fn plate_unit(atlas: &Atlas, plate: usize) -> Option<&Feature> {
    let units = atlas.layer(Layer::Units)?;
    let placed = atlas.points(Layer::Addresses).get(plate).and_then(|(xy_m, lonlat)| atlas.owner_at(Layer::Units, xy_m, lonlat));
    placed
        .and_then(|i| units.features.get(i))
        .or_else(|| units.get(atlas.layer(Layer::Addresses)?.features.get(plate)?.nonempty_prop("unit_code")?.trim()))
}

/// The lane and building heads of grid `grid`, by unit name, as the county publishes them (nobody's own view
/// unmasks anything: what is printed from them hangs in public). Units by the rule of [`unit_grid`], ordered
/// by code.
pub fn heads(atlas: &Atlas, grid: &str, people: &Publication) -> Vec<(String, Person)> {
    let Some(units) = atlas.layer(Layer::Units) else { return vec![] };
    let mut out: Vec<(&Feature, Person)> = (0..units.len())
        .filter(|&i| unit_grid(atlas, i).is_some_and(|g| g.code == grid))
        .map(|i| (&units.features[i], people.person(Post::Head, &units.features[i].properties, View::Masked)))
        .collect();
    out.sort_by(|a, b| a.0.code.cmp(&b.0.code));
    out.into_iter().map(|(u, p)| (u.name().to_string(), p)).collect()
}

/// The chain of people of a grid as a printed notice shows them: what the county publishes, whoever prints it.
#[derive(Clone, Debug, Default)]
pub struct Chain {
    pub manager: Person,
    /// The community's name.
    pub community: String,
    pub secretary: Person,
    pub hall_address: Option<String>,
    pub hall_hours: Option<String>,
    /// Lane or building name and its head.
    pub heads: Vec<(String, Person)>,
}

/// The chain of grid `grid` ([`card`] and [`heads`]): empty for an unknown code.
///
/// ```
/// # use gridmap::atlas::Atlas;
/// # use gridmap::model::{Dataset, Feature, Layer};
/// # use geo::{Geometry, MultiPolygon, polygon};
/// use gridmap::app::{public_card, publication::Publication};
/// # let sq = |x0: f64, x1: f64| Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: x0, y: 34.5), (x: x1, y: 34.5), (x: x1, y: 34.6), (x: x0, y: 34.6)]]));
/// # let f = |code: &str, p: serde_json::Value, g| Feature { code: code.into(), properties: p.as_object().unwrap().clone(), geometry: g };
/// # let mut ds = Dataset::default();
/// # ds.layers.insert(Layer::Grids, vec![f("G1", serde_json::json!({"name": "第1网格", "manager": "李娜", "manager_phone": "13900000002"}), sq(110.2, 110.25))]);
/// # ds.layers.insert(Layer::Units, vec![f("U1", serde_json::json!({"name": "1号楼", "grid_code": "G1", "head": "赵敏"}), sq(110.21, 110.22))]);
/// let atlas = Atlas::build(&ds, 0).unwrap();
/// let names_only: Publication = "all=name".parse().unwrap();
/// let chain = public_card::chain(&atlas, "G1", &names_only);
/// assert_eq!(chain.manager.name.unwrap().text, "李娜");
/// assert_eq!(chain.manager.phone.unwrap().text, "139****0002");
/// assert_eq!(chain.heads[0].0, "1号楼");
/// ```
pub fn chain(atlas: &Atlas, grid: &str, people: &Publication) -> Chain {
    let Some(card) = card(atlas, grid, people) else { return Chain::default() };
    let mut chain = Chain { heads: heads(atlas, grid, people), ..Chain::default() };
    if let Some(g) = card.grid {
        chain.manager = g.manager;
    }
    if let Some(c) = card.community {
        chain.community = c.name;
        chain.secretary = c.secretary;
        chain.hall_address = c.hall_address;
        chain.hall_hours = c.hall_hours;
    }
    chain
}

fn community_card(atlas: &Atlas, c: &Feature, people: &Publication, view: View) -> CommunityCard {
    let prop = |k: &str| c.nonempty_prop(k).map(|s| s.trim().to_string());
    CommunityCard {
        code: c.code.clone(),
        name: c.name().to_string(),
        town: c.nonempty_prop("town_code").and_then(|t| atlas.layer(Layer::Towns)?.get(t)).map(|t| t.name().to_string()),
        secretary: people.person(Post::Secretary, &c.properties, view),
        hall_address: prop("hall_address"),
        hall_hours: prop("hall_hours"),
    }
}
