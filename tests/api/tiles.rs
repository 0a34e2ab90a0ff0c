//! Vector tiles at `/tiles` with a real client: GDAL's MVT driver reads tiles saved from the real server, and
//! finds the layer, the features and the properties `/api/v1/layers` gives for the same area; masking per
//! caller exactly as the layers route masks; TileJSON; ETag, 304 and a new ETag after a write; bad addresses.
//!
//! GDAL 3.6's MVT driver opens a single tile file (with `-oo X= -oo Y= -oo Z=` to georeference it) or a
//! tileset directory with a `metadata.json`; whether it also takes a TileJSON URL is checked below and said.


use std::collections::BTreeMap;
use std::path::Path;

use gridmap::accounts::Role;
use gridmap::export::mvt::TileId;
use gridmap::store::AccountStore;
use serde_json::{Value, json};

use crate::common::{self, TestApp, spawn_app_seeded, write_mini};

/// The zoom-10 tile that holds the whole mini dataset, and the zoom-14 one that holds households H0001,
/// H0002, H0003 and H0005 (H0004 lies in the tile east of it).
fn whole() -> TileId {
    TileId::containing(110.21, 34.505, 10)
}
fn households_tile() -> TileId {
    TileId::containing(110.2015, 34.5015, 14)
}

fn path(name: &str, t: TileId) -> String {
    format!("/tiles/{name}/{}/{}/{}.mvt", t.z, t.x, t.y)
}


/// A tile as `client` gets it: status, headers and bytes.
async fn get(app: &TestApp, client: &reqwest::Client, p: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = client.get(app.url(p)).send().await.unwrap();
    let (s, h) = (r.status().as_u16(), r.headers().clone());
    (s, h, r.bytes().await.unwrap().to_vec())
}

/// A saved tile read by GDAL into lon/lat GeoJSON features (`ogr2ogr` of the MVT driver's layer).
async fn gdal_features(tile: &Path, t: TileId, layer: &str, dir: &Path) -> Vec<Value> {
    let out = dir.join(format!("{layer}-{}.geojson", t.z));
    let oo = |k: &str, v: u32| vec!["-oo".to_string(), format!("{k}={v}")];
    let mut args = vec!["-f".to_string(), "GeoJSON".into(), out.display().to_string(), tile.display().to_string()];
    args.extend([oo("X", t.x), oo("Y", t.y), oo("Z", t.z)].concat());
    args.extend(["-t_srs".to_string(), "EPSG:4326".into(), layer.to_string()]);
    let (ok, _, err) = common::gdal("ogr2ogr", args).await;
    assert!(ok, "ogr2ogr could not read {}: {err}", tile.display());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    v["features"].as_array().unwrap().clone()
}

/// Features by code.
fn by_code(features: &[Value]) -> BTreeMap<String, Value> {
    features.iter().map(|f| (f["properties"]["code"].as_str().unwrap().to_string(), f.clone())).collect()
}

/// Whether GDAL's property value is the layers route's: MVT carries arrays as JSON text, integers as integers.
fn same_value(gdal: &Value, layers: &Value) -> bool {
    // GDAL's GeoJSON writer gives JSON text back as JSON.
    if gdal == layers {
        return true;
    }
    match layers {
        Value::Array(_) | Value::Object(_) => gdal.as_str().and_then(|s| serde_json::from_str::<Value>(s).ok()).as_ref() == Some(layers),
        Value::Number(n) => gdal.as_f64() == n.as_f64(),
        other => gdal == other,
    }
}

/// Every non-null property of each layers-route feature, as GDAL read it from the tile.
fn assert_same_properties(tile: &BTreeMap<String, Value>, layers: &BTreeMap<String, Value>, what: &str) {
    assert_eq!(tile.keys().collect::<Vec<_>>(), layers.keys().collect::<Vec<_>>(), "{what}: features");
    for (code, f) in layers {
        for (k, v) in f["properties"].as_object().unwrap() {
            let got = &tile[code]["properties"][k];
            if v.is_null() {
                assert!(got.is_null(), "{what} {code}.{k}: MVT has no null, yet {got}");
            } else {
                assert!(same_value(got, v), "{what} {code}.{k}: tile {got}, layers {v}");
            }
        }
    }
}

/// The lon/lat envelope of features: west, south, east, north.
fn envelope(features: &[Value]) -> [f64; 4] {
    fn walk(v: &Value, e: &mut [f64; 4]) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_number() => {
                let (x, y) = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap());
                *e = [e[0].min(x), e[1].min(y), e[2].max(x), e[3].max(y)];
            }
            Some(a) => a.iter().for_each(|p| walk(p, e)),
            None => {}
        }
    }
    let mut e = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    features.iter().for_each(|f| walk(&f["geometry"]["coordinates"], &mut e));
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_reads_tiles_with_the_features_and_properties_of_the_layers_route() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_seeded(&write_mini(dir.path())).await;
    app.sign_in_planner().await;
    for layer in ["county", "towns", "communities", "villages", "grids", "units"] {
        let (s, h, bytes) = get(&app, &app.client, &path(layer, whole())).await;
        assert_eq!(s, 200, "{layer}");
        assert_eq!(h["content-type"], "application/vnd.mapbox-vector-tile");
        let file = dir.path().join(format!("{layer}.mvt"));
        std::fs::write(&file, &bytes).unwrap();
        let (_, layers) = app.get_json(&format!("/api/v1/layers/{layer}")).await;
        let want = by_code(layers["features"].as_array().unwrap());
        let t = whole();
        let oo = |k: &str, v: u32| format!("{k}={v}");
        let args: Vec<String> = ["-ro", "-al", "-so", file.to_str().unwrap(), "-oo", &oo("X", t.x), "-oo", &oo("Y", t.y), "-oo", &oo("Z", t.z)]
            .iter().map(|s| s.to_string()).collect();
        let (ok, info, err) = common::gdal("ogrinfo", args).await;
        assert!(ok, "ogrinfo {layer}: {err}");
        assert!(info.contains(&format!("Layer name: {layer}\n")), "{info}");
        assert!(info.contains(&format!("Feature Count: {}\n", want.len())), "{layer}: {} features expected in\n{info}", want.len());
        assert!(info.contains("Pseudo-Mercator") || info.contains("3857"), "georeferenced in Web Mercator:\n{info}");
        let got = by_code(&gdal_features(&file, t, layer, dir.path()).await);
        assert_same_properties(&got, &want, layer);
        // Each polygon lies where the layers route has it: GDAL's envelope matches to a tile unit (~9 m at z10).
        for (code, f) in &want {
            let (a, b) = (envelope(std::slice::from_ref(f)), envelope(std::slice::from_ref(&got[code])));
            assert!(a.iter().zip(b).all(|(p, q)| (p - q).abs() < 2e-4), "{layer} {code}: layers {a:?}, tile {b:?}");
        }
    }

    // Households from zoom 14: the tile holds exactly the households whose door lies in it.
    let t = households_tile();
    let (s, _, bytes) = get(&app, &app.client, &path("households", t)).await;
    assert_eq!(s, 200);
    let file = dir.path().join("households.mvt");
    std::fs::write(&file, &bytes).unwrap();
    let [w, so, e, n] = t.bounds_lonlat(0.0);
    let (_, layers) = app.get_json(&format!("/api/v1/layers/households?bbox={w},{so},{e},{n}")).await;
    let want = by_code(layers["features"].as_array().unwrap());
    assert_eq!(want.keys().collect::<Vec<_>>(), ["H0001", "H0002", "H0003", "H0005"], "the bbox of the tile");
    let got = by_code(&gdal_features(&file, t, "households", dir.path()).await);
    assert_same_properties(&got, &want, "households");
    assert_eq!(got["H0001"]["properties"]["head"], "张*", "a planner sees names masked");
    let p = got["H0001"]["geometry"]["coordinates"].as_array().unwrap();
    assert!((p[0].as_f64().unwrap() - 110.2015).abs() < 1e-5 && (p[1].as_f64().unwrap() - 34.5015).abs() < 1e-5, "{p:?}");
    // Below the households' minzoom the tile is empty, as TileJSON says.
    let (s, _, bytes) = get(&app, &app.client, &path("households", TileId::containing(110.2015, 34.5015, 13))).await;
    assert_eq!((s, bytes.len()), (200, 0));

    // The defects: the same number as the defects route gives for the area (households' defects included for
    // a planner).
    let (s, _, bytes) = get(&app, &app.client, &path("coverage-defects", whole())).await;
    assert_eq!(s, 200);
    let file = dir.path().join("defects.mvt");
    std::fs::write(&file, &bytes).unwrap();
    let (_, defects) = app.get_json("/api/v1/coverage/defects").await;
    let n_defects = defects["features"].as_array().unwrap().iter().filter(|f| !f["geometry"].is_null()).count();
    assert!(n_defects > 0, "the mini dataset has defects");
    let got = gdal_features(&file, whole(), "coverage-defects", dir.path()).await;
    assert_eq!(got.len(), n_defects, "every defect with a place lies in the tile of the whole dataset");
    assert!(got.iter().all(|f| f["properties"]["kind"].is_string() && f["properties"]["message"].is_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tilejson_describes_each_tileset_and_gdal_is_tried_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let (_, health) = app.get_json("/health").await;
    let rev = health["revision"].as_i64().unwrap();
    let (s, doc) = app.get_json("/tiles/grids.json").await;
    assert_eq!(s, 200, "{doc}");
    assert_eq!(doc["tilejson"], "3.0.0");
    assert_eq!(doc["tiles"][0], app.url(&format!("/tiles/grids/{{z}}/{{x}}/{{y}}.mvt?v={rev}")));
    assert_eq!((doc["minzoom"].as_u64(), doc["maxzoom"].as_u64()), (Some(0), Some(18)));
    // Bounds: the grids' extent, from the layers route.
    let (_, grids) = app.get_json("/api/v1/layers/grids").await;
    assert_eq!(doc["bounds"], json!(envelope(grids["features"].as_array().unwrap())));
    let layer = &doc["vector_layers"][0];
    assert_eq!(layer["id"], "grids");
    let fields = layer["fields"].as_object().unwrap();
    for f in grids["features"].as_array().unwrap() {
        for k in f["properties"].as_object().unwrap().keys() {
            assert!(fields.contains_key(k), "field {k} missing from {fields:?}");
        }
    }
    assert_eq!((fields["name"].as_str(), fields["household_count"].as_str()), (Some("String"), Some("Number")));
    let (_, hh) = app.get_json("/tiles/households.json").await;
    assert_eq!((hh["minzoom"].as_u64(), hh["vector_layers"][0]["minzoom"].as_u64()), (Some(14), Some(14)));
    let (s, defects) = app.get_json("/tiles/coverage-defects.json").await;
    assert_eq!((s, defects["vector_layers"][0]["fields"]["kind"].as_str()), (200, Some("String")));
    // A tile URL from TileJSON works as it stands.
    let url = doc["tiles"][0].as_str().unwrap().replace("{z}", "10").replace("{x}", &whole().x.to_string()).replace("{y}", &whole().y.to_string());
    let r = reqwest::get(&url).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=86400", "a tile at the current revision is kept");

    // GDAL 3.6: does the MVT driver open a TileJSON URL? Said in the output either way; not required.
    let (ok, info, err) = common::gdal("ogrinfo", vec!["-ro".into(), "-so".into(), "-al".into(), format!("MVT:{}", app.url("/tiles/grids.json"))]).await;
    eprintln!("ogrinfo MVT:{}: {}", app.url("/tiles/grids.json"), if ok { format!("opened\n{info}") } else { format!("not opened: {err}") });
}

#[tokio::test]
async fn tiles_are_masked_per_caller_exactly_as_the_layers_route_masks() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let t = households_tile();
    // Anonymous: no households at all, as the layers route withholds them; grid managers' names masked.
    let anon = TestApp::anonymous();
    let (s, _, bytes) = get(&app, &anon, &path("households", t)).await;
    assert_eq!((s, bytes.len()), (200, 0), "households withheld from anonymous callers");
    let (_, layers) = app.get_json("/api/v1/layers/households").await;
    assert_eq!(layers["withheld"], true);
    let (_, _, bytes) = get(&app, &anon, &path("grids", whole())).await;
    let text = String::from_utf8_lossy(&bytes);
    let (_, grids) = app.get_json("/api/v1/layers/grids").await;
    assert_eq!(grids["features"][0]["properties"]["manager"], "李*");
    assert!(text.contains("李*") && !text.contains("李娜") && !text.contains("13900000002"), "{text}");
    assert!(text.contains("139****0002"));
    // No defect naming households reaches an anonymous caller.
    let (_, _, bytes) = get(&app, &anon, &path("coverage-defects", whole())).await;
    assert!(!["H0001", "H0002", "H0003", "H0004", "H0005"].iter().any(|h| String::from_utf8_lossy(&bytes).contains(h)));

    // A grid manager of grid 610522001001001: 张三 in full, 王五 (another community) masked, exactly as on
    // the layers route; the unmasked read is audited.
    let gm = TestApp::client_with(&app.token_for("gm1", Role::GridManager, "grids:610522001001001").await);
    let (_, _, bytes) = get(&app, &gm, &path("households", t)).await;
    let text = String::from_utf8_lossy(&bytes).to_string();
    let r = gm.get(app.url("/api/v1/layers/households")).send().await.unwrap();
    let layers: Value = r.json().await.unwrap();
    let shown = by_code(layers["features"].as_array().unwrap());
    for (code, want) in [("H0001", "张三"), ("H0003", "王*"), ("H0005", "孙*")] {
        assert_eq!(shown[code]["properties"]["head"], want);
        assert!(text.contains(want), "{code}: {want} expected in the tile");
    }
    assert!(!text.contains("王五") && !text.contains("孙七") && text.contains("13900001234"));
    let store = app.store().await;
    let audit = store.audit(1000, None).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "read.personal" && e.actor == "gm1" && e.detail["route"] == "/tiles/{name}/{z}/{x}/{y}"
            && e.households.contains(&"H0001".to_string())),
        "the tile's unmasked households are audited"
    );
}

#[tokio::test]
async fn etags_of_tiles_and_layers_revalidate_differ_per_caller_and_change_with_the_revision() {
    // H0003 lies in grid 610522102206001 but is on 610522001001001's roster: the merger's reassignment moves it.
    let dir = tempfile::tempdir().unwrap();
    let mut ds = common::mini_dataset();
    ds.layers.get_mut(&gridmap::model::Layer::Households).unwrap()[2].properties.insert("grid_code".into(), "610522001001001".into());
    let seed = dir.path().join("ds");
    gridmap::model::geojson_io::write_dir(&seed, &ds).unwrap();
    let app = spawn_app_seeded(&seed).await;
    let p = path("households", households_tile());
    let planner = TestApp::client_with(&app.token_for("planner1", Role::Planner, "county").await);
    let admin = TestApp::client_with(&app.token_for("admin1", Role::Admin, "county").await);
    let (s, h, body) = get(&app, &planner, &p).await;
    assert_eq!(s, 200);
    assert!(!body.is_empty());
    let etag = h["etag"].to_str().unwrap().to_string();
    assert_eq!(h["cache-control"], "private, no-cache");
    assert!(h["vary"].to_str().unwrap().contains("Cookie, Authorization"), "{:?}", h["vary"]);
    // Revalidation: 304 with no body, same ETag.
    let r = planner.get(app.url(&p)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"], etag.as_str());
    assert!(r.bytes().await.unwrap().is_empty());
    // Another masking level, another ETag: the planner's copy never validates the admin's.
    let (_, h_admin, _) = get(&app, &admin, &p).await;
    assert_ne!(h_admin["etag"], etag.as_str());
    let r = admin.get(app.url(&p)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The GeoJSON layer the page draws revalidates the same way.
    let layer = "/api/v1/layers/households";
    let (s, h, layer_body) = get(&app, &planner, layer).await;
    assert_eq!((s, h["cache-control"].to_str().unwrap()), (200, "private, no-cache"));
    let layer_tag = h["etag"].to_str().unwrap().to_string();
    let r = planner.get(app.url(layer)).header("if-none-match", &layer_tag).send().await.unwrap();
    assert_eq!(r.status(), 304);
    assert!(r.bytes().await.unwrap().is_empty());
    let r = admin.get(app.url(layer)).header("if-none-match", &layer_tag).send().await.unwrap();
    assert_eq!(r.status(), 200, "the planner's masked copy never validates the admin's");
    // A write moves the revision: the old ETag no longer validates, the tile shows the change.
    let (_, before) = app.get_json("/health").await;
    let r = admin.post(app.url("/api/v1/crosswalk/reassignment")).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (_, after) = app.get_json("/health").await;
    assert!(after["revision"].as_i64() > before["revision"].as_i64());
    let r = planner.get(app.url(&p)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 200, "a new revision is a new tile");
    assert_ne!(r.headers()["etag"], etag.as_str());
    assert!(r.headers()["etag"].to_str().unwrap().contains(&after["revision"].to_string()));
    assert_ne!(r.bytes().await.unwrap().to_vec(), body, "H0003's roster grid changed in the tile");
    let r = planner.get(app.url(layer)).header("if-none-match", &layer_tag).send().await.unwrap();
    assert_eq!(r.status(), 200, "a new revision is a new layer");
    assert_ne!(r.bytes().await.unwrap().to_vec(), layer_body, "H0003's roster grid changed in the layer");
    // TileJSON revalidates too, and names the new revision in its tile URLs.
    let r = planner.get(app.url("/tiles/households.json")).send().await.unwrap();
    let tag = r.headers()["etag"].to_str().unwrap().to_string();
    let doc: Value = r.json().await.unwrap();
    assert!(doc["tiles"][0].as_str().unwrap().ends_with(&format!("?v={}", after["revision"])), "{doc}");
    assert_eq!(planner.get(app.url("/tiles/households.json")).header("if-none-match", tag).send().await.unwrap().status(), 304);
}

#[tokio::test]
async fn bad_tile_addresses_are_refused_in_chinese_first() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let cases = [
        ("/tiles/roads/10/825/407.mvt", 404, "roads"),
        ("/tiles/roads.json", 404, "roads"),
        ("/tiles/grids.xml", 404, ".json"),
        ("/tiles/grids/10/825/407.png", 404, ".mvt"),
        ("/tiles/grids/ten/825/407.mvt", 400, "z=\"ten\""),
        ("/tiles/grids/10/825/4o7.mvt", 400, "y=\"4o7\""),
        ("/tiles/grids/10/-1/407.mvt", 400, "x=\"-1\""),
        ("/tiles/grids/23/0/0.mvt", 400, "z=23"),
        ("/tiles/grids/10/1024/407.mvt", 400, "0..1024"),
    ];
    for (p, status, names) in cases {
        let (s, v) = app.get_json(p).await;
        let m = v["error"]["message"].as_str().unwrap_or_else(|| panic!("{p}: no error body: {v}"));
        assert_eq!(s, status, "{p}: {m}");
        assert!(m.contains(names), "{p}: {m}");
        assert!(m.chars().next().is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{p}: Chinese first: {m}");
    }
}
