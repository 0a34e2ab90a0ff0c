//! Search over householders' names, addresses and household codes, and over the names and codes of towns,
//! communities, legacy villages, grids and units, with pinyin (全拼) and pinyin initials (首字母) for every
//! name: `zhangsan` and `zs` find 张三.
//!
//! Results come in tiers, best first, and within a tier by layer (towns, communities, grids, units, legacy
//! villages, households) and code, or by the matched key for prefix tiers (so `610522102` lists the town
//! before its communities):
//!
//! | tier | [`MatchKind`] |
//! |---|---|
//! | the code, exactly | `Code` |
//! | the phone number, exactly (only when asked: [`SearchOptions::phones`]) | `Phone` |
//! | the name, exactly | `Name` |
//! | the name's pinyin or its initials, exactly | `Pinyin`, `PinyinInitials` |
//! | a code starting with the query | `CodePrefix` |
//! | a name starting with the query | `NamePrefix` |
//! | pinyin or initials starting with the query | `PinyinPrefix` |
//! | a name containing the query | `NameContains` |
//! | an address containing the query | `AddressContains` |
//! | every space-separated term somewhere in name, address or pinyin | `AllTerms` |
//!
//! Everything is matched after normalisation: full-width ASCII to half-width, lower case, `ü` as `v`, spaces and
//! apostrophes dropped (but terms split on spaces for the last tier). Exact and prefix tiers are binary
//! searches in sorted key arrays; substring tiers walk the shortest posting list of the query's character
//! bigrams and verify each candidate, stopping as soon as the limit is reached.

use std::collections::HashMap;

use pinyin::ToPinyinMulti;

use super::Atlas;
use crate::model::{Feature, Layer};

/// Why a hit matched; the tiers of the module documentation, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    Code,
    Phone,
    Name,
    Pinyin,
    PinyinInitials,
    CodePrefix,
    NamePrefix,
    PinyinPrefix,
    NameContains,
    AddressContains,
    AllTerms,
}

impl MatchKind {
    /// The name used in the API (`code`, `name_prefix`, `pinyin_initials`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Code => "code",
            MatchKind::Phone => "phone",
            MatchKind::Name => "name",
            MatchKind::Pinyin => "pinyin",
            MatchKind::PinyinInitials => "pinyin_initials",
            MatchKind::CodePrefix => "code_prefix",
            MatchKind::NamePrefix => "name_prefix",
            MatchKind::PinyinPrefix => "pinyin_prefix",
            MatchKind::NameContains => "name_contains",
            MatchKind::AddressContains => "address_contains",
            MatchKind::AllTerms => "all_terms",
        }
    }
}

/// One search result: a feature and why it matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchHit {
    pub layer: Layer,
    /// Index in the layer's features.
    pub index: usize,
    pub kind: MatchKind,
}

/// How to search.
#[derive(Clone, Copy, Debug)]
pub struct SearchOptions {
    /// At most this many hits.
    pub limit: usize,
    /// Also match households' phone numbers exactly (for callers allowed to see them).
    pub phones: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { limit: 10, phones: false }
    }
}

/// Layers in the order results list them within a tier.
const LAYER_ORDER: [Layer; 7] =
    [Layer::Towns, Layer::Communities, Layer::Grids, Layer::Units, Layer::Villages, Layer::Households, Layer::County];

struct Item {
    layer: Layer,
    index: u32,
    /// Normalised name (householder's for households).
    name: Box<str>,
    /// Normalised address (households).
    address: Box<str>,
    /// Name, address and pinyin keys, separated by `\u{1}`: what the all-terms tier looks in.
    all: Box<str>,
}

/// Character unigram and bigram posting lists over one text field, ids ascending.
#[derive(Default)]
struct Grams {
    uni: HashMap<char, Vec<u32>>,
    bi: HashMap<(char, char), Vec<u32>>,
}

impl Grams {
    fn add(&mut self, id: u32, text: &str) {
        let mut prev: Option<char> = None;
        for c in text.chars() {
            push_unique(self.uni.entry(c).or_default(), id);
            if let Some(p) = prev {
                push_unique(self.bi.entry((p, c)).or_default(), id);
            }
            prev = Some(c);
        }
    }

    /// The shortest posting list that every text containing `q` is on (None: no text contains it).
    fn candidates(&self, q: &str) -> Option<&[u32]> {
        let chars: Vec<char> = q.chars().collect();
        match chars.len() {
            0 => None,
            1 => self.uni.get(&chars[0]).map(Vec::as_slice),
            _ => {
                let mut best: Option<&[u32]> = None;
                for w in chars.windows(2) {
                    let list = self.bi.get(&(w[0], w[1]))?.as_slice();
                    if best.is_none_or(|b| list.len() < b.len()) {
                        best = Some(list);
                    }
                }
                best
            }
        }
    }
}

fn push_unique(v: &mut Vec<u32>, id: u32) {
    if v.last() != Some(&id) {
        v.push(id);
    }
}

/// Sorted `(key, id)` pairs: exact matches and prefix matches by binary search.
#[derive(Default)]
struct Keys(Vec<(Box<str>, u32)>);

impl Keys {
    fn finish(&mut self) {
        self.0.sort_unstable();
        self.0.dedup();
    }

    fn exact<'a>(&'a self, q: &'a str) -> impl Iterator<Item = u32> + 'a {
        let from = self.0.partition_point(|(k, _)| &**k < q);
        self.0[from..].iter().take_while(move |(k, _)| &**k == q).map(|(_, id)| *id)
    }

    /// The `n` best ids whose key starts with `q`: shortest key first (the closest match: a town's code
    /// before its communities', 张三 before 张三丰), then by id (layer, code).
    fn prefix(&self, q: &str, n: usize) -> std::vec::IntoIter<u32> {
        if n == 0 {
            return Vec::new().into_iter();
        }
        let from = self.0.partition_point(|(k, _)| &**k < q);
        let mut best: Vec<(usize, u32)> = Vec::with_capacity(n + 1);
        for (k, id) in self.0[from..].iter().take_while(|(k, _)| k.starts_with(q)) {
            let key = (k.len(), *id);
            if best.len() == n && key >= best[n - 1] {
                continue;
            }
            let at = best.partition_point(|b| *b < key);
            best.insert(at, key);
            best.truncate(n);
        }
        best.into_iter().map(|(_, id)| id).collect::<Vec<_>>().into_iter()
    }
}

/// The search index of an atlas. Build it once per atlas (see [`Directory`](super::directory::Directory),
/// which holds one).
pub struct SearchIndex {
    items: Vec<Item>,
    codes: Keys,
    names: Keys,
    pinyin: Keys,
    initials: Keys,
    phones: Keys,
    name_grams: Grams,
    address_grams: Grams,
    all_grams: Grams,
}

/// Full-width ASCII to half-width, lower case, `ü` as `v`, runs of whitespace as one space, trimmed.
///
/// ```
/// use gridmap::atlas::search::normalize;
/// assert_eq!(normalize("  ＺｈａｎｇＳａｎ　１２号 "), "zhangsan 12号");
/// assert_eq!(normalize("Lü"), "lv");
/// ```
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            'ü' | 'Ü' => 'v',
            _ => c,
        };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        for l in c.to_lowercase() {
            out.push(l);
        }
    }
    out
}

/// `normalize` without spaces and apostrophes (`xi'an` → `xian`).
fn compact(s: &str) -> String {
    normalize(s).chars().filter(|c| *c != ' ' && *c != '\'').collect()
}

/// At most this many pinyin spellings per name (heteronyms multiply).
const MAX_SPELLINGS: usize = 8;

/// The pinyin spellings of `text` (full, initials): the usual reading of every character first, then each
/// other reading of the first character (surnames: 单 shan, 曾 zeng, 仇 qiu), then of the others one at a
/// time. `ü` is spelt both `v` and `u`. Characters without pinyin are kept if they are ASCII letters or
/// digits and dropped otherwise. Empty when the text has no Chinese character.
///
/// ```
/// use gridmap::atlas::search::pinyin_spellings;
/// let s = pinyin_spellings("张三");
/// assert_eq!(s[0], ("zhangsan".to_string(), "zs".to_string()));
/// assert!(pinyin_spellings("单田芳").iter().any(|(full, _)| full == "shantianfang"));
/// assert!(pinyin_spellings("吕丽").iter().any(|(full, ini)| full == "lvli" && ini == "ll"));
/// assert!(pinyin_spellings("1号楼").iter().any(|(full, ini)| full == "1haolou" && ini == "1hl"));
/// ```
pub fn pinyin_spellings(text: &str) -> Vec<(String, String)> {
    let mut readings: Vec<Vec<String>> = Vec::new();
    let mut any_han = false;
    for c in text.chars() {
        match c.to_pinyin_multi() {
            Some(multi) => {
                any_han = true;
                let mut r: Vec<String> = Vec::new();
                for p in multi {
                    let plain = p.plain();
                    for spelling in [plain.replace('ü', "v"), plain.replace('ü', "u")] {
                        if !r.contains(&spelling) {
                            r.push(spelling);
                        }
                    }
                }
                readings.push(r);
            }
            None if c.is_ascii_alphanumeric() => readings.push(vec![c.to_ascii_lowercase().to_string()]),
            None => {}
        }
    }
    if !any_han {
        return Vec::new();
    }
    let mut choices: Vec<Vec<usize>> = vec![vec![0; readings.len()]];
    'outer: for (pos, r) in readings.iter().enumerate() {
        for alt in 1..r.len() {
            if choices.len() >= MAX_SPELLINGS {
                break 'outer;
            }
            let mut c = vec![0; readings.len()];
            c[pos] = alt;
            choices.push(c);
        }
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for choice in choices {
        let mut full = String::new();
        let mut initials = String::new();
        for (r, &i) in readings.iter().zip(&choice) {
            full.push_str(&r[i]);
            initials.extend(r[i].chars().next());
        }
        if !out.iter().any(|(f, i)| *f == full && *i == initials) {
            out.push((full, initials));
        }
    }
    out
}

fn item_name(layer: Layer, f: &Feature) -> &str {
    match layer {
        Layer::Households => f.nonempty_prop("head").unwrap_or(""),
        _ => f.nonempty_prop("name").unwrap_or(""),
    }
}

impl SearchIndex {
    /// Indexes every layer of `atlas` (about half a second for the default dataset).
    ///
    /// ```
    /// # use gridmap::atlas::Atlas;
    /// # use gridmap::atlas::search::{MatchKind, SearchIndex, SearchOptions};
    /// # use gridmap::model::{Dataset, Feature, Layer};
    /// # let hh = |code: &str, head: &str| Feature { code: code.into(),
    /// #     properties: serde_json::json!({"code": code, "head": head, "address": "太要镇老虎城村三组12号"})
    /// #         .as_object().unwrap().clone(),
    /// #     geometry: geo::Geometry::Point(geo::Point::new(110.2, 34.5)) };
    /// # let mut ds = Dataset::default();
    /// # ds.layers.insert(Layer::Households, vec![hh("H1", "张三"), hh("H2", "李四")]);
    /// let atlas = Atlas::build(&ds, 0).unwrap();
    /// let index = SearchIndex::build(&atlas);
    /// let hits = index.search("zs", SearchOptions::default());
    /// assert_eq!((hits[0].index, hits[0].kind), (0, MatchKind::PinyinInitials));
    /// assert_eq!(index.search("zhangsan", SearchOptions::default())[0].kind, MatchKind::Pinyin);
    /// assert_eq!(index.search("老虎城", SearchOptions::default()).len(), 2);
    /// ```
    pub fn build(atlas: &Atlas) -> SearchIndex {
        let mut items = Vec::new();
        let mut order: Vec<(Layer, usize)> = Vec::new();
        for layer in LAYER_ORDER {
            let Some(idx) = atlas.layer(layer) else { continue };
            let mut ids: Vec<usize> = (0..idx.len()).collect();
            ids.sort_by(|&a, &b| idx.features[a].code.cmp(&idx.features[b].code));
            order.extend(ids.into_iter().map(|i| (layer, i)));
        }
        // Pinyin is the costly part: in parallel, in the final order.
        use rayon::prelude::*;
        let prepared: Vec<_> = order
            .par_iter()
            .map(|&(layer, i)| {
                let f = &atlas.layer(layer).expect("listed above").features[i];
                let name = compact(item_name(layer, f));
                let address = compact(f.nonempty_prop("address").unwrap_or(""));
                let spellings = pinyin_spellings(&name);
                let phone: String = f.nonempty_prop("phone").unwrap_or("").chars().filter(char::is_ascii_digit).collect();
                (layer, i, compact(&f.code), name, address, spellings, phone)
            })
            .collect();
        let mut index = SearchIndex {
            items: Vec::with_capacity(prepared.len()),
            codes: Keys::default(),
            names: Keys::default(),
            pinyin: Keys::default(),
            initials: Keys::default(),
            phones: Keys::default(),
            name_grams: Grams::default(),
            address_grams: Grams::default(),
            all_grams: Grams::default(),
        };
        for (id, (layer, i, code, name, address, spellings, phone)) in prepared.into_iter().enumerate() {
            let id = id as u32;
            if !code.is_empty() {
                index.codes.0.push((code.into(), id));
            }
            if !name.is_empty() {
                index.names.0.push((name.as_str().into(), id));
                index.name_grams.add(id, &name);
            }
            if !address.is_empty() {
                index.address_grams.add(id, &address);
            }
            if !phone.is_empty() {
                index.phones.0.push((phone.into(), id));
            }
            let mut all = format!("{name}\u{1}{address}");
            for (full, ini) in &spellings {
                index.pinyin.0.push((full.as_str().into(), id));
                index.initials.0.push((ini.as_str().into(), id));
                all.push('\u{1}');
                all.push_str(full);
                all.push('\u{1}');
                all.push_str(ini);
            }
            index.all_grams.add(id, &all);
            items.push(Item { layer, index: i as u32, name: name.into(), address: address.into(), all: all.into() });
        }
        index.items = items;
        for keys in [&mut index.codes, &mut index.names, &mut index.pinyin, &mut index.initials, &mut index.phones] {
            keys.finish();
        }
        index
    }

    /// Number of indexed features.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The best hits for `query`, at most `opts.limit`, each feature once (at its best tier).
    pub fn search(&self, query: &str, opts: SearchOptions) -> Vec<SearchHit> {
        let norm = normalize(query);
        let q = compact(&norm);
        let mut out = Collector { limit: opts.limit, hits: Vec::new(), items: &self.items };
        if q.is_empty() || opts.limit == 0 {
            return out.hits;
        }
        let is_pinyin = q.bytes().all(|b| b.is_ascii_lowercase());
        let is_digits = q.bytes().all(|b| b.is_ascii_digit());
        out.extend(self.codes.exact(&q), MatchKind::Code);
        if opts.phones && is_digits {
            out.extend(self.phones.exact(&q), MatchKind::Phone);
        }
        out.extend(self.names.exact(&q), MatchKind::Name);
        if is_pinyin {
            out.extend(self.pinyin.exact(&q), MatchKind::Pinyin);
            out.extend(self.initials.exact(&q), MatchKind::PinyinInitials);
        }
        out.extend(self.codes.prefix(&q, out.wanted()), MatchKind::CodePrefix);
        out.extend(self.names.prefix(&q, out.wanted()), MatchKind::NamePrefix);
        if is_pinyin {
            out.extend(self.pinyin.prefix(&q, out.wanted()), MatchKind::PinyinPrefix);
            out.extend(self.initials.prefix(&q, out.wanted()), MatchKind::PinyinPrefix);
        }
        if let Some(c) = self.name_grams.candidates(&q) {
            out.extend(c.iter().copied().filter(|&id| self.items[id as usize].name.contains(q.as_str())), MatchKind::NameContains);
        }
        if let Some(c) = self.address_grams.candidates(&q) {
            out.extend(
                c.iter().copied().filter(|&id| self.items[id as usize].address.contains(q.as_str())),
                MatchKind::AddressContains,
            );
        }
        let terms: Vec<String> = norm.split(' ').map(compact).filter(|t| !t.is_empty()).collect();
        if terms.len() > 1 {
            // Candidates from the term with the shortest posting list; every term verified.
            let lists: Option<Vec<&[u32]>> = terms.iter().map(|t| self.all_grams.candidates(t)).collect();
            if let Some(shortest) = lists.and_then(|l| l.into_iter().min_by_key(|l| l.len())) {
                out.extend(
                    shortest.iter().copied().filter(|&id| {
                        let all = &self.items[id as usize].all;
                        terms.iter().all(|t| all.contains(t.as_str()))
                    }),
                    MatchKind::AllTerms,
                );
            }
        }
        out.hits
    }
}

struct Collector<'a> {
    limit: usize,
    hits: Vec<SearchHit>,
    items: &'a [Item],
}

impl Collector<'_> {
    /// How many candidates a tier must offer to fill the limit even if all found so far recur in it.
    fn wanted(&self) -> usize {
        if self.hits.len() >= self.limit { 0 } else { self.limit }
    }

    /// Adds hits from `ids` until the limit, skipping features already listed.
    fn extend(&mut self, ids: impl Iterator<Item = u32>, kind: MatchKind) {
        for id in ids {
            if self.hits.len() >= self.limit {
                return;
            }
            let item = &self.items[id as usize];
            let index = item.index as usize;
            if self.hits.iter().any(|h| h.index == index && h.layer == item.layer) {
                continue;
            }
            self.hits.push(SearchHit { layer: item.layer, index, kind });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dataset;
    use geo::{Geometry, Point};

    fn f(code: &str, props: serde_json::Value) -> Feature {
        let mut p = props.as_object().unwrap().clone();
        p.insert("code".into(), code.into());
        Feature { code: code.into(), properties: p, geometry: Geometry::Point(Point::new(110.2, 34.5)) }
    }

    fn index() -> (Atlas, SearchIndex) {
        let mut ds = Dataset::default();
        ds.layers.insert(Layer::Towns, vec![f("610522102", serde_json::json!({"name": "太要镇"}))]);
        ds.layers.insert(Layer::Communities, vec![f("610522102206", serde_json::json!({"name": "老虎城村委会"}))]);
        ds.layers.insert(
            Layer::Grids,
            vec![
                f("610522102206001", serde_json::json!({"name": "老虎城村第1网格"})),
                f("610522102206002", serde_json::json!({"name": "老虎城村第2网格"})),
            ],
        );
        ds.layers.insert(
            Layer::Households,
            vec![
                f("H0003", serde_json::json!({"head": "张三丰", "address": "太要镇老虎城村三组3号", "phone": "13900001111"})),
                f("H0001", serde_json::json!({"head": "张三", "address": "太要镇老虎城村三组12号", "phone": "13900001234"})),
                f("H0002", serde_json::json!({"head": "李四", "address": "太要镇老虎城村一组5号"})),
                f("H0004", serde_json::json!({"head": "单雄信", "address": "城关街道南新社区1号楼101"})),
                f("H0005", serde_json::json!({"head": "赵三", "address": "太要镇秦王寨村二组8号"})),
            ],
        );
        let atlas = Atlas::build(&ds, 0).unwrap();
        let index = SearchIndex::build(&atlas);
        (atlas, index)
    }

    fn codes(atlas: &Atlas, hits: &[SearchHit]) -> Vec<String> {
        hits.iter().map(|h| atlas.layer(h.layer).unwrap().features[h.index].code.clone()).collect()
    }

    fn kinds(hits: &[SearchHit]) -> Vec<MatchKind> {
        hits.iter().map(|h| h.kind).collect()
    }

    #[test]
    fn name_exact_before_prefix_before_contains() {
        let (a, ix) = index();
        let hits = ix.search("张三", SearchOptions::default());
        assert_eq!(codes(&a, &hits), ["H0001", "H0003"]);
        assert_eq!(kinds(&hits), [MatchKind::Name, MatchKind::NamePrefix]);
        let hits = ix.search("三", SearchOptions::default());
        assert_eq!(codes(&a, &hits)[..3], ["H0001", "H0003", "H0005"], "{hits:?}");
    }

    #[test]
    fn pinyin_full_initials_prefix_and_heteronym_surname() {
        let (a, ix) = index();
        let o = SearchOptions::default();
        assert_eq!(codes(&a, &ix.search("zhangsan", o)), ["H0001", "H0003"]);
        assert_eq!(kinds(&ix.search("zhangsan", o)), [MatchKind::Pinyin, MatchKind::PinyinPrefix]);
        assert_eq!(codes(&a, &ix.search("ZS", o))[0], "H0001");
        assert_eq!(codes(&a, &ix.search("Zhang San", o))[0], "H0001");
        assert_eq!(codes(&a, &ix.search("zsf", o)), ["H0003"]);
        assert_eq!(codes(&a, &ix.search("shanxiongxin", o)), ["H0004"]);
        assert_eq!(codes(&a, &ix.search("lhc", o))[..3], ["610522102206", "610522102206001", "610522102206002"]);
    }

    #[test]
    fn codes_exact_and_prefix_parents_first() {
        let (a, ix) = index();
        let hits = ix.search("610522102", SearchOptions::default());
        assert_eq!(kinds(&hits)[1], MatchKind::CodePrefix);
        assert_eq!(codes(&a, &hits), ["610522102", "610522102206", "610522102206001", "610522102206002"]);
        assert_eq!(hits[0].kind, MatchKind::Code);
        assert_eq!(codes(&a, &ix.search("h0002", SearchOptions::default())), ["H0002"]);
    }

    #[test]
    fn addresses_terms_phones_and_limit() {
        let (a, ix) = index();
        let hits = ix.search("三组", SearchOptions::default());
        assert_eq!(codes(&a, &hits), ["H0001", "H0003"]);
        assert!(hits.iter().all(|h| h.kind == MatchKind::AddressContains));
        assert_eq!(codes(&a, &ix.search("老虎城 zs", SearchOptions::default())), ["H0001", "H0003"]);
        assert!(ix.search("13900001234", SearchOptions::default()).is_empty(), "phones only when asked");
        let with = ix.search("13900001234", SearchOptions { phones: true, ..Default::default() });
        assert_eq!((codes(&a, &with)[0].as_str(), with[0].kind), ("H0001", MatchKind::Phone));
        assert_eq!(ix.search("老虎城", SearchOptions { limit: 2, ..Default::default() }).len(), 2);
        assert!(ix.search("   ", SearchOptions::default()).is_empty());
        assert!(ix.search("不存在的名字", SearchOptions::default()).is_empty());
    }
}
