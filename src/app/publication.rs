//! What the county makes public about the people of the chain (公示): for the community secretary, the grid
//! manager and the lane or building heads, whether the name and the work phone are shown to anyone, signed in or
//! not. One setting per county, given to `gridmap serve --publish-people` (default: name and work phone of all
//! three), and the one rule every public view (the `/g/{code}` page, the wall chart, plates) asks. Households are
//! never public: they are not a post here.
//!
//! The work phone is the post's phone of the data contract (`secretary_phone`, `manager_phone`, `head_phone`):
//! the roster records the number a resident should call, and a county that lists private mobiles there publishes
//! the names only (`--publish-people secretary=name,manager=name,head=name`).

use std::fmt;
use std::str::FromStr;

use super::privacy::View;

/// A post of the chain of people whose holder a county may publish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Post {
    /// 社区书记, `secretary` / `secretary_phone` of a community.
    Secretary,
    /// 网格员, `manager` / `manager_phone` of a grid.
    Manager,
    /// 巷长 / 楼长, `head` / `head_phone` of a unit.
    Head,
}

impl Post {
    /// The name of the post in the setting: `secretary`, `manager`, `head`.
    pub fn key(self) -> &'static str {
        match self {
            Post::Secretary => "secretary",
            Post::Manager => "manager",
            Post::Head => "head",
        }
    }

    /// The post for people: 社区书记, 网格员, 巷长/楼长.
    pub fn name_zh(self) -> &'static str {
        match self {
            Post::Secretary => "社区书记",
            Post::Manager => "网格员",
            Post::Head => "巷长/楼长",
        }
    }

    /// The properties holding the post's name and work phone in its layer.
    pub fn keys(self) -> (&'static str, &'static str) {
        match self {
            Post::Secretary => ("secretary", "secretary_phone"),
            Post::Manager => ("manager", "manager_phone"),
            Post::Head => ("head", "head_phone"),
        }
    }
}

/// Which of a post's fields are public.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fields {
    pub name: bool,
    pub phone: bool,
}

impl Fields {
    pub const BOTH: Fields = Fields { name: true, phone: true };
    pub const NONE: Fields = Fields { name: false, phone: false };
}

/// The county's publication setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publication {
    pub secretary: Fields,
    pub manager: Fields,
    pub head: Fields,
}

impl Default for Publication {
    /// Name and work phone of every post: what a 公示牌 is for.
    fn default() -> Self {
        Publication { secretary: Fields::BOTH, manager: Fields::BOTH, head: Fields::BOTH }
    }
}

/// What a county publishes and where: the people setting and the public base URL (`serve --public-url`) that
/// QR codes point under (`{url}/g/{code}`).
#[derive(Clone, Debug, Default)]
pub struct Public {
    /// Without a trailing slash; `None`: the address the request came to.
    pub url: Option<String>,
    pub people: Publication,
}

impl Public {
    /// The public page of `code` under the configured base URL, or under `fallback_base` (the request's own
    /// origin, e.g. `http://127.0.0.1:8080`) when none is configured.
    ///
    /// ```
    /// use gridmap::app::publication::Public;
    /// let p = Public { url: Some("https://gm.tongguan.gov.cn/".into()), ..Default::default() };
    /// assert_eq!(p.page_url("610522001001001", "http://x"), "https://gm.tongguan.gov.cn/g/610522001001001");
    /// ```
    pub fn page_url(&self, code: &str, fallback_base: &str) -> String {
        let base = self.url.as_deref().unwrap_or(fallback_base).trim_end_matches('/');
        format!("{base}/g/{code}")
    }
}

/// One field of a person as a view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub text: String,
    /// Whether `text` is the value itself (published, or the caller may see it), not a mask.
    pub full: bool,
}

/// A post's holder as a view shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    pub name: Option<Shown>,
    pub phone: Option<Shown>,
}

impl Person {
    /// The number to dial (`tel:` link) when the phone is shown in full.
    pub fn dial(&self) -> Option<&str> {
        self.phone.as_ref().filter(|p| p.full).map(|p| p.text.as_str())
    }
}

impl Publication {
    pub fn fields(&self, post: Post) -> Fields {
        match post {
            Post::Secretary => self.secretary,
            Post::Manager => self.manager,
            Post::Head => self.head,
        }
    }

    /// The holder of `post` among a feature's properties, as a caller whose own view of the feature is `view`
    /// sees them: in full where the county publishes the field or `view` is full, masked otherwise. Empty values
    /// are absent.
    ///
    /// ```
    /// use gridmap::app::privacy::View;
    /// use gridmap::app::publication::{Post, Publication};
    /// let props = serde_json::json!({"manager": "李娜", "manager_phone": "13900000002"});
    /// let p = Publication::default().person(Post::Manager, props.as_object().unwrap(), View::Masked);
    /// assert_eq!((p.name.as_ref().unwrap().text.as_str(), p.dial()), ("李娜", Some("13900000002")));
    /// let names_only: Publication = "manager=name".parse().unwrap();
    /// let p = names_only.person(Post::Manager, props.as_object().unwrap(), View::Masked);
    /// assert_eq!((p.phone.as_ref().unwrap().text.as_str(), p.dial()), ("139****0002", None));
    /// ```
    pub fn person(&self, post: Post, props: &serde_json::Map<String, serde_json::Value>, view: View) -> Person {
        let (name_key, phone_key) = post.keys();
        let get = |k: &str| props.get(k).and_then(serde_json::Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let fields = self.fields(post);
        let show = |value: &str, public: bool, mask: fn(View, &str) -> String| {
            let full = public || !view.masked();
            Shown { text: if full { value.to_string() } else { mask(View::Masked, value) }, full }
        };
        Person {
            name: get(name_key).map(|n| show(n, fields.name, |v, s| v.name(s))),
            phone: get(phone_key).map(|p| show(p, fields.phone, |v, s| v.phone(s))),
        }
    }
}

/// A setting that cannot be read, with what and where.
#[derive(Debug, PartialEq, Eq)]
pub struct BadSetting(pub String);

impl fmt::Display for BadSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadSetting {}

impl FromStr for Publication {
    type Err = BadSetting;

    /// `secretary=name+phone,manager=name,head=none`: the posts named get exactly the fields listed; posts not
    /// named keep the default (name and phone). `all=...` sets every post.
    ///
    /// ```
    /// use gridmap::app::publication::{Fields, Publication};
    /// let p: Publication = "all=name,manager=name+phone".parse().unwrap();
    /// assert_eq!((p.secretary, p.manager), (Fields { name: true, phone: false }, Fields::BOTH));
    /// assert!("manager=face".parse::<Publication>().unwrap_err().0.contains("face"));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut p = Publication::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (post, fields) = part.split_once('=').ok_or_else(|| {
                BadSetting(format!("公示设置 \"{part}\" 应写成 岗位=字段 (expected POST=FIELDS, e.g. manager=name+phone)"))
            })?;
            let mut f = Fields::NONE;
            for field in fields.split('+').map(str::trim) {
                match field {
                    "name" => f.name = true,
                    "phone" => f.phone = true,
                    "none" => {}
                    other => {
                        return Err(BadSetting(format!(
                            "公示设置 \"{part}\" 中的字段 \"{other}\" 未知，可用 name、phone、none (unknown field)"
                        )));
                    }
                }
            }
            match post.trim() {
                "secretary" => p.secretary = f,
                "manager" => p.manager = f,
                "head" => p.head = f,
                "all" => p = Publication { secretary: f, manager: f, head: f },
                other => {
                    return Err(BadSetting(format!(
                        "公示设置 \"{part}\" 中的岗位 \"{other}\" 未知，可用 secretary、manager、head、all (unknown post)"
                    )));
                }
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_who_may_see_gets_unpublished_fields_in_full() {
        let props = serde_json::json!({"head": "赵敏", "head_phone": "13900000004"});
        let hidden: Publication = "all=none".parse().unwrap();
        let masked = hidden.person(Post::Head, props.as_object().unwrap(), View::Masked);
        assert_eq!(masked.name.clone().unwrap(), Shown { text: "赵*".into(), full: false });
        assert_eq!(masked.dial(), None);
        let full = hidden.person(Post::Head, props.as_object().unwrap(), View::Full);
        assert_eq!(full.dial(), Some("13900000004"));
    }

    #[test]
    fn empty_values_are_absent() {
        let props = serde_json::json!({"manager": " ", "manager_phone": null});
        assert_eq!(Publication::default().person(Post::Manager, props.as_object().unwrap(), View::Masked), Person::default());
    }
}
