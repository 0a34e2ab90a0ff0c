//! Features lying wholly outside the county, or wholly outside the parent they name: what an import refuses
//! unless told otherwise. A layer in the wrong place (another county, swapped or unconverted coordinates that
//! still pass as lon/lat) otherwise replaces the county's own without a word.

use std::collections::HashMap;

use geo::{BoundingRect, Distance, Euclidean, Geometry, Intersects, MapCoords, Rect, coord};

use super::{Dataset, Layer};

/// The features of one layer lying wholly outside the area they must touch.
#[derive(Clone, Debug, PartialEq)]
pub struct Outside {
    pub layer: Layer,
    /// `None`: outside the county; `Some(layer)`: outside the parent of that layer each names.
    pub parent: Option<Layer>,
    pub count: usize,
    /// The first such feature's code, and (for a parent) the code it names.
    pub example: String,
    pub example_parent: Option<String>,
}

impl std::fmt::Display for Outside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, l, e, m) = (self.count, self.layer, &self.example, MARGIN_M);
        match (self.parent, &self.example_parent) {
            (Some(pl), Some(p)) => write!(
                f,
                "{l}（{}）有 {n} 个要素位于其所属上级之外且相距超过 {m} 米，例如 {e} 在 {pl} {p} 之外 \
                 ({n} feature(s) lie wholly outside the {pl} they name, more than {m} m from it, e.g. {e} outside {p})",
                l.name_zh()
            ),
            _ => write!(
                f,
                "{l}（{}）有 {n} 个要素位于县域之外且距县界超过 {m} 米，例如 {e} \
                 ({n} feature(s) lie wholly outside the county, more than {m} m from it, e.g. {e})",
                l.name_zh()
            ),
        }
    }
}

/// How far outside its area a feature may lie and still count as inside, metres: slips of digitising along a
/// boundary (the default dataset plants households about 13 m outside the county) are defects the coverage
/// check reports; beyond this a feature is in the wrong place.
pub const MARGIN_M: f64 = 50.0;

/// Metres per degree of longitude and of latitude near `lat` (an equirectangular approximation: at most a
/// few per cent off over a county, which is enough for a margin).
fn metres_per_degree(lat: f64) -> (f64, f64) {
    (111_320.0 * lat.to_radians().cos(), 110_574.0)
}

/// An area a feature must touch: its geometry, its bounding box widened by the margin, and its metric form.
struct Area<'a> {
    geometry: &'a Geometry<f64>,
    wide: Option<Rect<f64>>,
    scale: (f64, f64),
}

impl<'a> Area<'a> {
    fn new(geometry: &'a Geometry<f64>) -> Self {
        let rect = geometry.bounding_rect();
        let scale = metres_per_degree(rect.map_or(0.0, |r| r.center().y));
        let (dx, dy) = (MARGIN_M / scale.0, MARGIN_M / scale.1);
        let wide = rect.map(|r| Rect::new(coord! { x: r.min().x - dx, y: r.min().y - dy }, coord! { x: r.max().x + dx, y: r.max().y + dy }));
        Area { geometry, wide, scale }
    }

    /// Whether `g` lies farther than the margin from this area.
    fn misses(&self, g: &Geometry<f64>) -> bool {
        match (self.wide, g.bounding_rect()) {
            (Some(a), Some(b)) if a.intersects(&b) => !self.geometry.intersects(g) && self.distance_m(g) > MARGIN_M,
            _ => true,
        }
    }

    fn distance_m(&self, g: &Geometry<f64>) -> f64 {
        let (kx, ky) = self.scale;
        let metric = |g: &Geometry<f64>| g.map_coords(|c| coord! { x: c.x * kx, y: c.y * ky });
        Euclidean.distance(&metric(self.geometry), &metric(g))
    }
}

/// For each of `layers` in `after` (the store as an import would leave it): the features lying wholly outside
/// the county, farther than [`MARGIN_M`] from it, when `after` has one, and those lying as far outside the parent
/// they name (communities, grids and units, where the parent is present; a household's grid is a roster claim,
/// checked elsewhere). A feature naming a parent that does not exist is not counted here: the dataset's own
/// check refuses it.
///
/// ```
/// use geo::{Geometry, MultiPolygon, Point, polygon};
/// use gridmap::model::{Dataset, Feature, Layer, outside::outside};
/// let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
/// let f = |code: &str, g| Feature { code: code.into(), properties: Default::default(), geometry: g };
/// let mut ds = Dataset::default();
/// ds.layers.insert(Layer::County, vec![f("610522", Geometry::MultiPolygon(MultiPolygon(vec![square])))]);
/// ds.layers.insert(Layer::Households, vec![f("H1", Point::new(0.5, 0.5).into()), f("H2", Point::new(5., 5.).into())]);
/// let out = outside(&ds, [Layer::Households].into_iter());
/// assert_eq!((out[0].count, out[0].example.as_str()), (1, "H2"));
/// ```
pub fn outside(after: &Dataset, layers: impl Iterator<Item = Layer>) -> Vec<Outside> {
    let county: Vec<Area> = after.get(Layer::County).iter().map(|f| Area::new(&f.geometry)).collect();
    let mut found = Vec::new();
    for layer in layers.filter(|l| *l != Layer::County) {
        let features = after.get(layer);
        if !county.is_empty() {
            let mut out = features.iter().filter(|f| county.iter().all(|c| c.misses(&f.geometry)));
            if let Some(first) = out.next() {
                found.push(Outside { layer, parent: None, count: 1 + out.count(), example: first.code.clone(), example_parent: None });
            }
        }
        // A legacy village's town is the town of its time, which may have been redrawn since.
        let checked = layer != Layer::Villages;
        let Some((key, parent_layer)) = layer.parent().filter(|(_, p)| checked && *p != Layer::County && after.has(*p)) else {
            continue;
        };
        let parents: HashMap<&str, Area> = after.get(parent_layer).iter().map(|p| (p.code.as_str(), Area::new(&p.geometry))).collect();
        let mut out = features
            .iter()
            .filter_map(|f| Some((f, f.str_prop(key)?)))
            .filter(|(f, p)| parents.get(p).is_some_and(|area| area.misses(&f.geometry)));
        if let Some((first, p)) = out.next() {
            found.push(Outside {
                layer,
                parent: Some(parent_layer),
                count: 1 + out.count(),
                example: first.code.clone(),
                example_parent: Some(p.to_string()),
            });
        }
    }
    found
}
