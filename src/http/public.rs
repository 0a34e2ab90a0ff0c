//! The public page of a plate's code, `/g/{code}`: what a resident sees after scanning a door or building plate.
//! Server-rendered HTML with a little inline CSS and no script, so it opens in WeChat's built-in browser and any
//! phone browser, in a few kilobytes. It shows the grid, its manager (a `tel:` link only for a published work
//! phone), the community and its service hall ([`crate::app::public_card`]); never a household. An unknown code
//! gets a clear Chinese page with status 404.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::extract::Path;
use super::AppState;
use crate::app::public_card::{self, Card};
use crate::app::publication::Person;

pub fn router() -> Router<AppState> {
    Router::new().route("/g/{code}", get(page))
}

async fn page(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let atlas = state.atlas();
    let (status, html) = match public_card::card(&atlas, code.trim(), &state.public().people) {
        Some(card) => (StatusCode::OK, card_html(&card)),
        None => (StatusCode::NOT_FOUND, unknown_html(&code)),
    };
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], html).into_response()
}

/// Escapes text for HTML content and attribute values.
///
/// ```
/// assert_eq!(gridmap::http::public::esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
/// ```
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{margin:0;font:17px/1.5 -apple-system,'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif;\
background:#f3f5f7;color:#1d2329}main{max-width:32em;margin:0 auto;padding:12px}h1{font-size:1.3em;margin:.4em 0}\
section{background:#fff;border-radius:10px;padding:12px 14px;margin:10px 0;box-shadow:0 1px 2px #0001}\
h2{font-size:.95em;color:#5b6670;margin:0 0 4px;font-weight:normal}.big{font-size:1.25em;font-weight:bold}\
a.call{display:block;margin-top:8px;padding:12px;border-radius:8px;background:#1a7f37;color:#fff;text-align:center;\
text-decoration:none;font-size:1.1em}.muted{color:#5b6670;font-size:.9em}";

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head>\
<body><main>{body}</main></body></html>",
        esc(title)
    )
}

/// A post's holder: the name, the phone as published, and a call button for a published phone.
fn person_html(post: &str, p: &Person) -> String {
    let name = p.name.as_ref().map_or_else(|| "未登记".to_string(), |n| esc(&n.text));
    let mut s = format!("<h2>{}</h2><div class=\"big\" data-person=\"{}\">{name}</div>", esc(post), esc(post));
    match (&p.phone, p.dial()) {
        (_, Some(tel)) => {
            s += &format!("<a class=\"call\" href=\"tel:{}\">拨打 {}</a>", esc(tel), esc(tel));
        }
        (Some(masked), None) => s += &format!("<div class=\"muted\">电话 {} (未公开)</div>", esc(&masked.text)),
        (None, None) => {}
    }
    s
}

fn card_html(c: &Card) -> String {
    let mut body = format!("<h1>{}</h1><div class=\"muted\">{} · 编码 {}</div>", esc(&c.title), c.kind, esc(&c.code));
    match &c.grid {
        Some(g) => {
            body += &format!("<section><h2>所属网格</h2><div class=\"big\" id=\"grid\">{}</div><div class=\"muted\">{}</div></section>", esc(&g.name), esc(&g.code));
            body += &format!("<section id=\"manager\">{}</section>", person_html("网格员", &g.manager));
        }
        None => body += "<section><h2>所属网格</h2><div>暂未划入网格，请联系社区。</div></section>",
    }
    if let Some(h) = &c.head {
        body += &format!("<section id=\"head\">{}</section>", person_html("巷长/楼长", h));
    }
    if let Some(cm) = &c.community {
        let place = cm.town.as_ref().map_or(String::new(), |t| format!("{} · ", esc(t)));
        body += &format!("<section id=\"community\"><h2>所属社区</h2><div class=\"big\">{}</div><div class=\"muted\">{place}{}</div>", esc(&cm.name), esc(&cm.code));
        body += &format!(
            "<h2 style=\"margin-top:8px\">便民服务大厅</h2><div>{}</div><div class=\"muted\">{}</div></section>",
            cm.hall_address.as_deref().map_or_else(|| "地址未登记，请向社区咨询".to_string(), esc),
            cm.hall_hours.as_deref().map_or_else(|| "开放时间未登记".to_string(), |h| format!("开放时间：{}", esc(h))),
        );
        body += &format!("<section id=\"secretary\">{}</section>", person_html("社区书记", &cm.secretary));
    }
    body += "<p class=\"muted\">本页为网格化管理公示信息，不含任何住户信息。</p>";
    shell(&format!("{} · 网格公示", c.title), &body)
}

fn unknown_html(code: &str) -> String {
    let body = format!(
        "<h1>未找到编码 {}</h1><section><p>这个二维码或编码没有对应的网格、楼栋或门牌。它可能已停用，或门牌印错了。</p>\
<p class=\"muted\">请联系所在社区或拨打当地便民服务电话。(No grid, unit or door plate has this code.)</p></section>",
        esc(code)
    );
    shell("未找到 · 网格公示", &body)
}
