//! `/api/docs`: the OpenAPI document as one plain HTML page, rendered on the server so that it reads with no
//! internet and no script: the operations by tag, each with who may call it, its parameters, body and answers,
//! then every schema with its properties.

use std::fmt::Write;

use serde_json::Value;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `#/components/schemas/X` → `X`.
fn ref_name(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

/// A schema in one line, with links to named schemas.
fn type_of(s: &Value) -> String {
    if let Some(r) = s["$ref"].as_str() {
        let n = esc(ref_name(r));
        return format!("<a href=\"#schema-{n}\">{n}</a>");
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = s[key].as_array() {
            let parts: Vec<String> = list.iter().map(type_of).filter(|t| t != "null").collect();
            return parts.join(" | ");
        }
    }
    let t = match &s["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect::<Vec<_>>().join(" | "),
        _ if s.get("properties").is_some() => "object".into(),
        _ => "any".into(),
    };
    match t.as_str() {
        "array" => format!("{}[]", type_of(&s["items"])),
        _ => match s["format"].as_str() {
            Some(f) => format!("{t} ({})", esc(f)),
            None => esc(&t),
        },
    }
}

fn text(v: &Value) -> String {
    esc(v.as_str().unwrap_or("")).replace("\n\n", "<br>")
}

const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:1100px;margin:auto;\
padding:1em;line-height:1.5;color:#222}code,.path{font-family:ui-monospace,monospace}h3{margin-bottom:.2em}\
.op{border-top:1px solid #ccc;padding:.5em 0}.m{display:inline-block;min-width:4.5em;font-weight:bold}\
.get{color:#1565c0}.post{color:#2e7d32}.patch{color:#ef6c00}.delete{color:#c62828}\
table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}\
.access{color:#555}nav li{margin:.1em 0}";

/// The page.
pub fn render(doc: &Value) -> String {
    let mut h = String::new();
    let title = text(&doc["info"]["title"]);
    let _ = write!(
        h,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title} 接口文档 (API reference)</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{STYLE}</style></head><body>\
         <h1>{title} 接口文档 <small>(API reference)</small></h1><p>{}</p>\
         <p>机器可读的文档 (the machine-readable document): <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI {}). \
         版本 (version) {}.</p>",
        text(&doc["info"]["description"]),
        esc(doc["openapi"].as_str().unwrap_or("3")),
        esc(doc["info"]["version"].as_str().unwrap_or("")),
    );
    h.push_str("<h2>认证 (authentication)</h2><ul>");
    if let Some(schemes) = doc["components"]["securitySchemes"].as_object() {
        for (name, s) in schemes {
            let _ = write!(h, "<li><code>{}</code>: {}</li>", esc(name), text(&s["description"]));
        }
    }
    h.push_str("</ul><p>错误的回答体一律为 (every error answers) <a href=\"#schema-ErrorBody\">ErrorBody</a>.</p>");

    let tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .map(|ts| ts.iter().map(|t| (t["name"].as_str().unwrap_or("").to_string(), text(&t["description"]))).collect())
        .unwrap_or_default();
    let ops: Vec<(&str, &str, &Value)> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object().into_iter().flatten().filter(|(_, op)| op.get("responses").is_some()).map(move |(m, op)| (path.as_str(), m.as_str(), op))
        })
        .collect();
    h.push_str("<nav><h2>目录 (contents)</h2><ul>");
    for (tag, description) in &tags {
        let _ = write!(h, "<li><a href=\"#tag-{0}\">{description}</a><ul>", esc(tag));
        for (path, method, op) in ops.iter().filter(|(_, _, op)| op["tags"][0] == tag.as_str()) {
            let _ = write!(
                h,
                "<li><a href=\"#{}\"><span class=\"m {method}\">{}</span> <span class=\"path\">{}</span></a> {}</li>",
                anchor(method, path),
                method.to_uppercase(),
                esc(path),
                text(&op["summary"]),
            );
        }
        h.push_str("</ul></li>");
    }
    h.push_str("<li><a href=\"#schemas\">数据结构 (schemas)</a></li></ul></nav>");

    for (tag, description) in &tags {
        let _ = write!(h, "<h2 id=\"tag-{}\">{description}</h2>", esc(tag));
        for (path, method, op) in ops.iter().filter(|(_, _, op)| op["tags"][0] == tag.as_str()) {
            operation(&mut h, path, method, op);
        }
    }

    h.push_str("<h2 id=\"schemas\">数据结构 (schemas)</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, s) in schemas {
            schema(&mut h, name, s);
        }
    }
    h.push_str("</body></html>");
    h
}

fn anchor(method: &str, path: &str) -> String {
    let p: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("op-{method}{p}")
}

fn operation(h: &mut String, path: &str, method: &str, op: &Value) {
    let _ = write!(
        h,
        "<div class=\"op\"><h3 id=\"{}\"><span class=\"m {method}\">{}</span> <span class=\"path\">{}</span></h3><p>{}</p>",
        anchor(method, path),
        method.to_uppercase(),
        esc(path),
        text(&op["summary"]),
    );
    if let Some(d) = op["description"].as_str() {
        let _ = write!(h, "<p class=\"access\">{}</p>", esc(d).replace("\n\n", "<br>"));
    }
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        h.push_str("<table><tr><th>参数 (parameter)</th><th>位置 (in)</th><th>类型 (type)</th><th>必填 (required)</th><th>说明 (description)</th></tr>");
        for p in params {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(&p["name"]),
                text(&p["in"]),
                type_of(&p["schema"]),
                if p["required"] == true { "是 (yes)" } else { "" },
                text(&p["description"]),
            );
        }
        h.push_str("</table>");
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        for (media, c) in content {
            let _ = write!(h, "<p>请求体 (request body) <code>{}</code>: {}</p>", esc(media), type_of(&c["schema"]));
        }
    }
    h.push_str("<table><tr><th>状态 (status)</th><th>说明 (description)</th><th>内容 (content)</th></tr>");
    for (code, r) in op["responses"].as_object().into_iter().flatten() {
        let content: Vec<String> = r["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(media, c)| format!("<code>{}</code> {}", esc(media), type_of(&c["schema"])))
            .collect();
        let _ = write!(h, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(code), text(&r["description"]), content.join("<br>"));
    }
    h.push_str("</table></div>");
}

fn schema(h: &mut String, name: &str, s: &Value) {
    let n = esc(name);
    let _ = write!(h, "<div class=\"op\"><h3 id=\"schema-{n}\">{n}</h3>");
    if let Some(d) = s["description"].as_str() {
        let _ = write!(h, "<p>{}</p>", esc(d));
    }
    let required: Vec<&str> = s["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    if let Some(props) = s["properties"].as_object() {
        h.push_str("<table><tr><th>字段 (field)</th><th>类型 (type)</th><th>必有 (required)</th><th>说明 (description)</th></tr>");
        for (k, p) in props {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(k),
                type_of(p),
                if required.contains(&k.as_str()) { "是 (yes)" } else { "" },
                text(&p["description"]),
            );
        }
        h.push_str("</table>");
    } else {
        let variants = s["oneOf"].as_array().map(|v| v.len()).unwrap_or(0);
        if variants > 0 {
            let _ = write!(h, "<p>{variants} 种之一 (one of {variants} variants):</p>");
            for (i, v) in s["oneOf"].as_array().into_iter().flatten().enumerate() {
                schema(h, &format!("{name}.{}", i + 1), v);
            }
        } else {
            let _ = write!(h, "<p>{}</p>", type_of(s));
        }
    }
    h.push_str("</div>");
}
