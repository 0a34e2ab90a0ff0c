//! Matching a roster's addresses to door plates (门牌), for roster rows without coordinates: exact first, then
//! normalised, then fuzzy with a score, else a lane or building by its name. Each address ends placed,
//! ambiguous (the candidates with their scores) or unmatched. Pure: it knows the plates and units it is given,
//! nothing of files or stores.
//!
//! Normalising undoes how people type an address: full-width letters and digits (`３号`), `號` for `号`, `队`
//! for `组` (a villager group was a production team), Chinese numerals before `组` (`三组` and `3组`), spaces, and
//! the county and town names written or left out at the front.
//!
//! Fuzzy matching forgives typos in the words only: the numbers of an address (group, house, building, stair,
//! room) must be the same, because a plate one number away is a neighbour's door, and placing a household
//! there is worse than asking. A fuzzy match is taken when its score (normalised Levenshtein similarity over
//! characters, `strsim`) is at least [`FUZZY_MIN`] and no other plate comes within [`FUZZY_MARGIN`] of it.

use std::collections::HashMap;

/// The least similarity a fuzzy match needs.
pub const FUZZY_MIN: f64 = 0.8;
/// How far ahead of the next candidate a fuzzy match must be; closer, the address is ambiguous.
pub const FUZZY_MARGIN: f64 = 0.05;
/// Most candidates an ambiguous address lists.
const LISTED: usize = 5;

/// How an address was placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// The plate's address as written.
    Exact,
    /// The same address once normalised.
    Normalised,
    /// A typo away, with the same numbers.
    Fuzzy,
    /// No plate: a lane or building whose name the address holds.
    Unit,
}

impl How {
    /// In words, for the report.
    pub fn zh(self) -> &'static str {
        match self {
            How::Exact => "完全一致",
            How::Normalised => "规范化后一致",
            How::Fuzzy => "模糊匹配",
            How::Unit => "按巷道/楼栋名称",
        }
    }
}

/// A plate or unit an address may be, with its score (1 for an exact or normalised match).
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The plate's code, or the unit's for [`How::Unit`].
    pub code: String,
    pub score: f64,
}

/// What became of one address.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Placed { how: How, at: Candidate },
    Ambiguous(Vec<Candidate>),
    Unmatched,
}

/// The door plates and units addresses are matched against.
pub struct Matcher {
    /// Prefixes left out or written at the front, longest first, normalised.
    prefixes: Vec<String>,
    /// Plate codes and their addresses as written.
    plates: Vec<(String, String)>,
    exact: HashMap<String, Vec<usize>>,
    normal: HashMap<String, Vec<usize>>,
    /// Plates by the numbers of their address, with the normalised text: the fuzzy candidates.
    by_numbers: HashMap<Vec<u32>, Vec<(usize, Vec<char>)>>,
    /// Units' codes and normalised names, longest name first.
    units: Vec<(String, String)>,
}

impl Matcher {
    /// A matcher over `plates` (code, address), `units` (code, name) and the county's and towns' names
    /// (`prefixes`: what may be written or left out at the front of an address).
    ///
    /// ```
    /// use gridmap::import::address_match::{How, Matcher, Outcome};
    /// let m = Matcher::new(
    ///     &[("P1".into(), "潼关县城关街道上屯村一组3号".into()), ("P2".into(), "潼关县城关街道上屯村一组4号".into())],
    ///     &[("U1".into(), "南新社区4号楼".into())],
    ///     &["潼关县".into(), "城关街道".into()],
    /// );
    /// assert!(matches!(m.place("潼关县城关街道上屯村一组3号"), Outcome::Placed { how: How::Exact, .. }));
    /// let Outcome::Placed { how, at } = m.place("上屯村 1队 ３號") else { panic!() };
    /// assert_eq!((how, at.code.as_str()), (How::Normalised, "P1"));
    /// let Outcome::Placed { how, at } = m.place("城关街道上吞村一组4号") else { panic!() };
    /// assert_eq!((how, at.code.as_str()), (How::Fuzzy, "P2"));
    /// assert_eq!(m.place("上屯村一组9号"), Outcome::Unmatched);
    /// let Outcome::Placed { how, at } = m.place("南新社区4号楼2单元301") else { panic!() };
    /// assert_eq!((how, at.code.as_str()), (How::Unit, "U1"));
    /// ```
    pub fn new(plates: &[(String, String)], units: &[(String, String)], prefixes: &[String]) -> Matcher {
        let mut prefixes: Vec<String> = prefixes.iter().map(|p| clean(p)).filter(|p| !p.is_empty()).collect();
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        prefixes.dedup();
        let mut m = Matcher {
            prefixes,
            plates: plates.to_vec(),
            exact: HashMap::new(),
            normal: HashMap::new(),
            by_numbers: HashMap::new(),
            units: Vec::new(),
        };
        for (i, (_, address)) in plates.iter().enumerate() {
            m.exact.entry(address.trim().to_string()).or_default().push(i);
            let n = m.normalise(address);
            m.by_numbers.entry(numbers(&n)).or_default().push((i, n.chars().collect()));
            m.normal.entry(n).or_default().push(i);
        }
        let mut units: Vec<(String, String)> =
            units.iter().map(|(c, n)| (c.clone(), m.normalise(n))).filter(|(_, n)| n.chars().count() >= 2).collect();
        units.sort_by(|a, b| b.1.chars().count().cmp(&a.1.chars().count()).then_with(|| a.0.cmp(&b.0)));
        m.units = units;
        m
    }

    /// An address normalised: full-width to half-width, `號` to `号`, `队` to `组`, Chinese numerals before `组`
    /// to digits, no spaces, the county and town names at the front dropped.
    ///
    /// ```
    /// # use gridmap::import::address_match::Matcher;
    /// let m = Matcher::new(&[], &[], &["潼关县".into(), "太要镇".into()]);
    /// assert_eq!(m.normalise("潼关县 太要镇老虎城村十二队１２號"), "老虎城村12组12号");
    /// assert_eq!(m.normalise("太要镇老虎城村十二组12号"), "老虎城村12组12号");
    /// ```
    pub fn normalise(&self, address: &str) -> String {
        let mut s = clean(address);
        // Prefixes in any order and any subset: 潼关县城关街道, 城关街道, 潼关县.
        while let Some(p) = self.prefixes.iter().find(|p| s.starts_with(p.as_str()) && s.len() > p.len()) {
            s = s[p.len()..].to_string();
        }
        s
    }

    /// Where `address` goes.
    pub fn place(&self, address: &str) -> Outcome {
        if let Some(is) = self.exact.get(address.trim()) {
            return self.decided(How::Exact, is);
        }
        let n = self.normalise(address);
        if n.is_empty() {
            return Outcome::Unmatched;
        }
        if let Some(is) = self.normal.get(&n) {
            return self.decided(How::Normalised, is);
        }
        let chars: Vec<char> = n.chars().collect();
        let mut scored: Vec<Candidate> = self
            .by_numbers
            .get(&numbers(&n))
            .map(|cands| {
                cands
                    .iter()
                    .map(|(i, text)| Candidate { code: self.plates[*i].0.clone(), score: similarity(&chars, text) })
                    .filter(|c| c.score >= FUZZY_MIN - FUZZY_MARGIN)
                    .collect()
            })
            .unwrap_or_default();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.code.cmp(&b.code)));
        match scored.as_slice() {
            [best, rest @ ..] if best.score >= FUZZY_MIN && rest.first().is_none_or(|r| best.score - r.score >= FUZZY_MARGIN) => {
                return Outcome::Placed { how: How::Fuzzy, at: best.clone() };
            }
            [_, ..] => {
                scored.truncate(LISTED);
                return Outcome::Ambiguous(scored);
            }
            [] => {}
        }
        // No plate: the longest unit name the address holds.
        let mut hits = self.units.iter().filter(|(_, name)| n.contains(name.as_str()));
        match hits.next() {
            Some((code, name)) => {
                let same_length: Vec<&(String, String)> =
                    hits.take_while(|(_, other)| other.chars().count() == name.chars().count()).collect();
                if same_length.is_empty() {
                    Outcome::Placed { how: How::Unit, at: Candidate { code: code.clone(), score: 1.0 } }
                } else {
                    let mut all = vec![Candidate { code: code.clone(), score: 1.0 }];
                    all.extend(same_length.into_iter().take(LISTED - 1).map(|(c, _)| Candidate { code: c.clone(), score: 1.0 }));
                    Outcome::Ambiguous(all)
                }
            }
            None => Outcome::Unmatched,
        }
    }

    /// One plate: placed; several plates with the same address: ambiguous.
    fn decided(&self, how: How, plates: &[usize]) -> Outcome {
        let cands: Vec<Candidate> = plates.iter().map(|&i| Candidate { code: self.plates[i].0.clone(), score: 1.0 }).collect();
        if cands.len() == 1 {
            Outcome::Placed { how, at: cands.into_iter().next().expect("one candidate") }
        } else {
            Outcome::Ambiguous(cands.into_iter().take(LISTED).collect())
        }
    }
}

/// Full-width to half-width, `號` to `号`, `队` to `组`, Chinese numerals before `组` to digits, no whitespace.
fn clean(address: &str) -> String {
    let chars: Vec<char> = address
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '號' => '号',
            '队' | '隊' => '组',
            '組' => '组',
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out = String::with_capacity(address.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| numeral(**c).is_some()).count();
        if run > 0
            && chars.get(i + run) == Some(&'组')
            && let Some(n) = chinese_value(&chars[i..i + run])
        {
            out.push_str(&n.to_string());
            i += run;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn numeral(c: char) -> Option<u32> {
    "零一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32).or(match c {
        '〇' => Some(0),
        '两' => Some(2),
        '十' => Some(10),
        _ => None,
    })
}

/// The value of a Chinese numeral below 100 (`三`, `十二`, `二十`, `二十三`).
fn chinese_value(cs: &[char]) -> Option<u32> {
    let v: Vec<u32> = cs.iter().map(|c| numeral(*c)).collect::<Option<_>>()?;
    match v.as_slice() {
        [d] => Some(*d),
        [10, d] if *d < 10 => Some(10 + d),
        [t, 10] if *t < 10 => Some(t * 10),
        [t, 10, d] if *t < 10 && *d < 10 => Some(t * 10 + d),
        _ => None,
    }
}

/// The numbers an address holds, in order (`上屯村1组3号` → [1, 3]).
fn numbers(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut cur: Option<u32> = None;
    for c in s.chars() {
        match c.to_digit(10) {
            Some(d) => cur = Some(cur.unwrap_or(0).saturating_mul(10).saturating_add(d)),
            None => out.extend(cur.take()),
        }
    }
    out.extend(cur);
    out
}

/// Normalised Levenshtein similarity over characters (1: the same).
fn similarity(a: &[char], b: &[char]) -> f64 {
    1.0 - strsim::generic_levenshtein(&a.to_vec(), &b.to_vec()) as f64 / a.len().max(b.len()).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> Matcher {
        let plates: Vec<(String, String)> = [
            ("P1", "潼关县城关街道上屯村一组3号"),
            ("P2", "潼关县城关街道上屯村一组4号"),
            ("P3", "潼关县城关街道下屯村一组3号"),
            ("P4", "潼关县城关街道南新社区4号楼1单元101"),
            ("P5", "潼关县太要镇老虎城村十二组12号"),
        ]
        .iter()
        .map(|(c, a)| (c.to_string(), a.to_string()))
        .collect();
        let units = vec![("U1".to_string(), "南新社区4号楼".to_string()), ("U2".to_string(), "南新社区5号楼".to_string())];
        Matcher::new(&plates, &units, &["潼关县".into(), "城关街道".into(), "太要镇".into()])
    }

    fn placed(o: Outcome) -> (How, String) {
        match o {
            Outcome::Placed { how, at } => (how, at.code),
            other => panic!("not placed: {other:?}"),
        }
    }

    #[test]
    fn exact_then_normalised() {
        let m = matcher();
        assert_eq!(placed(m.place("潼关县城关街道上屯村一组3号")), (How::Exact, "P1".into()));
        for typed in ["上屯村一组3号", "城关街道上屯村1组3号", "潼关县上屯村一队３號", " 上屯村 一组 3 号 ", "潼关县城关街道上屯村一組3號"] {
            assert_eq!(placed(m.place(typed)), (How::Normalised, "P1".into()), "{typed}");
        }
        assert_eq!(placed(m.place("老虎城村12队１２号")), (How::Normalised, "P5".into()));
        assert_eq!(placed(m.place("南新社区４号楼１单元１０１")), (How::Normalised, "P4".into()));
    }

    #[test]
    fn fuzzy_forgives_words_not_numbers() {
        let m = matcher();
        // 上屯 typed 上吨: one character off, the numbers the same.
        let Outcome::Placed { how, at } = m.place("上吨村一组4号") else { panic!() };
        assert_eq!((how, at.code.as_str()), (How::Fuzzy, "P2"));
        assert!(at.score >= FUZZY_MIN && at.score < 1.0, "{at:?}");
        // 中屯 is as far from 上屯 as from 下屯, and both have a 1组3号: ambiguous, with both listed.
        let Outcome::Ambiguous(c) = m.place("中屯村一组3号") else { panic!() };
        let codes: Vec<&str> = c.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["P1", "P3"]);
        // A number off is never a typo to forgive.
        assert_eq!(m.place("上屯村一组5号"), Outcome::Unmatched);
        assert_eq!(m.place(""), Outcome::Unmatched);
        assert_eq!(m.place("北京市朝阳区"), Outcome::Unmatched);
    }

    #[test]
    fn a_unit_by_its_name_when_no_plate_matches() {
        let m = matcher();
        assert_eq!(placed(m.place("南新社区5号楼2单元301")), (How::Unit, "U2".into()));
        assert_eq!(placed(m.place("城关街道南新社区4号楼3单元502")), (How::Unit, "U1".into()));
    }

    #[test]
    fn numerals_and_numbers() {
        assert_eq!(clean("十二组 二十队 三十五组 三河口村"), "12组20组35组三河口村");
        assert_eq!(numbers("4号楼1单元101"), [4, 1, 101]);
        assert_eq!(numbers("上屯村"), Vec::<u32>::new());
    }
}
