//! 天地图 as the map's online basemap, through the server: the page asks `/api/v1/basemap/tianditu/...` of its own
//! origin, and the server fetches the tile with the county's key, keeps it on disk and answers it. The key never
//! reaches a browser, the content security policy stays `'self'`, and a tile fetched once is served again with no
//! internet. Without a key the basemap is not offered and the page works offline as before.
//!
//! 天地图 tiles are in Web Mercator over CGCS2000, which the stored layers share to centimetres (DATA.md): no
//! offset, unlike AMap, Tencent or Baidu tiles.

use std::path::PathBuf;
use std::time::Duration;

use super::error::{Error, Result};

/// The layers 天地图 serves, each as its own tiles: the vector map and imagery, each with its Chinese labels.
pub const LAYERS: [(&str, &str); 4] = [("vec", "矢量底图"), ("cva", "矢量注记"), ("img", "影像底图"), ("cia", "影像注记")];

/// The deepest zoom 天地图 serves everywhere.
pub const MAX_ZOOM: u8 = 18;

/// Where tiles come from by default: 天地图's DataServer, spread over its eight hosts.
pub const DEFAULT_URL: &str = "https://t{s}.tianditu.gov.cn/DataServer?T={layer}_w&x={x}&y={y}&l={z}&tk={key}";

/// How long one tile may take upstream before the page is answered without it.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);

/// The basemap proxy of a server started with a 天地图 key.
pub struct Tianditu {
    key: String,
    /// `{s}` host digit, `{layer}`, `{z}`, `{x}`, `{y}`, `{key}`.
    url: String,
    cache: PathBuf,
    client: reqwest::Client,
}

/// A tile as answered: its bytes and content type.
pub struct Tile {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

impl Tianditu {
    /// The proxy for `key`, fetching from `url` (a template, [`DEFAULT_URL`] in production) and keeping tiles under
    /// `cache`.
    pub fn new(key: String, url: Option<String>, cache: PathBuf) -> Result<Tianditu> {
        if key.trim().is_empty() {
            return Err(Error::BadInput("天地图密钥为空（--tianditu-key is empty）".into()));
        }
        let client = reqwest::Client::builder()
            .timeout(UPSTREAM_TIMEOUT)
            .user_agent(concat!("gridmap/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        std::fs::create_dir_all(&cache).map_err(|e| Error::BadInput(format!("瓦片缓存目录 {}: {e}", cache.display())))?;
        Ok(Tianditu { key: key.trim().to_string(), url: url.unwrap_or_else(|| DEFAULT_URL.to_string()), cache, client })
    }

    /// Tile `z/x/y` of `layer`: from the disk cache, else from 天地图 (then cached).
    pub async fn tile(&self, layer: &str, z: u8, x: u32, y: u32) -> Result<Tile> {
        if !LAYERS.iter().any(|(l, _)| *l == layer) {
            let known: Vec<&str> = LAYERS.iter().map(|(l, _)| *l).collect();
            return Err(Error::NotFound(format!("没有天地图图层 {layer:?}，可用 {}（no such layer）", known.join(", "))));
        }
        if z > MAX_ZOOM || u64::from(x) >= 1 << z || u64::from(y) >= 1 << z {
            return Err(Error::BadInput(format!("瓦片 {z}/{x}/{y} 超出范围：z 为 0..={MAX_ZOOM}，x、y 小于 2^z（tile out of range）")));
        }
        let path = self.cache.join(layer).join(z.to_string()).join(x.to_string()).join(y.to_string());
        if let Ok(bytes) = tokio::fs::read(&path).await {
            return Ok(Tile { content_type: sniff(&bytes).to_string(), bytes });
        }
        let url = self
            .url
            .replace("{s}", &((x + y) % 8).to_string())
            .replace("{layer}", layer)
            .replace("{z}", &z.to_string())
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string())
            .replace("{key}", &self.key);
        // What the log and the answer say of a failure never carries the key.
        let unreachable = |why: String| Error::Upstream(format!("天地图暂时无法访问（{why}），本次不显示该处底图（the basemap's tile server failed）"));
        let response = self.client.get(&url).send().await.map_err(|e| unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| unreachable(e.without_url().to_string()))?.to_vec();
        if !status.is_success() || !matches!(sniff(&bytes), "image/png" | "image/jpeg") {
            // 天地图 answers a wrong or exhausted key with 403 or an XML/HTML page.
            return Err(unreachable(format!("HTTP {status}，不是图片；请检查天地图密钥与配额")));
        }
        // Written whole, then renamed: a tile cut short by a crash is never served.
        if let Some(dir) = path.parent() {
            let tmp = dir.join(format!(".{y}.{}", std::process::id()));
            if tokio::fs::create_dir_all(dir).await.is_ok() && tokio::fs::write(&tmp, &bytes).await.is_ok() {
                let _ = tokio::fs::rename(&tmp, &path).await;
            }
        }
        Ok(Tile { content_type: sniff(&bytes).to_string(), bytes })
    }
}

/// The image type by its first bytes.
fn sniff(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn tiles_are_known_by_their_first_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), "image/png");
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), "image/jpeg");
        assert_eq!(sniff(b"<?xml version"), "application/octet-stream");
    }
}
