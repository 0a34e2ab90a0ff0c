//! OGC API – Features at `/ogcapi` with real clients: GDAL's `ogrinfo` lists every collection and `ogr2ogr`
//! copies each layer, whole and within a bbox, with the same features `/api/v1/layers` gives; anonymous callers
//! get households masked, a token appended as `?token=` (as GDAL and QGIS do) unmasks what its account may see
//! and is audited; paging through `next` loses and repeats nothing; CRS84, EPSG:4490 (lat, lon) and EPSG:3857;
//! and a walk through the Core requirements that OGC's ets-ogcapi-features10 checks, each assertion naming its
//! requirement.
//!
//! GDAL 3.6 (Debian bookworm) reads OAPIF in CRS84 only (its Part 2 support came with 3.7), so EPSG:4490 and
//! EPSG:3857 are checked over HTTP against the layers route.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use geo::Intersects;
use gridmap::accounts::Role;
use gridmap::store::AccountStore;
use serde_json::Value;

use crate::common::{TestApp, spawn_app_seeded, write_mini};

/// Runs a GDAL tool and returns its stdout, failing the test if the tool fails.
async fn gdal(tool: &'static str, args: Vec<String>) -> String {
    let (ok, out, err) = crate::common::gdal(tool, args).await;
    assert!(ok, "{tool} failed: {err}\n{out}");
    out
}

/// `ogr2ogr` of one collection into a GeoJSON file, read back. `extra`: more arguments (`-spat ...`).
async fn copy(app: &TestApp, query: &str, layer: &str, dir: &Path, extra: &[&str]) -> Value {
    let out = dir.join(format!("{layer}-{}.geojson", extra.len()));
    let _ = std::fs::remove_file(&out);
    let mut args: Vec<String> = vec!["-f".into(), "GeoJSON".into(), out.display().to_string()];
    args.push(format!("OAPIF:{}{query}", app.url("/ogcapi")));
    args.push(layer.into());
    args.extend(extra.iter().map(|s| s.to_string()));
    gdal("ogr2ogr", args).await;
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

/// Every number of a GeoJSON geometry's coordinates, in order.
fn numbers(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
        Value::Number(n) => out.push(n.as_f64().unwrap()),
        _ => {}
    }
}

fn coords(f: &Value) -> Vec<f64> {
    let mut out = Vec::new();
    numbers(&f["geometry"]["coordinates"], &mut out);
    out
}

/// Features by `properties.code`.
fn by_code(fc: &Value) -> BTreeMap<String, Value> {
    let fs = fc["features"].as_array().unwrap_or_else(|| panic!("no features in {fc}"));
    let m: BTreeMap<String, Value> = fs.iter().map(|f| (f["properties"]["code"].as_str().unwrap().to_string(), f.clone())).collect();
    assert_eq!(m.len(), fs.len(), "a code twice");
    m
}

/// Asserts that `got` holds the same features as `want` (codes, coordinates to 1e-9°, every non-null property),
/// coordinates of `got` read through `swap` (lat, lon to lon, lat) when asked.
fn assert_same(what: &str, got: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>, swap: bool) {
    let (g, w): (BTreeSet<_>, BTreeSet<_>) = (got.keys().collect(), want.keys().collect());
    assert_eq!(g, w, "{what}: not the same codes");
    for (code, wf) in want {
        let gf = &got[code];
        let mut gc = coords(gf);
        if swap {
            gc.chunks_mut(2).for_each(|p| p.swap(0, 1));
        }
        let wc = coords(wf);
        assert_eq!(gc.len(), wc.len(), "{what} {code}: not the same number of coordinates");
        assert!(gc.iter().zip(&wc).all(|(a, b)| (a - b).abs() < 1e-9), "{what} {code}: coordinates differ: {gc:?} vs {wc:?}");
        for (k, v) in wf["properties"].as_object().unwrap() {
            let gv = &gf["properties"][k];
            let same = match (v, gv) {
                (Value::Null, _) => true,
                (Value::String(s), _) if s.is_empty() => gv.is_null() || gv == v,
                (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                (Value::Array(a), _) if a.is_empty() => gv.is_null() || gv == v,
                _ => gv == v,
            };
            assert!(same, "{what} {code}: property {k}: {gv} instead of {v}");
        }
    }
}

/// Every page of `first`, following `next` links; the features in order.
async fn walk(client: &reqwest::Client, first: &str) -> (Vec<Value>, usize, usize) {
    let (mut url, mut features, mut pages) = (first.to_string(), Vec::new(), 0);
    loop {
        let page: Value = client.get(&url).send().await.unwrap().json().await.unwrap();
        let fs = page["features"].as_array().unwrap_or_else(|| panic!("{url}: {page}"));
        assert_eq!(page["numberReturned"].as_u64().unwrap() as usize, fs.len(), "{url}: numberReturned");
        let matched = page["numberMatched"].as_u64().unwrap() as usize;
        features.extend(fs.iter().cloned());
        pages += 1;
        let next = page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").map(|l| l["href"].as_str().unwrap().to_string());
        match next {
            Some(n) => url = n,
            None => return (features, pages, matched),
        }
        assert!(pages < 10_000, "paging does not end");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ogrinfo_lists_every_collection() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let listing = gdal("ogrinfo", vec!["-ro".into(), "-q".into(), format!("OAPIF:{}", app.url("/ogcapi"))]).await;
    for id in ["county", "towns", "communities", "villages", "grids", "units", "households", "coverage-defects"] {
        assert!(listing.lines().any(|l| l.split(": ").nth(1).is_some_and(|n| n.split(' ').next() == Some(id))), "{id} missing from:\n{listing}");
    }
    // A summary of one collection: GDAL reads its extent and its fields.
    let info = gdal("ogrinfo", vec!["-ro".into(), "-so".into(), format!("OAPIF:{}", app.url("/ogcapi")), "grids".into()]).await;
    assert!(info.contains("Feature Count: 3"), "{info}");
    assert!(info.contains("manager: String") && info.contains("target_households: Integer"), "{info}");
    assert!(info.contains("Extent: (110.200000, 34.500000) - (110.220000, 34.510000)"), "{info}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ogr2ogr_copies_each_layer_as_the_layers_route_gives_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_seeded(&write_mini(dir.path())).await;
    // A planner sees households (people masked); anonymous callers get none at all.
    let t = app.token_for("planner.ogc", Role::Planner, "county").await;
    app.client = TestApp::client_with(&t);
    let q = format!("?token={t}");
    let bbox = [110.2005, 34.5005, 110.2105, 34.5025];
    let rect = geo::Rect::new(geo::coord! { x: bbox[0], y: bbox[1] }, geo::coord! { x: bbox[2], y: bbox[3] });
    for layer in ["county", "towns", "communities", "villages", "grids", "units", "households"] {
        let (s, want) = app.get_json(&format!("/api/v1/layers/{layer}")).await;
        assert_eq!(s, 200);
        let want = by_code(&want);
        let got = by_code(&copy(&app, &q, layer, dir.path(), &[]).await);
        assert_same(&format!("ogr2ogr {layer}"), &got, &want, false);
        // Within a bbox: GDAL asks the server for the bbox and keeps what meets it.
        let spat: Vec<String> = bbox.iter().map(|x| x.to_string()).collect();
        let got = by_code(&copy(&app, &q, layer, dir.path(), &["-spat", &spat[0], &spat[1], &spat[2], &spat[3]]).await);
        let (_, boxed) = app.get_json(&format!("/api/v1/layers/{layer}?bbox={}", spat.join(","))).await;
        let want: BTreeMap<String, Value> = by_code(&boxed)
            .into_iter()
            .filter(|(_, f)| {
                let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
                geo::Geometry::<f64>::try_from(g).unwrap().intersects(&rect)
            })
            .collect();
        assert!(!want.is_empty() || layer == "villages" || layer == "county", "{layer}: the bbox meets nothing; pick another");
        assert_same(&format!("ogr2ogr -spat {layer}"), &got, &want, false);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_in_epsg_4490_and_3857_are_the_layers_features() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_seeded(&write_mini(dir.path())).await;
    app.sign_in_planner().await;
    for layer in ["grids", "households"] {
        let (_, want) = app.get_json(&format!("/api/v1/layers/{layer}")).await;
        let want = by_code(&want);
        let r = app.client.get(app.url(&format!("/ogcapi/collections/{layer}/items?crs=http://www.opengis.net/def/crs/EPSG/0/4490"))).send().await.unwrap();
        assert_eq!(r.headers()["content-crs"], "<http://www.opengis.net/def/crs/EPSG/0/4490>");
        let got = by_code(&r.json().await.unwrap());
        assert_same(&format!("{layer} in EPSG:4490"), &got, &want, true);
        // A bbox in EPSG:4490 is lat, lon too: the same features as the lon/lat one.
        let (_, a) = app.get_json(&format!("/ogcapi/collections/{layer}/items?bbox=110.2005,34.5005,110.2105,34.5025")).await;
        let (_, b) = app.get_json(&format!("/ogcapi/collections/{layer}/items?bbox=34.5005,110.2005,34.5025,110.2105&bbox-crs=EPSG:4490")).await;
        assert_eq!(by_code(&a).keys().collect::<Vec<_>>(), by_code(&b).keys().collect::<Vec<_>>(), "{layer}: bbox-crs 4490");
        assert!(a["numberMatched"].as_u64().unwrap() > 0, "{a}");
    }
    // Web mercator: H0001 at (110.2015, 34.5015), by PROJ (gdaltransform -s_srs '+proj=longlat +datum=WGS84' -t_srs EPSG:3857).
    let r = app.client.get(app.url("/ogcapi/collections/households/items/H0001?crs=http://www.opengis.net/def/crs/EPSG/0/3857")).send().await.unwrap();
    assert_eq!(r.headers()["content-crs"], "<http://www.opengis.net/def/crs/EPSG/0/3857>");
    let f: Value = r.json().await.unwrap();
    let xy = coords(&f);
    assert!((xy[0] - 12_267_574.865).abs() < 0.01 && (xy[1] - 4_096_341.656).abs() < 0.01, "{xy:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_households_come_masked_and_a_query_token_unmasks_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    // Anonymous callers get no households at all, through GDAL as on /api/v1.
    let anon = by_code(&copy(&app, "", "households", dir.path(), &[]).await);
    assert!(anon.is_empty(), "households shown to an anonymous caller: {anon:?}");
    let (s, page) = app.get_json("/ogcapi/collections/households/items/H0001").await;
    assert_eq!(s, 404, "{page}");
    // A county planner through ?token= sees them, people masked, as /api/v1/layers gives them.
    let t = app.token_for("planner.ogc", Role::Planner, "county").await;
    let masked = by_code(&copy(&app, &format!("?token={t}"), "households", dir.path(), &["-nln", "pl"]).await);
    assert_eq!(masked["H0001"]["properties"]["head"], "张*", "{}", masked["H0001"]);
    assert_eq!(masked["H0001"]["properties"]["phone"], "139****1234");
    let masked_route = by_code(&TestApp::client_with(&t).get(app.url("/api/v1/layers/households")).send().await.unwrap().json().await.unwrap());
    assert_same("a planner's households", &masked, &masked_route, false);
    let flat = serde_json::to_string(&masked).unwrap();
    for name in ["张三", "李四", "王五", "13900001234", "elderly_alone"] {
        assert!(!flat.contains(name), "{name} shown unmasked to a planner");
    }
    // The secretary of community 610522001001 through GDAL with ?token=: her community in full, the other masked.
    let token = app.token_for("sec1", Role::Secretary, "community:610522001001").await;
    let full = by_code(&copy(&app, &format!("?token={token}"), "households", dir.path(), &["-nln", "hh"]).await);
    assert_eq!(full["H0001"]["properties"]["head"], "张三");
    assert_eq!(full["H0003"]["properties"]["head"], "王*");
    let entries = app.store().await.audit(100, None).await.unwrap();
    let read = entries.iter().find(|e| e.action == "read.personal" && e.actor == "sec1").expect("the unmasked read is audited");
    assert!(read.households.contains(&"H0001".to_string()) && !read.households.contains(&"H0003".to_string()), "{read:?}");
    // A bad token is refused, not taken as anonymous.
    let r = app.client.get(app.url("/ogcapi/collections/households/items?token=gm_nope")).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_loses_and_repeats_nothing() {
    let mut app = common::spawn_app().await;
    app.sign_in_planner().await;
    for (layer, limit, bbox) in [("units", 300, ""), ("households", 5000, ""), ("households", 700, "&bbox=110.20,34.50,110.30,34.60")] {
        let api = by_code(&app.get_json(&format!("/api/v1/layers/{layer}?{}", bbox.trim_start_matches('&'))).await.1);
        let (features, pages, matched) = walk(&app.client, &app.url(&format!("/ogcapi/collections/{layer}/items?limit={limit}{bbox}"))).await;
        assert!(api.len() > limit, "{layer}: {} features is not more than the limit {limit}", api.len());
        assert_eq!(pages, api.len().div_ceil(limit), "{layer}{bbox}: pages");
        assert_eq!(matched, api.len(), "{layer}{bbox}: numberMatched");
        let codes: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
        let unique: BTreeSet<&str> = codes.iter().copied().collect();
        assert_eq!(unique.len(), codes.len(), "{layer}{bbox}: a feature repeated");
        assert_eq!(unique, api.keys().map(String::as_str).collect::<BTreeSet<_>>(), "{layer}{bbox}: features lost");
    }
    // A limit above the maximum is clamped, not refused.
    let (s, page) = app.get_json("/ogcapi/collections/households/items?limit=1000000").await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["numberReturned"], gridmap::http::ogcapi::items::LIMIT_MAX, "clamped to the maximum");
}

/// The ids of the links with `rel` in `v["links"]`.
fn link<'a>(v: &'a Value, rel: &str) -> Option<&'a Value> {
    v["links"].as_array()?.iter().find(|l| l["rel"] == rel)
}

/// The requirements of the Core, GeoJSON, OpenAPI 3.0 and CRS conformance classes that ets-ogcapi-features10
/// (and its Part 2 counterpart) checks, one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_requirements_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = spawn_app_seeded(&write_mini(dir.path())).await;
    // Households are read as a county planner: anonymous callers get none.
    app.sign_in_planner().await;
    let get = |path: &str| {
        let url = if path.starts_with("http") { path.to_string() } else { app.url(path) };
        let c = app.client.clone();
        async move {
            let r = c.get(&url).send().await.unwrap();
            let status = r.status().as_u16();
            let ty = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            let crs = r.headers().get("content-crs").map(|v| v.to_str().unwrap().to_string());
            let text = r.text().await.unwrap();
            (status, ty, crs, serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text)))
        }
    };

    let (s, ty, _, landing) = get("/ogcapi").await;
    assert_eq!(s, 200, "/req/core/root-op");
    assert!(ty.starts_with("application/json"), "/req/core/root-success: {ty}");
    for rel in ["self", "conformance", "data"] {
        assert!(link(&landing, rel).is_some(), "/req/core/root-success: no {rel} link in {landing}");
    }
    let desc = link(&landing, "service-desc").expect("/req/core/root-success: service-desc");
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0", "/req/oas30/oas-definition-1");

    let (s, ty, _, api) = get(desc["href"].as_str().unwrap()).await;
    assert_eq!(s, 200, "/req/core/api-definition-op");
    assert!(ty.starts_with("application/vnd.oai.openapi+json"), "/req/core/api-definition-success: {ty}");
    assert!(api["openapi"].as_str().unwrap().starts_with("3.0"), "/req/oas30/oas-impl: {}", api["openapi"]);
    for path in ["/", "/conformance", "/collections", "/collections/{collectionId}", "/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"] {
        assert!(api["paths"][path]["get"].is_object(), "/req/oas30/completeness: {path} not in the API definition");
    }
    let limit = &api["components"]["parameters"]["limit"];
    assert_eq!(limit["in"], "query", "/req/core/fc-limit-definition");
    assert_eq!(limit["schema"]["type"], "integer", "/req/core/fc-limit-definition");
    assert_eq!(limit["schema"]["minimum"], 1, "/req/core/fc-limit-definition");
    let max = limit["schema"]["maximum"].as_u64().expect("/req/core/fc-limit-definition: maximum");
    let default = limit["schema"]["default"].as_u64().expect("/req/core/fc-limit-definition: default");
    let bbox = &api["components"]["parameters"]["bbox"];
    assert!(bbox["in"] == "query" && bbox["schema"]["type"] == "array" && bbox["explode"] == false, "/req/core/fc-bbox-definition: {bbox}");
    assert!(api["components"]["parameters"]["datetime"]["in"] == "query", "/req/core/fc-time-definition");

    let (s, _, _, conf) = get(link(&landing, "conformance").unwrap()["href"].as_str().unwrap()).await;
    assert_eq!(s, 200, "/req/core/conformance-op");
    let classes: Vec<&str> = conf["conformsTo"].as_array().expect("/req/core/conformance-success").iter().map(|c| c.as_str().unwrap()).collect();
    for c in ["ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson", "ogcapi-features-1/1.0/conf/oas30", "ogcapi-features-2/1.0/conf/crs"] {
        assert!(classes.contains(&format!("http://www.opengis.net/spec/{c}").as_str()), "/req/core/conformance-success: {c}");
    }

    let (s, _, _, cols) = get(link(&landing, "data").unwrap()["href"].as_str().unwrap()).await;
    assert_eq!(s, 200, "/req/core/fc-md-op");
    assert!(link(&cols, "self").is_some(), "/req/core/fc-md-links: self");
    let list = cols["collections"].as_array().expect("/req/core/fc-md-items");
    assert_eq!(list.len(), 8, "/req/core/fc-md-items: seven layers and the defects");
    for c in list {
        let id = c["id"].as_str().expect("/req/core/fc-md-items: id");
        let items = link(c, "items").unwrap_or_else(|| panic!("/req/core/fc-md-items-links: {id} has no items link"));
        assert_eq!(items["type"], "application/geo+json", "/req/core/fc-md-items-links: {id}");
        let b = &c["extent"]["spatial"]["bbox"][0];
        assert!(b.as_array().is_some_and(|b| b.len() == 4), "/req/core/fc-md-extent: {id}: {c}");
        assert_eq!(c["extent"]["spatial"]["crs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "/req/core/fc-md-extent");
        let crs: Vec<&str> = c["crs"].as_array().expect("/req/crs/fc-md-crs-list").iter().map(|v| v.as_str().unwrap()).collect();
        assert!(crs.contains(&"http://www.opengis.net/def/crs/OGC/1.3/CRS84"), "/req/crs/fc-md-crs-list-A: {id}");
        assert!(crs.contains(&c["storageCrs"].as_str().unwrap()), "/req/crs/fc-md-storageCrs-valid-value: {id}");
        let (s, _, _, one) = get(link(c, "self").unwrap()["href"].as_str().unwrap()).await;
        assert_eq!(s, 200, "/req/core/sfc-md-op: {id}");
        assert_eq!(&one, c, "/req/core/sfc-md-success: {id} differs from its entry in /collections");
    }
    let (s, _, _, _) = get("/ogcapi/collections/roads").await;
    assert_eq!(s, 404, "/req/core/sfc-md-op: an unknown collection");

    let (s, ty, crs, fc) = get("/ogcapi/collections/households/items").await;
    assert_eq!(s, 200, "/req/core/fc-op");
    assert!(ty.starts_with("application/geo+json"), "/req/geojson/content: {ty}");
    assert_eq!(crs.as_deref(), Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"), "/req/crs/ogc-crs-header");
    assert_eq!(fc["type"], "FeatureCollection", "/req/geojson/content");
    assert!(link(&fc, "self").is_some(), "/req/core/fc-links: self");
    assert!(fc["timeStamp"].as_str().is_some_and(|t| t.ends_with('Z')), "/req/core/fc-timeStamp");
    assert_eq!(fc["numberMatched"], 5, "/req/core/fc-numberMatched");
    assert_eq!(fc["numberReturned"], 5, "/req/core/fc-numberReturned");
    assert!(default >= 5, "the default limit returns the mini dataset whole");
    let keys: Vec<BTreeSet<&String>> = fc["features"].as_array().unwrap().iter().map(|f| f["properties"].as_object().unwrap().keys().collect()).collect();
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "every property on every feature: {keys:?}");
    assert!(fc["features"][3]["properties"]["members"].is_null(), "a missing property is null: {}", fc["features"][3]);

    let (_, _, _, page) = get("/ogcapi/collections/households/items?limit=2").await;
    assert_eq!(page["numberReturned"], 2, "/req/core/fc-limit-response-1");
    assert!(link(&page, "next").is_some(), "/req/core/fc-next-1: a next link while more remain");
    let (_, _, _, last) = get("/ogcapi/collections/households/items?limit=2&offset=4").await;
    assert!(link(&last, "next").is_none(), "/req/core/fc-next-1: no next link on the last page");
    let (_, _, _, clamped) = get(&format!("/ogcapi/collections/households/items?limit={}", max + 1)).await;
    assert_eq!(clamped["numberReturned"], 5, "/req/core/fc-limit-response-1: above the maximum is clamped");

    let (s, _, _, inside) = get("/ogcapi/collections/households/items?bbox=110.2,34.5,110.21,34.51").await;
    assert_eq!(s, 200, "/req/core/fc-bbox-response");
    let ids: BTreeSet<&str> = inside["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["H0001", "H0002"].into(), "/req/core/fc-bbox-response: H0003 lies east of 110.21");
    let (s, _, _, _) = get("/ogcapi/collections/households/items?datetime=2020-01-01T00:00:00Z/..").await;
    assert_eq!(s, 200, "/req/core/fc-time-response");
    for bad in ["bbox=110.2,34.5,110.1", "bbox=110.3,34.5,110.2,34.6", "limit=0", "limit=many", "crs=EPSG:4546", "bbox-crs=EPSG:9999&bbox=1,2,3,4"] {
        let (s, _, _, e) = get(&format!("/ogcapi/collections/households/items?{bad}")).await;
        assert_eq!(s, 400, "/req/core/query-param-invalid ({bad}): {e}");
        assert!(e["error"]["message"].as_str().is_some_and(|m| !m.is_ascii()), "a Chinese message first: {e}");
    }
    let (s, _, _, e) = get("/ogcapi/collections/households/items?colour=red").await;
    assert_eq!(s, 400, "/req/core/query-param-unknown: {e}");

    let (s, ty, _, f) = get("/ogcapi/collections/households/items/H0001").await;
    assert_eq!(s, 200, "/req/core/f-op");
    assert!(ty.starts_with("application/geo+json"), "/req/geojson/content: {ty}");
    assert_eq!(f["type"], "Feature", "/req/core/f-success");
    assert_eq!(f["id"], "H0001", "/req/core/f-success");
    assert!(link(&f, "self").is_some() && link(&f, "collection").is_some(), "/req/core/f-links: {f}");
    let (s, _, _, e) = get("/ogcapi/collections/households/items/H9999").await;
    assert_eq!(s, 404, "/req/core/f-op: an unknown feature: {e}");
    assert_eq!(e["error"]["status"], 404, "the one error body: {e}");

    // The defects are a collection like the others, each defect an item by its number.
    let (s, _, _, d) = get("/ogcapi/collections/coverage-defects/items?limit=1").await;
    assert_eq!(s, 200, "{d}");
    assert!(d["numberMatched"].as_u64().unwrap() >= 1, "{d}");
    let (s, _, _, one) = get(&format!("/ogcapi/collections/coverage-defects/items/{}", d["features"][0]["id"])).await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(one["properties"], d["features"][0]["properties"], "a defect by its id");
}

/// /req/core/fc-bbox-response: only features whose geometry meets the bbox, not those whose envelope merely
/// does. A small box in the notch of a concave grid of the default dataset (inside its envelope, outside the
/// grid) must not return that grid, and the page counts exactly the grids meeting the box.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bbox_selects_by_geometry_not_envelope() {
    use geo::BoundingRect;
    let app = common::spawn_app().await;
    let (_, grids) = app.get_json("/api/v1/layers/grids").await;
    let shapes: Vec<(String, geo::Geometry<f64>)> = grids["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
            (f["properties"]["code"].as_str().unwrap().to_string(), geo::Geometry::try_from(g).unwrap())
        })
        .collect();
    let half = 0.0001; // about 10 m
    let boxed = |x: f64, y: f64| geo::Rect::new(geo::coord! { x: x - half, y: y - half }, geo::coord! { x: x + half, y: y + half });
    // The first grid with a box in its envelope that misses the grid itself.
    let (code, rect) = shapes
        .iter()
        .find_map(|(code, g)| {
            let env = g.bounding_rect()?;
            (1..20).flat_map(|i| (1..20).map(move |j| (i, j))).find_map(|(i, j)| {
                let (x, y) = (env.min().x + env.width() * f64::from(i) / 20.0, env.min().y + env.height() * f64::from(j) / 20.0);
                let r = boxed(x, y);
                let inside_envelope = env.intersects(&r) && r.min().x > env.min().x && r.max().x < env.max().x
                    && r.min().y > env.min().y && r.max().y < env.max().y;
                (inside_envelope && !g.intersects(&r)).then(|| (code.clone(), r))
            })
        })
        .expect("a concave grid in the default dataset");
    let want: BTreeSet<String> = shapes.iter().filter(|(_, g)| g.intersects(&rect)).map(|(c, _)| c.clone()).collect();
    let bbox = format!("{},{},{},{}", rect.min().x, rect.min().y, rect.max().x, rect.max().y);
    let (s, page) = app.get_json(&format!("/ogcapi/collections/grids/items?bbox={bbox}")).await;
    assert_eq!(s, 200, "{page}");
    let got: BTreeSet<String> = page["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect();
    assert!(!got.contains(&code), "/req/core/fc-bbox-response: grid {code} returned for {bbox}, which only its envelope meets");
    assert_eq!(got, want, "/req/core/fc-bbox-response: the grids meeting {bbox}");
    assert_eq!(page["numberMatched"], want.len(), "numberMatched counts the exact matches");
    // The same box in EPSG:3857 (a lon/lat box under Mercator) and paged one by one: the same grids.
    let mercator = |lon: f64, lat: f64| {
        let r = 6_378_137.0_f64;
        (lon.to_radians() * r, (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln() * r)
    };
    let (w, s3857) = mercator(rect.min().x, rect.min().y);
    let (e, n) = mercator(rect.max().x, rect.max().y);
    let url = app.url(&format!(
        "/ogcapi/collections/grids/items?limit=1&bbox={w},{s3857},{e},{n}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857"
    ));
    let (features, _, matched) = walk(&app.client, &url).await;
    let paged: BTreeSet<String> = features.iter().map(|f| f["id"].as_str().unwrap().to_string()).collect();
    assert_eq!((paged, matched), (want.clone(), want.len()), "EPSG:3857 bbox, paged by 1");
}
