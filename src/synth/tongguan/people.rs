//! Synthetic people: names from common surnames and given-name characters, and obviously fake phones.
//!
//! Villages in Guanzhong are often dominated by one or two lineages (周家城 is mostly 周), so each village
//! draws half its householders from its own surnames. Every phone number is 139 0000 xxxx: a block that
//! reads as fake at a glance.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Common surnames in the Weinan area, most frequent first (党, 雷, 屈 and 寇 are typical of the region).
pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "杨", "赵", "陈", "郭", "马", "孙", "董", "吴", "周", "徐", "高", "何", "段", "雷", "姚",
    "薛", "冯", "胡", "朱", "郑", "韩", "史", "梁", "白", "任", "田", "罗", "魏", "党", "屈", "寇", "卫", "闫", "樊",
    "贾", "宋", "侯", "秦", "杜", "尚", "席", "曹",
];

const MALE: &[&str] = &[
    "建", "国", "军", "伟", "强", "刚", "明", "平", "文", "华", "海", "涛", "斌", "勇", "峰", "林", "鹏", "辉", "超",
    "宏", "志", "永", "德", "安", "福", "民", "忠", "成", "东", "生", "兴", "宝", "荣", "俊", "杰", "磊", "浩", "宇",
    "新", "利", "红", "卫", "社", "武", "满", "有", "发", "全", "长", "保", "治", "学",
];
const FEMALE: &[&str] = &[
    "秀", "英", "兰", "芳", "玲", "娟", "霞", "燕", "梅", "丽", "敏", "静", "艳", "红", "萍", "琴", "桂", "凤", "珍",
    "花", "娥", "莉", "婷", "慧", "娜", "菊", "香", "玉", "彩", "叶", "云", "春", "爱", "雪",
];

/// A surname, weighted towards the front of [`SURNAMES`] (a Zipf-like spread).
pub fn surname(rng: &mut ChaCha8Rng) -> &'static str {
    let n = SURNAMES.len() as f64;
    let u: f64 = rng.gen_range(0.0..1.0);
    // Inverse of a truncated 1/(k+2) density: front names are several times commoner than back ones.
    let k = ((n + 2.0).powf(u) * 2.0f64.powf(1.0 - u) - 2.0).floor() as usize;
    SURNAMES[k.min(SURNAMES.len() - 1)]
}

/// A given name of one or two characters; `male` picks the character list.
pub fn given(rng: &mut ChaCha8Rng, male: bool) -> String {
    let list = if male { MALE } else { FEMALE };
    let first = list[rng.gen_range(0..list.len())];
    if rng.gen_bool(0.25) {
        return first.to_string();
    }
    let mut second = list[rng.gen_range(0..list.len())];
    while second == first {
        second = list[rng.gen_range(0..list.len())];
    }
    format!("{first}{second}")
}

/// A full name with the given surname; householders are mostly men, staff about half women.
pub fn name_with(rng: &mut ChaCha8Rng, surname: &str, male_share: f64) -> String {
    let male = rng.gen_bool(male_share);
    format!("{surname}{}", given(rng, male))
}

/// A full name with a common surname.
pub fn name(rng: &mut ChaCha8Rng, male_share: f64) -> String {
    let s = surname(rng);
    name_with(rng, s, male_share)
}

/// An obviously fake mobile number: 139 0000 xxxx.
pub fn phone(rng: &mut ChaCha8Rng) -> String {
    format!("1390000{:04}", rng.gen_range(0..10_000))
}

/// Chinese numerals for group numbers: 一组, 二组, ..., 十二组, 二十组.
pub fn chinese_number(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n as usize].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", D[(n % 10) as usize]),
        20..=99 => {
            let tail = if n.is_multiple_of(10) { String::new() } else { D[(n % 10) as usize].to_string() };
            format!("{}十{tail}", D[(n / 10) as usize])
        }
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn numerals() {
        assert_eq!(chinese_number(3), "三");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(23), "二十三");
    }

    #[test]
    fn names_and_phones() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut wang = 0;
        for _ in 0..2000 {
            let n = name(&mut rng, 0.7);
            let len = n.chars().count();
            assert!((2..=3).contains(&len), "{n}");
            if n.starts_with('王') {
                wang += 1;
            }
            let p = phone(&mut rng);
            assert!(p.starts_with("1390000") && p.len() == 11);
        }
        // The commonest surname is common, not overwhelming.
        assert!((60..400).contains(&wang), "{wang}");
    }
}
