//! The store contract: the same tests on the GeoPackage file and on PostGIS.

mod common;

use gridmap::model::{Dataset, Layer};
use gridmap::store::gpkg::GpkgStore;
use gridmap::store::postgis::PostgisStore;
use gridmap::store::{AnyStore, ChangeRecord, Store};

async fn gpkg() -> (AnyStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s = GpkgStore::open(&dir.path().join("t.gpkg")).await.unwrap();
    (AnyStore::Gpkg(s), dir)
}

async fn postgis() -> AnyStore {
    AnyStore::Postgis(PostgisStore::connect(&common::fresh_postgis_url().await).await.unwrap())
}

async fn round_trips_every_layer_exactly(store: &AnyStore) {
    assert!(store.load().await.unwrap().layers.is_empty(), "a new store is empty");
    let ds = common::mini_dataset();
    store.replace_layers(&ds).await.unwrap();
    let back = store.load().await.unwrap();
    assert_eq!(back, ds);
    // Key order of properties is kept too, not just the set of keys.
    let keys = |d: &Dataset| -> Vec<Vec<String>> {
        d.get(Layer::Households).iter().map(|f| f.properties.keys().cloned().collect()).collect()
    };
    assert_eq!(keys(&back), keys(&ds));
}

async fn a_failed_write_changes_nothing(store: &AnyStore) {
    let ds = common::mini_dataset();
    store.replace_layers(&ds).await.unwrap();
    let rev = store.revision().await.unwrap();
    // New towns and grids, then households with a duplicate code: the database refuses the last layer after
    // the others were written inside the same transaction.
    let mut bad = Dataset::default();
    let mut towns = ds.get(Layer::Towns).to_vec();
    towns.truncate(1);
    bad.layers.insert(Layer::Towns, towns);
    bad.layers.insert(Layer::Grids, vec![]);
    let mut hh = ds.get(Layer::Households).to_vec();
    hh.push(hh[0].clone());
    bad.layers.insert(Layer::Households, hh);
    assert!(store.replace_layers(&bad).await.is_err());
    assert_eq!(store.load().await.unwrap(), ds, "the store is exactly as it was");
    assert_eq!(store.revision().await.unwrap(), rev, "no revision for a failed write");
}

async fn replaces_only_the_given_layers(store: &AnyStore) {
    let ds = common::mini_dataset();
    store.replace_layers(&ds).await.unwrap();
    let rev = store.revision().await.unwrap();
    let mut one = Dataset::default();
    one.layers.insert(Layer::Households, ds.get(Layer::Households)[..2].to_vec());
    store.replace_layers(&one).await.unwrap();
    let back = store.load().await.unwrap();
    assert_eq!(back.get(Layer::Households).len(), 2);
    assert_eq!(back.get(Layer::Grids), ds.get(Layer::Grids));
    assert!(store.revision().await.unwrap() > rev);
}

async fn updates_by_code_and_logs_the_change(store: &AnyStore) {
    let ds = common::mini_dataset();
    store.replace_layers(&ds).await.unwrap();
    let rev = store.revision().await.unwrap();
    let mut h = ds.get(Layer::Households)[1].clone();
    h.properties.insert("grid_code".into(), "610522001001002".into());
    let record = ChangeRecord { actor: "王秀兰".into(), action: "test".into(), detail: serde_json::json!({"n": 1}) };
    store.update_features(Layer::Households, std::slice::from_ref(&h), &record).await.unwrap();
    let back = store.load().await.unwrap();
    assert_eq!(back.get(Layer::Households)[1], h);
    assert_eq!(back.get(Layer::Households)[0], ds.get(Layer::Households)[0]);
    assert!(store.revision().await.unwrap() > rev);
    let log = store.changes(10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].actor.as_str(), log[0].action.as_str()), ("王秀兰", "test"));
    assert_eq!(log[0].detail["n"], 1);
    assert!(log[0].at.ends_with('Z') && log[0].at.len() >= 20, "{}", log[0].at);
    // An unknown code fails the whole write: the first feature is not changed either.
    let mut ghost = h.clone();
    ghost.code = "NOPE".into();
    let mut first = ds.get(Layer::Households)[0].clone();
    first.properties.insert("members".into(), 9.into());
    assert!(store.update_features(Layer::Households, &[first, ghost], &record).await.is_err());
    assert_eq!(store.load().await.unwrap().get(Layer::Households)[0], ds.get(Layer::Households)[0]);
    assert_eq!(store.changes(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn gpkg_updates_by_code_and_logs_the_change() {
    let (s, _d) = gpkg().await;
    updates_by_code_and_logs_the_change(&s).await;
}

#[tokio::test]
async fn postgis_updates_by_code_and_logs_the_change() {
    updates_by_code_and_logs_the_change(&postgis().await).await;
}

#[tokio::test]
async fn gpkg_round_trips_every_layer_exactly() {
    let (s, _d) = gpkg().await;
    round_trips_every_layer_exactly(&s).await;
}

#[tokio::test]
async fn postgis_round_trips_every_layer_exactly() {
    round_trips_every_layer_exactly(&postgis().await).await;
}

#[tokio::test]
async fn gpkg_failed_write_changes_nothing() {
    let (s, _d) = gpkg().await;
    a_failed_write_changes_nothing(&s).await;
}

#[tokio::test]
async fn postgis_failed_write_changes_nothing() {
    a_failed_write_changes_nothing(&postgis().await).await;
}

#[tokio::test]
async fn gpkg_replaces_only_the_given_layers() {
    let (s, _d) = gpkg().await;
    replaces_only_the_given_layers(&s).await;
}

#[tokio::test]
async fn postgis_replaces_only_the_given_layers() {
    replaces_only_the_given_layers(&postgis().await).await;
}

#[tokio::test]
async fn reopening_a_gpkg_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.gpkg");
    let ds = common::mini_dataset();
    GpkgStore::open(&path).await.unwrap().replace_layers(&ds).await.unwrap();
    assert_eq!(GpkgStore::open(&path).await.unwrap().load().await.unwrap(), ds);
}

#[tokio::test]
async fn a_file_that_is_not_a_geopackage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    std::process::Command::new("sqlite3").arg(&path).arg("PRAGMA application_id = 42; CREATE TABLE t(x);").status().unwrap();
    let e = GpkgStore::open(&path).await.err().expect("refused").to_string();
    assert!(e.contains("not a GeoPackage"), "{e}");
}
