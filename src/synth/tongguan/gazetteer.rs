//! Where things are and where people live: approximate seats of the 28 communities, their household counts,
//! how many pre-2015 villages each absorbed, and how habitable the ground is.
//!
//! Town placement follows public gazetteer descriptions (see geodata/README.md): the county seat 城关街道 on
//! the 吴村 tableland in the centre-west and north; 秦东镇 along the Yellow River in the north-east around old
//! Tongguan (港口); 代字营镇 about 10 km east of the county seat against Henan; 太要镇 south-east of the seat,
//! across the centre to the southern border; 桐峪镇 in the eastern Qinling foothills. Community seats inside
//! each town are invented: positions are approximate, not surveyed.

/// The plan of one community.
#[derive(Clone, Copy, Debug)]
pub struct CommunityPlan {
    pub code: &'static str,
    /// Seat (lon, lat): where its principal settlement is.
    pub seat: (f64, f64),
    /// Extra seeds that pull empty land (mountain, river flat) into this community's territory.
    pub extra: &'static [(f64, f64)],
    /// Additive reach in metres: positive grows the territory, negative keeps a town-seat community compact.
    pub reach_m: f64,
    /// Expected households (the grid count follows from it).
    pub households: u32,
    /// Pre-2015 administrative villages and residents' committees merged into it.
    pub legacy_units: u8,
}

/// Centre of the county seat (吴村 tableland), lon/lat.
pub const COUNTY_SEAT: (f64, f64) = (110.249, 34.548);

/// The 28 communities. Households add up to about 45,500 (122,600 residents at about 2.7 per household);
/// legacy units add up to 93.
pub const COMMUNITIES: [CommunityPlan; 28] = [
    // 城关街道: the county seat's six residents' committees ring the town centre; four villages around them.
    c("610522001001", (110.249, 34.535), &[], -250.0, 3000, 3), // 南新
    c("610522001004", (110.233, 34.552), &[], -250.0, 2800, 3), // 兴隆
    c("610522001005", (110.251, 34.549), &[], -350.0, 3400, 4), // 吴村中心
    c("610522001009", (110.232, 34.537), &[], -250.0, 2400, 3), // 安乐
    c("610522001010", (110.266, 34.546), &[], -250.0, 2600, 3), // 顺丰
    c("610522001011", (110.249, 34.562), &[], -250.0, 2600, 3), // 庆丰
    c("610522001209", (110.214, 34.586), &[(110.185, 34.625)], 100.0, 1700, 4), // 屯丰
    c("610522001216", (110.206, 34.541), &[(110.195, 34.505)], 100.0, 1500, 4), // 永丰塬
    c("610522001219", (110.208, 34.478), &[(110.19, 34.43), (110.22, 34.41)], 200.0, 1400, 4), // 留翎
    c("610522001222", (110.246, 34.503), &[(110.25, 34.445)], 100.0, 1300, 3), // 中军帐
    // 秦东镇: along the river, old Tongguan at 港口.
    c("610522101001", (110.318, 34.602), &[], -100.0, 2000, 4), // 港口
    c("610522101205", (110.300, 34.579), &[], 0.0, 1300, 3),    // 寺角营
    c("610522101208", (110.279, 34.594), &[(110.262, 34.606)], 0.0, 1300, 3), // 十里铺
    c("610522101211", (110.345, 34.588), &[(110.36, 34.60)], 0.0, 1200, 4), // 四知
    // 太要镇: from the gully south-east of the seat to the southern border.
    c("610522102002", (110.300, 34.509), &[], -100.0, 1900, 4), // 太要
    c("610522102003", (110.281, 34.526), &[], -100.0, 1500, 2), // 秦王寨
    c("610522102206", (110.276, 34.484), &[(110.285, 34.43), (110.27, 34.405)], 150.0, 1400, 3), // 老虎城
    c("610522102207", (110.324, 34.493), &[(110.315, 34.445)], 100.0, 1300, 3), // 欧家城
    // 桐峪镇: the eastern foothills.
    c("610522103001", (110.372, 34.470), &[], -100.0, 1300, 4), // 桐峪
    c("610522103002", (110.394, 34.452), &[], -100.0, 900, 2),  // 东晓
    c("610522103205", (110.347, 34.468), &[(110.345, 34.42)], 100.0, 900, 3), // 三泰
    c("610522103209", (110.386, 34.431), &[(110.40, 34.412), (110.37, 34.405)], 150.0, 800, 4), // 上善
    // 代字营镇: the eastern tableland against Henan, with the former 南头乡 to the north.
    c("610522104001", (110.360, 34.533), &[], -100.0, 1700, 4), // 代字营
    c("610522104205", (110.322, 34.558), &[], 0.0, 1100, 3),    // 鑫园
    c("610522104206", (110.332, 34.538), &[], 0.0, 1100, 3),    // 西姚
    c("610522104208", (110.366, 34.561), &[], 0.0, 1200, 4),    // 南头
    c("610522104210", (110.391, 34.553), &[], 0.0, 1000, 3),    // 东马
    c("610522104216", (110.349, 34.512), &[], 0.0, 900, 3),     // 瀵兴
];

const fn c(
    code: &'static str,
    seat: (f64, f64),
    extra: &'static [(f64, f64)],
    reach_m: f64,
    households: u32,
    legacy_units: u8,
) -> CommunityPlan {
    CommunityPlan { code, seat, extra, reach_m, households, legacy_units }
}

/// The town code of the time for villages before 2015: the seat was 城关镇 (NBS 610522100), not 城关街道
/// (610522001); the other four towns kept their codes.
pub fn town_code_of_the_time(current_town_code: &str) -> String {
    if current_town_code == "610522001" { "610522100".to_string() } else { current_town_code.to_string() }
}

/// The town name of the time.
pub fn town_name_of_the_time(current_town_name: &str) -> String {
    if current_town_name == "城关街道" { "城关镇".to_string() } else { current_town_name.to_string() }
}

/// How habitable the ground at (lon, lat) is, 0..1, before gullies: river flats along the Yellow River in the
/// north are flood land, the loess tablelands (塬) from the river terrace to the foothills carry the
/// villages, the Qinling foothills thin out and the mountains south of about 34.44°N are nearly empty.
pub fn habitability(lat: f64) -> f64 {
    let ramp = |x: f64, x0: f64, x1: f64| ((x - x0) / (x1 - x0)).clamp(0.0, 1.0);
    let tableland = ramp(lat, 34.425, 34.47);
    let flats = 1.0 - 0.6 * ramp(lat, 34.598, 34.612);
    (0.03 + 0.97 * tableland) * flats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_totals() {
        assert_eq!(COMMUNITIES.iter().map(|c| c.legacy_units as u32).sum::<u32>(), 93);
        let hh: u32 = COMMUNITIES.iter().map(|c| c.households).sum();
        assert!((44_000..47_000).contains(&hh), "{hh}");
        assert!(habitability(34.53) > 0.9 && habitability(34.40) < 0.1 && habitability(34.62) < 0.5);
    }
}
