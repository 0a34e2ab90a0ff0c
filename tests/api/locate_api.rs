//! Locate, nearest, search and the households of a grid or unit, over the real server on the mini dataset;
//! masked for a county planner and unmasked with the configured token (anonymous callers get no households at
//! all: `privacy_default`).

use std::path::Path;

use crate::common::{spawn_app_seeded, write_mini};
use gridmap::model::crs::{wgs84_to_bd09, wgs84_to_gcj02};
use serde_json::Value;

const TOKEN: &str = "test-token-7f3a";

/// The real server over a fresh GeoPackage store seeded from `seed`, configured with an access token; its
/// `client` is a county planner's.
struct TokenApp {
    base_url: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TokenApp {
    async fn get_json(&self, path: &str) -> (u16, Value) {
        get_with(&self.base_url, &self.client, path, None).await
    }
}

async fn spawn_with_token(seed: &Path) -> TokenApp {
    let dir = tempfile::tempdir().unwrap();
    let location = gridmap::store::Location::Gpkg(dir.path().join("gridmap.gpkg"));
    let state = gridmap::app::startup::open_state(&location, seed).await.unwrap().with_token(Some(TOKEN));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { gridmap::http::serve(listener, state).await.unwrap() });
    let planner = crate::common::token_on(&location, "planner.default", gridmap::accounts::Role::Planner, "county").await;
    TokenApp { base_url: format!("http://{addr}"), client: crate::common::TestApp::client_with(&planner), _dir: dir }
}

async fn get_with(base: &str, client: &reqwest::Client, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut r = client.get(format!("{base}{path}"));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dx = (a.0 - b.0) * 111_320.0 * (a.1.to_radians()).cos();
    let dy = (a.1 - b.1) * 110_574.0;
    (dx * dx + dy * dy).sqrt()
}

#[tokio::test]
async fn locate_gives_the_chain_masked_by_default_and_full_with_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with_token(&write_mini(dir.path())).await;
    let path = "/api/v1/locate?lon=110.2015&lat=34.5015";
    let (status, v) = app.get_json(path).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["inside_county"], true);
    assert_eq!(v["town"]["code"], "610522001");
    assert_eq!(v["town"]["name"], "城关街道");
    assert_eq!(v["community"]["code"], "610522001001");
    assert_eq!(v["community"]["secretary"], "王**");
    assert_eq!(v["community"]["secretary_phone"], "139****0001");
    assert_eq!(v["village"]["code"], "610522100201");
    assert_eq!(v["grid"]["code"], "610522001001001");
    assert_eq!(v["grid"]["manager"], "李*");
    assert_eq!(v["grid"]["manager_phone"], "139****0002");
    assert_eq!(v["unit"]["code"], "610522001001001001");
    assert_eq!(v["unit"]["head"], "赵*");
    assert_eq!(v["household"]["code"], "H0001");
    assert_eq!(v["household"]["head"], "张*");
    assert_eq!(v["household"]["phone"], "139****1234");
    assert_eq!(v["household"]["distance_m"], 0.0);
    assert_eq!(v["masked"], true);
    assert!(!v.to_string().contains("张三") && !v.to_string().contains("13900001234"), "{v}");

    let (_, full) = get_with(&app.base_url, &app.client, path, Some(TOKEN)).await;
    assert_eq!(full["masked"], false);
    assert_eq!(full["household"]["head"], "张三");
    assert_eq!(full["household"]["phone"], "13900001234");
    assert_eq!(full["community"]["secretary"], "王秀兰");
    // A wrong token is refused outright rather than taken as anonymous.
    let (status, wrong) = get_with(&app.base_url, &app.client, path, Some("test-token-7f3b")).await;
    assert_eq!(status, 401, "{wrong}");
    assert!(wrong["error"]["message"].as_str().unwrap().contains("token"), "{wrong}");
}

#[tokio::test]
async fn gcj02_and_bd09_land_within_a_metre_of_wgs84() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_seeded(&write_mini(dir.path())).await;
    app.sign_in_planner().await;
    // Inside H0003's courtyard (110.2111..110.2112 × 34.5011..34.5013).
    let (lon, lat) = (110.21115, 34.5012);
    let (gx, gy) = wgs84_to_gcj02(lon, lat);
    let (bx, by) = wgs84_to_bd09(lon, lat);
    assert!(metres_between((gx, gy), (lon, lat)) > 100.0, "GCJ-02 moves points by hundreds of metres");
    for (crs, x, y) in [("wgs84", lon, lat), ("gcj02", gx, gy), ("bd09", bx, by)] {
        let (status, v) = app.get_json(&format!("/api/v1/locate?lon={x}&lat={y}&crs={crs}")).await;
        assert_eq!(status, 200, "{crs}: {v}");
        let got = (v["lonlat"][0].as_f64().unwrap(), v["lonlat"][1].as_f64().unwrap());
        assert!(metres_between(got, (lon, lat)) < 1.0, "{crs}: {got:?} is {} m off", metres_between(got, (lon, lat)));
        assert_eq!(v["household"]["code"], "H0003", "{crs}");
        assert_eq!(v["household"]["match"], "inside", "{crs}");
        assert_eq!(v["grid"]["code"], "610522102206001", "{crs}");
        assert_eq!(v["grid"]["manager"], Value::Null, "an unstaffed grid says so with null");
        assert_eq!(v["query"]["crs"], crs);
    }
}

#[tokio::test]
async fn outside_the_county_and_nearest_within_radius() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_seeded(&write_mini(dir.path())).await;
    app.sign_in_planner().await;
    let (status, v) = app.get_json("/api/v1/locate?lon=110.30&lat=34.505").await;
    assert_eq!(status, 200);
    assert_eq!(v["inside_county"], false);
    assert!(v["message"].as_str().unwrap().contains("outside 潼关县"), "{v}");
    assert_eq!(v["grid"], Value::Null);

    // ~20 m east of 孙七's door (110.213, 34.505): the nearest household within the default 30 m.
    let (_, v) = app.get_json("/api/v1/locate?lon=110.21322&lat=34.505").await;
    assert_eq!(v["household"]["code"], "H0005");
    assert_eq!(v["household"]["match"], "nearest");
    let d = v["household"]["distance_m"].as_f64().unwrap();
    assert!((d - 20.2).abs() < 0.5, "{d}");
    let (_, v) = app.get_json("/api/v1/locate?lon=110.21322&lat=34.505&radius_m=10").await;
    assert_eq!(v["household"], Value::Null);
    assert!(v["message"].as_str().unwrap().contains("no household within 10 m"), "{v}");
}

#[tokio::test]
async fn bad_coordinates_are_400_saying_what() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_seeded(&write_mini(dir.path())).await;
    app.sign_in_planner().await;
    for (query, expect) in [
        ("lat=34.5", "lon is required"),
        ("lon=110.2", "lat is required"),
        ("lon=abc&lat=34.5", "lon \"abc\" is not a number"),
        ("lon=110.2&lat=", "lat is required"),
        ("lon=200&lat=34.5", "lon 200 is outside -180..180"),
        ("lon=34.5&lat=110.2", "swapped"),
        ("lon=110.2&lat=34.5&crs=mars", "crs \"mars\" is unknown"),
        ("lon=110.2&lat=34.5&radius_m=-5", "radius_m"),
        ("lon=inf&lat=34.5", "not a finite number"),
    ] {
        for endpoint in ["locate", "nearest"] {
            let (status, v) = app.get_json(&format!("/api/v1/{endpoint}?{query}")).await;
            assert_eq!(status, 400, "{endpoint}?{query}: {v}");
            let msg = v["error"]["message"].as_str().unwrap();
            assert!(msg.contains(expect), "{endpoint}?{query}: {msg}");
        }
    }
    let (status, v) = app.get_json("/api/v1/nearest?lon=110.2&lat=34.5&k=0").await;
    assert_eq!(status, 400, "{v}");
}

#[tokio::test]
async fn nearest_households_in_metres() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_seeded(&write_mini(dir.path())).await;
    app.sign_in_planner().await;
    let (status, v) = app.get_json("/api/v1/nearest?lon=110.2015&lat=34.5015&k=3").await;
    assert_eq!(status, 200, "{v}");
    let hh = v["households"].as_array().unwrap();
    let codes: Vec<&str> = hh.iter().map(|h| h["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["H0001", "H0002", "H0003"]);
    let d: Vec<f64> = hh.iter().map(|h| h["distance_m"].as_f64().unwrap()).collect();
    assert_eq!(d[0], 0.0);
    assert!((d[1] - 458.9).abs() < 2.0, "{d:?}"); // 0.005° of longitude at 34.5°N
    assert!(d[1] <= d[2]);
    assert_eq!(hh[0]["head"], "张*");
    let (_, v) = app.get_json("/api/v1/nearest?lon=110.2015&lat=34.5015&k=3&radius_m=100").await;
    assert_eq!(v["households"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn households_of_a_grid_by_location_and_by_roster() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_seeded(&write_mini(dir.path())).await;
    app.sign_in_planner().await;
    let (status, v) = app.get_json("/api/v1/grids/610522001001001/households").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["grid"]["manager"], "李*");
    assert_eq!(v["chain"]["community"]["code"], "610522001001");
    assert_eq!(v["chain"]["town"]["code"], "610522001");
    assert_eq!(v["count"], 2);
    let hh = v["households"].as_array().unwrap();
    assert_eq!((hh[0]["code"].as_str(), &hh[0]["lies_in"], &hh[0]["on_roster"]), (Some("H0001"), &Value::Bool(true), &Value::Bool(true)));
    // 李四 is on this grid's roster but lives in grid 2.
    assert_eq!(hh[1]["code"], "H0002");
    assert_eq!((&hh[1]["lies_in"], &hh[1]["on_roster"]), (&Value::Bool(false), &Value::Bool(true)));
    assert_eq!(hh[1]["lies_in_grid"], "610522001001002");
    assert_eq!(hh[1]["head"], "李*");
    assert_eq!(v["bbox"].as_array().unwrap().len(), 4);

    let (_, v) = app.get_json("/api/v1/grids/610522001001002/households").await;
    let hh = v["households"].as_array().unwrap();
    assert_eq!(hh.len(), 1);
    assert_eq!((&hh[0]["code"], &hh[0]["lies_in"], &hh[0]["on_roster"]), (&Value::from("H0002"), &Value::Bool(true), &Value::Bool(false)));

    let (status, v) = app.get_json("/api/v1/units/610522001001001001/households").await;
    assert_eq!(status, 200);
    assert_eq!(v["unit"]["head"], "赵*");
    assert_eq!(v["chain"]["grid"]["code"], "610522001001001");
    assert_eq!(v["households"][0]["code"], "H0001");

    for path in ["/api/v1/grids/610522999999999/households", "/api/v1/units/nope/households"] {
        let (status, v) = app.get_json(path).await;
        assert_eq!(status, 404, "{path}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("no "), "{v}");
    }
}

#[tokio::test]
async fn search_by_name_pinyin_initials_address_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with_token(&write_mini(dir.path())).await;
    for (q, kind) in [("zhangsan", "pinyin"), ("zs", "pinyin_initials"), ("张三", "name"), ("ZhangSan", "pinyin"), ("H0001", "code")] {
        let path = format!("/api/v1/search?q={}", urlencode(q));
        // Without the right to see the household, a search by its people finds nothing: the hit itself would
        // say where that person lives. By code it is found, masked.
        let (status, v) = app.get_json(&path).await;
        assert_eq!(status, 200, "{q}: {v}");
        let anonymous: Vec<&Value> = v["hits"].as_array().unwrap().iter().filter(|h| h["layer"] == "households").collect();
        if kind == "code" {
            assert_eq!((&anonymous[0]["code"], &anonymous[0]["head"]), (&Value::from("H0001"), &Value::from("张*")), "{q}");
            assert_eq!(anonymous[0]["chain"]["grid"]["manager"], "李*");
            assert_eq!(anonymous[0]["chain"]["community"]["secretary"], "王**");
        } else {
            assert!(anonymous.is_empty(), "{q}: {v}");
        }
        let (_, v) = get_with(&app.base_url, &app.client, &path, Some(TOKEN)).await;
        let hit = &v["hits"][0];
        assert_eq!(hit["code"], "H0001", "{q}: {v}");
        assert_eq!(hit["match"], kind, "{q}");
        assert_eq!(hit["layer"], "households");
        assert_eq!(hit["head"], "张三", "{q}");
        assert_eq!(hit["chain"]["grid"]["code"], "610522001001001");
        assert_eq!(hit["chain"]["grid"]["manager"], "李娜");
        assert_eq!(hit["chain"]["community"]["secretary"], "王秀兰");
        assert_eq!(hit["chain"]["unit"]["code"], "610522001001001001");
        let lonlat = (hit["lonlat"][0].as_f64().unwrap(), hit["lonlat"][1].as_f64().unwrap());
        assert!(metres_between(lonlat, (110.2015, 34.5015)) < 0.01, "{lonlat:?}");
    }
    // Codes: the community first, then its grids (prefix).
    let (_, v) = app.get_json("/api/v1/search?q=610522001001").await;
    let codes: Vec<&str> = v["hits"].as_array().unwrap().iter().map(|h| h["code"].as_str().unwrap()).collect();
    assert_eq!(codes[..3], ["610522001001", "610522001001001", "610522001001002"]);
    // Names of grids and communities, and their pinyin.
    let (_, v) = app.get_json(&format!("/api/v1/search?q={}", urlencode("老虎城"))).await;
    // The legacy village named exactly 老虎城 first, then the community whose name starts with it.
    assert_eq!((&v["hits"][0]["layer"], &v["hits"][0]["match"]), (&Value::from("villages"), &Value::from("name")));
    assert_eq!((&v["hits"][1]["layer"], &v["hits"][1]["code"]), (&Value::from("communities"), &Value::from("610522102206")));
    let (_, v) = app.get_json("/api/v1/search?q=nanxin").await;
    assert_eq!(v["hits"][0]["code"], "610522001001");
    // Addresses (below the village they are personal: with the token).
    let (_, v) = app.get_json(&format!("/api/v1/search?q={}", urlencode("1单元101"))).await;
    assert_eq!(v["count"], 0, "{v}");
    let (_, v) = get_with(&app.base_url, &app.client, &format!("/api/v1/search?q={}", urlencode("1单元101")), Some(TOKEN)).await;
    assert_eq!(v["hits"][0]["code"], "H0001");
    assert_eq!(v["hits"][0]["match"], "address_contains");
    // Phones only with the token; output unmasked with it.
    let (_, v) = app.get_json("/api/v1/search?q=13900001234").await;
    assert_eq!(v["count"], 0, "{v}");
    let (_, v) = get_with(&app.base_url, &app.client, "/api/v1/search?q=13900001234", Some(TOKEN)).await;
    assert_eq!(v["hits"][0]["code"], "H0001");
    assert_eq!(v["hits"][0]["head"], "张三");
    // Limit and bad requests.
    let (_, v) = app.get_json("/api/v1/search?q=6105&limit=2").await;
    assert_eq!(v["hits"].as_array().unwrap().len(), 2);
    for bad in ["/api/v1/search", "/api/v1/search?q=%20", "/api/v1/search?q=a&limit=0", "/api/v1/search?q=a&limit=x"] {
        let (status, v) = app.get_json(bad).await;
        assert_eq!(status, 400, "{bad}: {v}");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
