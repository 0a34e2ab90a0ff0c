//! The store contract: the same tests on the GeoPackage file and on PostGIS.

use crate::common;

use gridmap::model::{Dataset, Feature, Layer};
use gridmap::store::gpkg::GpkgStore;
use gridmap::store::postgis::PostgisStore;
use gridmap::store::accounts::AuditRecord;
use gridmap::store::{
    AccountStore, AnyStore, ChangeRecord, HouseholdProps, LayerStore, NewPlan, NewVisit, NextStep, PlanRecord, PlanSave, PlanStore, Publication,
    StepWrite, VisitFilter, VisitStore,
};

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

/// A roster load is the whole load with the households' properties cut to the contract's required ones, in
/// their stored order; every other layer whole.
async fn a_roster_load_keeps_only_the_roster_properties(store: &AnyStore) {
    let ds = common::mini_dataset();
    store.replace_layers(&ds).await.unwrap();
    let roster = store.load_with(HouseholdProps::Roster).await.unwrap();
    let mut want = ds.clone();
    let keys = Layer::Households.required_properties();
    for f in want.layers.get_mut(&Layer::Households).unwrap() {
        f.properties.retain(|k, _| keys.contains(&k.as_str()));
    }
    assert!(ds.get(Layer::Households).iter().any(|f| f.properties.len() > keys.len()), "the fixture has personal fields");
    assert_eq!(roster, want);
    let order = |d: &Dataset| -> Vec<Vec<String>> {
        d.get(Layer::Households).iter().map(|f| f.properties.keys().cloned().collect()).collect()
    };
    assert_eq!(order(&roster), order(&want));
    assert_eq!(store.load_with(HouseholdProps::All).await.unwrap(), ds);
}

#[tokio::test]
async fn gpkg_roster_load_keeps_only_the_roster_properties() {
    let (s, _d) = gpkg().await;
    a_roster_load_keeps_only_the_roster_properties(&s).await;
}

#[tokio::test]
async fn postgis_roster_load_keeps_only_the_roster_properties() {
    a_roster_load_keeps_only_the_roster_properties(&postgis().await).await;
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
    // An import and its audit entry land together, or neither does.
    assert!(store.import_layers(&bad, &audited()).await.is_err());
    assert!(store.audit(10, None).await.unwrap().is_empty(), "a failed import leaves no audit entry");
    store.import_layers(&ds, &audited()).await.unwrap();
    assert_eq!(store.audit(10, None).await.unwrap().len(), 1);
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
    let record = ChangeRecord { actor: "王秀兰".into(), action: "test".into(), detail: serde_json::json!({"n": 1}), audit: Some(audited()) };
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
    assert_eq!(store.audit(10, None).await.unwrap().len(), 1, "the write's audit entry landed with it");
    assert!(store.update_features(Layer::Households, &[first, ghost], &record).await.is_err());
    assert_eq!(store.load().await.unwrap().get(Layer::Households)[0], ds.get(Layer::Households)[0]);
    assert_eq!(store.changes(10).await.unwrap().len(), 1);
    assert_eq!(store.audit(10, None).await.unwrap().len(), 1, "a failed write leaves no audit entry");
}

/// The door plates (the optional addresses layer): a dataset without them stores and loads as before; with
/// them they round-trip exactly; a write that does not give them keeps them; a duplicate plate code fails the
/// whole write.
async fn door_plates_round_trip_and_are_optional(store: &AnyStore) {
    let ds = common::mini_dataset();
    store.replace_layers(&ds).await.unwrap();
    let back = store.load().await.unwrap();
    assert!(!back.has(Layer::Addresses), "an old dataset without door plates loads without the layer");
    assert_eq!(back, ds);
    let mut with = ds.clone();
    with.layers.insert(Layer::Addresses, common::mini_plates());
    store.replace_layers(&with).await.unwrap();
    let back = store.load().await.unwrap();
    assert_eq!(back, with, "door plates round-trip exactly");
    let keys = |d: &Dataset| -> Vec<Vec<String>> { d.get(Layer::Addresses).iter().map(|f| f.properties.keys().cloned().collect()).collect() };
    assert_eq!(keys(&back), keys(&with));
    let mut hh = Dataset::default();
    hh.layers.insert(Layer::Households, ds.get(Layer::Households)[..2].to_vec());
    store.replace_layers(&hh).await.unwrap();
    assert_eq!(store.load().await.unwrap().get(Layer::Addresses), with.get(Layer::Addresses), "a write without door plates keeps them");
    let mut dup = Dataset::default();
    let mut plates = common::mini_plates();
    plates.push(plates[0].clone());
    dup.layers.insert(Layer::Households, ds.get(Layer::Households).to_vec());
    dup.layers.insert(Layer::Addresses, plates);
    assert!(store.replace_layers(&dup).await.is_err());
    let now = store.load().await.unwrap();
    assert_eq!((now.get(Layer::Households).len(), now.get(Layer::Addresses)), (2, with.get(Layer::Addresses)), "nothing of the failed write landed");
}

#[tokio::test]
async fn gpkg_door_plates_round_trip_and_are_optional() {
    let (s, _d) = gpkg().await;
    door_plates_round_trip_and_are_optional(&s).await;
}

#[tokio::test]
async fn postgis_door_plates_round_trip_and_are_optional() {
    door_plates_round_trip_and_are_optional(&postgis().await).await;
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

/// Accounts, credentials and the audit log behave alike on both backends; the audit log refuses changes at the
/// database itself. (Sign-in and credentials: [`sign_in_and_credentials_land_with_their_audit_entries`].)
async fn accounts_credentials_and_audit(store: &AnyStore) {
    use gridmap::accounts::{Role, Scope};
    use gridmap::store::accounts::{AuditRecord, NewAccount};
    let new = |u: &str| NewAccount {
        username: u.into(),
        display_name: "王秀兰".into(),
        password_hash: "$argon2id$x".into(),
        role: Role::Secretary,
        scope: Scope::Community("610522001001".into()),
        must_change_password: true,
    };
    let a = store.create_account(&new("wang.xl"), &audited()).await.unwrap();
    assert_eq!((a.role, a.scope.clone(), a.enabled, a.must_change_password), (Role::Secretary, Scope::Community("610522001001".into()), true, true));
    assert!(store.create_account(&new("wang.xl"), &audited()).await.is_err(), "a username is unique");
    assert_eq!(store.audit(10, None).await.unwrap().len(), 1, "a refused account leaves no audit entry");
    assert_eq!(store.account_count().await.unwrap(), 1);
    assert_eq!(store.account("wang.xl").await.unwrap().unwrap(), a);

    store.set_enabled("wang.xl", false, &audited()).await.unwrap();

    // The audit log: newest first, household codes kept, and no change or removal possible.
    for action in ["auth.login", "read.personal"] {
        let r = AuditRecord {
            actor: "wang.xl".into(),
            action: action.into(),
            address: "127.0.0.1:5000".into(),
            households: vec!["H0001".into()],
            detail: serde_json::json!({"route": "/api/v1/layers/{layer}"}),
        };
        store.append_audit(&r).await.unwrap();
    }
    let log = store.audit(10, None).await.unwrap();
    // The account's creation and disabling were audited in their own transactions (the first two entries).
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["read.personal", "auth.login", "plan.test", "plan.test"]);
    assert_eq!(log[0].households, ["H0001"]);
    assert!(log[0].at.ends_with('Z'));
    let refused = match store {
        AnyStore::Gpkg(g) => [
            sqlx::query("UPDATE gridmap_audit SET actor = 'x'").execute(g.pool()).await.is_err(),
            sqlx::query("DELETE FROM gridmap_audit").execute(g.pool()).await.is_err(),
        ],
        AnyStore::Postgis(p) => [
            sqlx::query("UPDATE gridmap_audit SET actor = 'x'").execute(p.pool()).await.is_err(),
            sqlx::query("TRUNCATE gridmap_audit").execute(p.pool()).await.is_err(),
        ],
    };
    assert_eq!(refused, [true, true], "the audit log is append-only");
    assert_eq!(store.audit(10, None).await.unwrap(), log);
}

#[tokio::test]
async fn gpkg_accounts_credentials_and_audit() {
    let (s, _d) = gpkg().await;
    accounts_credentials_and_audit(&s).await;
}

#[tokio::test]
async fn postgis_accounts_credentials_and_audit() {
    accounts_credentials_and_audit(&postgis().await).await;
}

/// Every sign-in and credential write lands with its audit entry in one transaction, on both backends; a write
/// the store refuses (an unknown account, token or hash) leaves no audit entry either.
async fn sign_in_and_credentials_land_with_their_audit_entries(store: &AnyStore) {
    use gridmap::accounts::{Role, Scope};
    use gridmap::store::Error;
    use gridmap::store::accounts::{NewAccount, NewToken, TokenKind};
    let new = NewAccount {
        username: "wang.xl".into(),
        display_name: "王秀兰".into(),
        password_hash: "$argon2id$x".into(),
        role: Role::Secretary,
        scope: Scope::Community("610522001001".into()),
        must_change_password: true,
    };
    let a = store.create_account(&new, &audited()).await.unwrap();
    let entry = |action: &str| AuditRecord { action: action.into(), ..audited() };
    let issued = |id: i64| AuditRecord { detail: serde_json::json!({ "id": id }), ..entry("auth.token_created") };
    let token = |hash: &str, expires_at: i64| NewToken {
        token_hash: hash.into(),
        account_id: a.id,
        kind: TokenKind::Api,
        label: "t".into(),
        csrf: String::new(),
        expires_at,
    };

    // Five failures lock; a success clears the count.
    for _ in 0..4 {
        store.login_failed("wang.xl", 5, 9_999_999_999, &entry("auth.login_failed")).await.unwrap();
    }
    assert!(!store.account("wang.xl").await.unwrap().unwrap().locked_at(0));
    store.login_failed("wang.xl", 5, 9_999_999_999, &entry("auth.login_failed")).await.unwrap();
    assert!(store.account("wang.xl").await.unwrap().unwrap().locked_at(0));
    let session = store.login_succeeded(&NewToken { kind: TokenKind::Session, ..token("s1", 2_000_000_000) }, &entry("auth.login")).await.unwrap();
    assert_eq!(store.account("wang.xl").await.unwrap().unwrap().failed_logins, 0);

    // Credentials by hash, expiring and revocable.
    let live = store.insert_token(&token("h1", 2_000_000_000), issued).await.unwrap();
    store.insert_token(&token("h2", 1_000), issued).await.unwrap();
    assert_eq!(store.credential("h1", 1_500).await.unwrap().map(|(t, acc)| (t.id, acc.username)), Some((live, "wang.xl".into())));
    assert!(store.credential("h2", 1_500).await.unwrap().is_none(), "expired");
    assert!(store.credential("nope", 0).await.unwrap().is_none());
    assert!(store.revoke_token(a.id, live, &entry("auth.token_revoked")).await.unwrap());
    assert!(store.credential("h1", 1_500).await.unwrap().is_none(), "revoked");
    store.insert_token(&token("h3", 2_000_000_000), issued).await.unwrap();

    // Each write above has its own entry, in order; a token's entry names the id it was given.
    let log = store.audit(20, None).await.unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    let mut expected = vec!["plan.test"];
    expected.extend(["auth.login_failed"; 5]);
    expected.extend(["auth.login", "auth.token_created", "auth.token_created", "auth.token_revoked", "auth.token_created"]);
    assert_eq!(actions, expected);
    assert_eq!(log[3].detail["id"], live);
    assert!(store.credential("s1", 1_500).await.unwrap().is_some_and(|(t, _)| t.id == session && t.kind == TokenKind::Session));

    // A password change ends every other credential, and its entry counts them.
    let counted = |n: u64| AuditRecord { detail: serde_json::json!({ "revoked_credentials": n }), ..entry("auth.password") };
    let ended = store.change_password("wang.xl", "$argon2id$y", Some(session), counted).await.unwrap();
    assert_eq!(ended, 2, "h2 and h3: an expired token is ended too, a revoked one is not counted again");
    let changed = store.account("wang.xl").await.unwrap().unwrap();
    assert_eq!((changed.password_hash.as_str(), changed.must_change_password), ("$argon2id$y", false));
    assert!(store.credential("s1", 1_500).await.unwrap().is_some(), "the credential making the change is kept");
    assert!(store.credential("h3", 1_500).await.unwrap().is_none());
    let last = &store.audit(1, None).await.unwrap()[0];
    assert_eq!((last.action.as_str(), &last.detail), ("auth.password", &serde_json::json!({ "revoked_credentials": 2 })));
    // Signing out revokes the session by its hash.
    store.revoke_token_hash("s1", &entry("auth.logout")).await.unwrap();
    assert!(store.credential("s1", 1_500).await.unwrap().is_none());
    assert_eq!(store.audit(1, None).await.unwrap()[0].action, "auth.logout");

    // Refused writes: nothing changes, and no entry is written.
    let before = store.audit(50, None).await.unwrap();
    let nobody = NewToken { account_id: 4242, ..token("h4", 2_000_000_000) };
    let e = store.login_failed("nobody", 5, 9_999_999_999, &entry("auth.login_failed")).await.unwrap_err();
    assert!(matches!(&e, Error::NotFound { code, .. } if code == "nobody"), "{e}");
    let e = store.login_succeeded(&NewToken { kind: TokenKind::Session, ..nobody.clone() }, &entry("auth.login")).await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    let e = store.insert_token(&nobody, issued).await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    assert!(!store.revoke_token(a.id, live, &entry("auth.token_revoked")).await.unwrap(), "already revoked");
    assert!(!store.revoke_token(a.id, 4242, &entry("auth.token_revoked")).await.unwrap(), "no such token");
    let e = store.revoke_token_hash("nope", &entry("auth.logout")).await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    let e = store.change_password("nobody", "$argon2id$z", None, |_| entry("auth.password")).await.unwrap_err();
    assert!(matches!(&e, Error::NotFound { code, .. } if code == "nobody"), "{e}");
    assert!(store.credential("h4", 1_500).await.unwrap().is_none());
    assert_eq!(store.audit(50, None).await.unwrap(), before, "a refused write leaves no audit entry");

    // Disabling the account ends every credential it holds.
    store.insert_token(&token("h5", 2_000_000_000), issued).await.unwrap();
    store.set_enabled("wang.xl", false, &audited()).await.unwrap();
    assert!(store.credential("h5", 1_500).await.unwrap().is_none(), "disabled");
}

#[tokio::test]
async fn gpkg_sign_in_and_credentials_land_with_their_audit_entries() {
    let (s, _d) = gpkg().await;
    sign_in_and_credentials_land_with_their_audit_entries(&s).await;
}

#[tokio::test]
async fn postgis_sign_in_and_credentials_land_with_their_audit_entries() {
    sign_in_and_credentials_land_with_their_audit_entries(&postgis().await).await;
}

/// A plan write's audit entry.
fn audited() -> AuditRecord {
    AuditRecord { actor: "规划员甲".into(), action: "plan.test".into(), address: "127.0.0.1".into(), households: vec![], detail: serde_json::json!({}) }
}

fn new_plan(community: &str, name: &str, base_version: i64) -> NewPlan {
    NewPlan {
        community: community.into(),
        name: name.into(),
        author: "规划员甲".into(),
        base_version,
        content: serde_json::json!({"grids": [], "steps": [1, 2]}),
    }
}

async fn keeps_drafts_of_several_planners(store: &AnyStore) {
    store.replace_layers(&common::mini_dataset()).await.unwrap();
    let a = store.create_plan(&new_plan("610522001001", "东片调整", 0), &audited()).await.unwrap();
    let b = store.create_plan(&new_plan("610522001001", "西片调整", 0), &audited()).await.unwrap();
    let c = store.create_plan(&new_plan("610522102206", "老虎城", 0), &audited()).await.unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!((a.edits, a.base_version, a.author.as_str()), (0, 0, "规划员甲"));
    assert!(a.created_at.ends_with('Z'), "{}", a.created_at);
    assert_eq!(a.content["steps"][1], 2);
    let mine: Vec<i64> = store.plans(Some("610522001001")).await.unwrap().iter().map(|p| p.id).collect();
    assert_eq!(mine, vec![a.id, b.id]);
    assert_eq!(store.plans(None).await.unwrap().len(), 3);
    assert!(store.plans(None).await.unwrap().iter().all(|p| p.content.is_null()), "listings leave content out");

    // A save lands only on the edits count it read.
    let content = serde_json::json!({"grids": ["x"]});
    let saved = store.save_plan(&PlanSave { id: a.id, expected_edits: 0, name: "东片调整二稿", content: &content, step: StepWrite::Keep, audit: &audited() }).await.unwrap();
    assert_eq!(saved.as_ref().map(|p| (p.edits, p.name.as_str())), Some((1, "东片调整二稿")));
    let late = store.save_plan(&PlanSave { id: a.id, expected_edits: 0, name: "lost", content: &serde_json::json!({}), step: StepWrite::Keep, audit: &audited() }).await.unwrap();
    assert!(late.is_none(), "a save from a stale read is refused");
    let back = store.plan(a.id).await.unwrap().unwrap();
    assert_eq!((back.name.as_str(), &back.content), ("东片调整二稿", &content));

    assert!(store.delete_plan(c.id, &audited()).await.unwrap());
    assert!(!store.delete_plan(c.id, &audited()).await.unwrap());
    assert!(store.plan(c.id).await.unwrap().is_none());
}

/// Saves `n` on draft `id` with `step`, as read at `edits`.
async fn save_step(store: &AnyStore, id: i64, edits: i64, n: i64, step: StepWrite<'_>) -> Option<PlanRecord> {
    let content = serde_json::json!({ "n": n });
    store.save_plan(&PlanSave { id, expected_edits: edits, name: "步骤", content: &content, step, audit: &audited() }).await.unwrap()
}

async fn keeps_a_drafts_steps_for_undo_and_redo(store: &AnyStore) {
    store.replace_layers(&common::mini_dataset()).await.unwrap();
    let a = store.create_plan(&new_plan("610522001001", "步骤", 0), &audited()).await.unwrap();
    assert_eq!((a.steps_done, a.steps_total), (0, 0));
    assert_eq!(store.plan_step(a.id, NextStep::Undo).await.unwrap(), None);
    let (e1, s1) = (serde_json::json!({"op": "merge"}), serde_json::json!({"changed": 1}));
    let (e2, s2) = (serde_json::json!({"op": "split"}), serde_json::json!({"changed": 2}));
    let r = save_step(store, a.id, 0, 1, StepWrite::Push { edit: &e1, step: &s1 }).await.unwrap();
    let r = save_step(store, a.id, r.edits, 2, StepWrite::Push { edit: &e2, step: &s2 }).await.unwrap();
    assert_eq!((r.edits, r.steps_done, r.steps_total), (2, 2, 2));
    assert_eq!(store.plan_edits(a.id).await.unwrap(), vec![e1.clone(), e2.clone()]);

    // Undo takes the newest applied step; redo the oldest undone.
    let (seq, step) = store.plan_step(a.id, NextStep::Undo).await.unwrap().unwrap();
    assert_eq!(step, s2);
    let r = save_step(store, a.id, r.edits, 1, StepWrite::Undo(seq)).await.unwrap();
    assert_eq!((r.steps_done, r.steps_total), (1, 2));
    assert_eq!(store.plan_edits(a.id).await.unwrap(), vec![e1.clone()]);
    assert_eq!(store.plan_step(a.id, NextStep::Redo).await.unwrap(), Some((seq, s2.clone())));
    // A stale save writes neither the draft, nor the step, nor an audit entry; a save writes all three.
    let audited_before = store.audit(100, None).await.unwrap().len();
    assert!(save_step(store, a.id, r.edits - 1, 9, StepWrite::Redo(seq)).await.is_none());
    assert_eq!(store.audit(100, None).await.unwrap().len(), audited_before);
    assert_eq!(store.plan(a.id).await.unwrap().unwrap().content, serde_json::json!({"n": 1}));
    assert_eq!(store.plan_step(a.id, NextStep::Redo).await.unwrap(), Some((seq, s2.clone())));
    let r = save_step(store, a.id, r.edits, 2, StepWrite::Redo(seq)).await.unwrap();
    assert_eq!((r.steps_done, r.steps_total), (2, 2));
    assert_eq!(store.audit(100, None).await.unwrap().len(), audited_before + 1);

    // A new edit after an undo drops what could have been redone.
    let (seq, _) = store.plan_step(a.id, NextStep::Undo).await.unwrap().unwrap();
    let r = save_step(store, a.id, r.edits, 1, StepWrite::Undo(seq)).await.unwrap();
    let e3 = serde_json::json!({"op": "give"});
    let r = save_step(store, a.id, r.edits, 3, StepWrite::Push { edit: &e3, step: &s1 }).await.unwrap();
    assert_eq!((r.steps_done, r.steps_total), (2, 2));
    assert_eq!(store.plan_edits(a.id).await.unwrap(), vec![e1, e3]);
    assert_eq!(store.plan_step(a.id, NextStep::Redo).await.unwrap(), None);
    assert_eq!(store.plans(Some("610522001001")).await.unwrap()[0].steps_done, 2);

    // A deleted draft takes its steps with it (a new draft of the same id, in SQLite, starts clean).
    assert!(store.delete_plan(a.id, &audited()).await.unwrap());
    assert!(store.plan_edits(a.id).await.unwrap().is_empty());
}

async fn publishes_atomically_and_refuses_a_stale_base(store: &AnyStore) {
    let ds = common::mini_dataset();
    store.replace_layers(&ds).await.unwrap();
    let community = "610522001001";
    assert_eq!(store.plan_version(community).await.unwrap(), 0);
    let a = store.create_plan(&new_plan(community, "甲稿", 0), &audited()).await.unwrap();
    let b = store.create_plan(&new_plan(community, "乙稿", 0), &audited()).await.unwrap();
    let before: Vec<Feature> = ds.get(Layer::Grids)[..2].to_vec();
    // Grid 002 is merged into 001: one grid covering the community, household H0002 moves to it.
    let mut merged = before[0].clone();
    merged.geometry = geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![common::square(110.20, 34.50, 110.21, 34.51)]));
    let mut unit = ds.get(Layer::Units)[1].clone();
    unit.properties.insert("grid_code".into(), merged.code.clone().into());
    let mut hh = ds.get(Layer::Households)[1].clone();
    hh.properties.insert("grid_code".into(), merged.code.clone().into());
    let rev = store.revision().await.unwrap();
    let publication = |plan: &PlanRecord| Publication {
        plan_id: plan.id,
        plan_name: plan.name.clone(),
        community: community.into(),
        base_version: plan.base_version,
        published_by: "规划员甲".into(),
        grids_before: before.clone(),
        grids: vec![merged.clone()],
        units: vec![unit.clone()],
        households: vec![hh.clone()],
        detail: serde_json::json!({"plan": plan.id}),
        audit: audited(),
    };
    let (edit, step) = (serde_json::json!({"op": "merge"}), serde_json::json!({}));
    let save = PlanSave { id: a.id, expected_edits: a.edits, name: &a.name, content: &a.content, step: StepWrite::Push { edit: &edit, step: &step }, audit: &audited() };
    let a = store.save_plan(&save).await.unwrap().unwrap();
    assert_eq!(store.publish_plan(&publication(&a)).await.unwrap(), 1);
    assert!(store.plan_edits(a.id).await.unwrap().is_empty(), "a published draft's steps are gone");
    let back = store.load().await.unwrap();
    let grids: Vec<&str> = back.get(Layer::Grids).iter().map(|f| f.code.as_str()).collect();
    assert_eq!(grids, vec!["610522102206001", "610522001001001"], "the other community's grid is untouched");
    assert_eq!(back.get(Layer::Grids)[1], merged);
    assert_eq!(back.get(Layer::Units)[1], unit);
    assert_eq!(back.get(Layer::Households)[1], hh);
    assert!(store.revision().await.unwrap() > rev);
    assert_eq!(store.plan_version(community).await.unwrap(), 1);
    assert!(store.plan(a.id).await.unwrap().is_none(), "a published draft is gone");
    let log = store.changes(1).await.unwrap();
    assert_eq!((log[0].action.as_str(), log[0].actor.as_str()), ("plan.publish", "规划员甲"));
    let history = store.plan_versions(community).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].version, history[0].plan_name.as_str()), (1, "甲稿"));
    assert_eq!(history[0].grids_before["features"].as_array().unwrap().len(), 2);
    assert_eq!(history[0].grids_after["features"].as_array().unwrap().len(), 1);

    // The second draft was copied from version 0: refused, and nothing is written.
    let rev = store.revision().await.unwrap();
    let e = store.publish_plan(&publication(&b)).await.unwrap_err();
    assert!(matches!(e, gridmap::store::Error::Stale { base: 0, current: 1, .. }), "{e}");
    assert_eq!(store.load().await.unwrap(), back);
    assert_eq!(store.revision().await.unwrap(), rev);
    assert!(store.plan(b.id).await.unwrap().is_some(), "the refused draft is kept");
    assert_eq!(store.plan_versions(community).await.unwrap().len(), 1);
}

async fn a_failed_publication_changes_nothing(store: &AnyStore) {
    let ds = common::mini_dataset();
    store.replace_layers(&ds).await.unwrap();
    let plan = store.create_plan(&new_plan("610522001001", "坏稿", 0), &audited()).await.unwrap();
    let mut ghost = ds.get(Layer::Households)[0].clone();
    ghost.code = "NOPE".into();
    let p = Publication {
        plan_id: plan.id,
        plan_name: plan.name.clone(),
        community: "610522001001".into(),
        base_version: 0,
        published_by: "x".into(),
        grids_before: vec![],
        grids: vec![],
        units: vec![],
        households: vec![ghost],
        detail: serde_json::json!({}),
        audit: audited(),
    };
    let audit_before = store.audit(10, None).await.unwrap();
    assert!(store.publish_plan(&p).await.is_err());
    assert_eq!(store.audit(10, None).await.unwrap(), audit_before, "a failed publication leaves no audit entry");
    assert_eq!(store.load().await.unwrap(), ds);
    assert_eq!(store.plan_version("610522001001").await.unwrap(), 0);
    assert!(store.plan(plan.id).await.unwrap().is_some());
}

#[tokio::test]
async fn gpkg_keeps_drafts_of_several_planners() {
    let (s, _d) = gpkg().await;
    keeps_drafts_of_several_planners(&s).await;
}

#[tokio::test]
async fn postgis_keeps_drafts_of_several_planners() {
    keeps_drafts_of_several_planners(&postgis().await).await;
}

#[tokio::test]
async fn gpkg_keeps_a_drafts_steps_for_undo_and_redo() {
    let (s, _d) = gpkg().await;
    keeps_a_drafts_steps_for_undo_and_redo(&s).await;
}

#[tokio::test]
async fn postgis_keeps_a_drafts_steps_for_undo_and_redo() {
    keeps_a_drafts_steps_for_undo_and_redo(&postgis().await).await;
}

#[tokio::test]
async fn gpkg_publishes_atomically_and_refuses_a_stale_base() {
    let (s, _d) = gpkg().await;
    publishes_atomically_and_refuses_a_stale_base(&s).await;
}

#[tokio::test]
async fn postgis_publishes_atomically_and_refuses_a_stale_base() {
    publishes_atomically_and_refuses_a_stale_base(&postgis().await).await;
}

#[tokio::test]
async fn gpkg_failed_publication_changes_nothing() {
    let (s, _d) = gpkg().await;
    a_failed_publication_changes_nothing(&s).await;
}

#[tokio::test]
async fn postgis_failed_publication_changes_nothing() {
    a_failed_publication_changes_nothing(&postgis().await).await;
}

/// Both backends say what went wrong in the same terms: an unknown code, account or draft is `NotFound`, a
/// duplicate is `Exists`, a publication from an old base is `Stale`; and a refused write writes nothing.
async fn errors_keep_their_meaning(store: &AnyStore) {
    use gridmap::accounts::{Role, Scope};
    use gridmap::store::Error;
    use gridmap::store::accounts::{NewAccount, NewToken, TokenKind};
    let ds = common::mini_dataset();
    store.replace_layers(&ds).await.unwrap();
    let rev = store.revision().await.unwrap();

    // Not found: a feature code, an account (by name and by id), a draft.
    let mut ghost = ds.get(Layer::Households)[0].clone();
    ghost.code = "NOPE".into();
    let record = ChangeRecord { actor: "x".into(), action: "test".into(), detail: serde_json::json!({}), audit: None };
    let e = store.update_features(Layer::Households, &[ghost], &record).await.unwrap_err();
    assert!(matches!(&e, Error::NotFound { layer, code } if layer == "households" && code == "NOPE"), "{e}");
    let e = store.set_password("nobody", "$argon2id$x", false, Some(&audited())).await.unwrap_err();
    assert!(matches!(&e, Error::NotFound { code, .. } if code == "nobody"), "{e}");
    let e = store.set_enabled("nobody", false, &audited()).await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    let token = NewToken { token_hash: "h".into(), account_id: 4242, kind: TokenKind::Api, label: "t".into(), csrf: String::new(), expires_at: 2_000_000_000 };
    let e = store.insert_token(&token, |_| audited()).await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "a credential needs its account: {e}");
    let community = "610522001001";
    let publication = |plan_id: i64, grids: Vec<Feature>| Publication {
        plan_id,
        plan_name: "稿".into(),
        community: community.into(),
        base_version: 0,
        published_by: "x".into(),
        grids_before: vec![],
        grids,
        units: vec![],
        households: vec![],
        detail: serde_json::json!({}),
        audit: audited(),
    };
    let e = store.publish_plan(&publication(4242, ds.get(Layer::Grids)[..1].to_vec())).await.unwrap_err();
    assert!(matches!(&e, Error::NotFound { layer, code } if layer == "gridmap_plans" && code == "4242"), "{e}");

    // Exists: a username, a feature code twice in one write, a grid code another community holds.
    let new = NewAccount {
        username: "li.m".into(),
        display_name: "李明".into(),
        password_hash: "$argon2id$x".into(),
        role: Role::Planner,
        scope: Scope::County,
        must_change_password: false,
    };
    store.create_account(&new, &audited()).await.unwrap();
    let e = store.create_account(&new, &audited()).await.unwrap_err();
    assert!(matches!(e, Error::Exists(_)), "{e}");
    let mut twice = Dataset::default();
    let mut hh = ds.get(Layer::Households).to_vec();
    hh.push(hh[0].clone());
    twice.layers.insert(Layer::Households, hh);
    let e = store.replace_layers(&twice).await.unwrap_err();
    assert!(matches!(e, Error::Exists(_)), "{e}");
    let plan = store.create_plan(&new_plan(community, "抢码", 0), &audited()).await.unwrap();
    let theirs = ds.get(Layer::Grids).iter().find(|g| g.str_prop("community_code") != Some(community)).unwrap().clone();
    let e = store.publish_plan(&publication(plan.id, vec![theirs])).await.unwrap_err();
    assert!(matches!(e, Error::Exists(_)), "{e}");

    // Stale: a second draft from the same base, after the first was published.
    let other = store.create_plan(&new_plan(community, "乙稿", 0), &audited()).await.unwrap();
    assert_eq!(store.publish_plan(&publication(plan.id, ds.get(Layer::Grids)[..1].to_vec())).await.unwrap(), 1);
    let e = store.publish_plan(&publication(other.id, vec![])).await.unwrap_err();
    assert!(matches!(e, Error::Stale { base: 0, current: 1, .. }), "{e}");

    // Of all that, only the account and the one publication landed.
    let back = store.load().await.unwrap();
    assert_eq!(back.get(Layer::Households), ds.get(Layer::Households));
    assert_eq!(store.revision().await.unwrap(), rev + 1);
    assert_eq!(store.accounts().await.unwrap().len(), 1);
}

#[tokio::test]
async fn gpkg_errors_keep_their_meaning() {
    let (s, _d) = gpkg().await;
    errors_keep_their_meaning(&s).await;
}

#[tokio::test]
async fn postgis_errors_keep_their_meaning() {
    errors_keep_their_meaning(&postgis().await).await;
}

/// The schema the GeoPackage file had before it was kept as migrations (migrations/gpkg/), as the store
/// created it on every open: a copy, so that files in the field stay openable.
async fn write_schema_before_migrations(pool: &sqlx::SqlitePool) {
    use gridmap::store::schema::{ColumnType, columns, geometry_type};
    const WKT_4326: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;
    const WKT_4490: &str = r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4490"]]"#;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("PRAGMA application_id = 1196444487").execute(&mut *tx).await.unwrap();
    sqlx::query("PRAGMA user_version = 10300").execute(&mut *tx).await.unwrap();
    for ddl in [
        "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, \
         organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, \
         description TEXT)",
        "CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, \
         identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT \
         (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, \
         srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
        "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, \
         geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, \
         CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), \
         CONSTRAINT uk_gc_table_name UNIQUE (table_name), \
         CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), \
         CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
        "CREATE TABLE IF NOT EXISTS gridmap_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT OR IGNORE INTO gridmap_meta (key, value) VALUES ('revision', '0')",
        "CREATE TABLE IF NOT EXISTS gridmap_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), actor TEXT NOT NULL, \
         action TEXT NOT NULL, detail TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS gridmap_accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, password_hash TEXT NOT NULL, \
         role TEXT NOT NULL, scope TEXT NOT NULL, enabled BOOLEAN NOT NULL DEFAULT 1, \
         must_change_password BOOLEAN NOT NULL DEFAULT 0, failed_logins INTEGER NOT NULL DEFAULT 0, \
         locked_until INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS gridmap_tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         token_hash TEXT NOT NULL UNIQUE, account_id INTEGER NOT NULL REFERENCES gridmap_accounts (id), \
         kind TEXT NOT NULL, label TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL, \
         expires_at INTEGER NOT NULL, revoked BOOLEAN NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS gridmap_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, \
         actor TEXT NOT NULL, action TEXT NOT NULL, address TEXT NOT NULL, households TEXT NOT NULL, \
         detail TEXT NOT NULL)",
        "CREATE TRIGGER IF NOT EXISTS gridmap_audit_no_update BEFORE UPDATE ON gridmap_audit \
         BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS gridmap_audit_no_delete BEFORE DELETE ON gridmap_audit \
         BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TABLE IF NOT EXISTS gridmap_plan_heads (community_code TEXT PRIMARY KEY, \
         version INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS gridmap_plans (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         community_code TEXT NOT NULL, name TEXT NOT NULL, author TEXT NOT NULL, \
         created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), \
         updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), \
         base_version INTEGER NOT NULL, edits INTEGER NOT NULL DEFAULT 0, content TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS gridmap_plans_community ON gridmap_plans (community_code)",
        "CREATE TABLE IF NOT EXISTS gridmap_plan_steps (plan_id INTEGER NOT NULL REFERENCES gridmap_plans (id), \
         seq INTEGER NOT NULL, undone BOOLEAN NOT NULL DEFAULT 0, edit TEXT NOT NULL, step TEXT NOT NULL, \
         PRIMARY KEY (plan_id, seq))",
        "CREATE TABLE IF NOT EXISTS gridmap_plan_versions (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         community_code TEXT NOT NULL, version INTEGER NOT NULL, published_by TEXT NOT NULL, \
         published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), plan_name TEXT NOT NULL, \
         grids_before TEXT NOT NULL, grids_after TEXT NOT NULL, UNIQUE (community_code, version))",
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) \
         VALUES ('gridmap_meta', 'attributes', 'gridmap_meta', 'gridmap bookkeeping (revision)')",
    ] {
        sqlx::query(ddl).execute(&mut *tx).await.unwrap();
    }
    let srs: [(&str, i64, &str, i64, &str, &str); 4] = [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, WKT_4326, "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
        ("China Geodetic Coordinate System 2000", 4490, "EPSG", 4490, WKT_4490, "CGCS2000 longitude/latitude"),
    ];
    for (name, id, org, org_id, def, desc) in srs {
        sqlx::query(
            "INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, \
             definition, description) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(name)
        .bind(id)
        .bind(org)
        .bind(org_id)
        .bind(def)
        .bind(desc)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    // The layers the first migrations made: door plates (the addresses layer) came later.
    for layer in Layer::ALL.into_iter().filter(|l| *l != Layer::Addresses) {
        let t = layer.name();
        let cols: String = columns(layer)
            .iter()
            .map(|(c, ty)| format!(", \"{c}\" {}", if *ty == ColumnType::Integer { "INTEGER" } else { "TEXT" }))
            .collect();
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS \"{t}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \
             geom {}, code TEXT NOT NULL UNIQUE{cols}, properties TEXT NOT NULL)",
            geometry_type(layer)
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) \
             VALUES (?, 'features', ?, ?, 4490)",
        )
        .bind(t)
        .bind(t)
        .bind(layer.name_zh())
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) \
             VALUES (?, 'geom', ?, 4490, 0, 0)",
        )
        .bind(t)
        .bind(geometry_type(layer))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Every table's columns (name, type, not null, default, key) and the GeoPackage registry rows of a file.
async fn schema_of(path: &std::path::Path) -> Vec<String> {
    use sqlx::Row;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'index', 'trigger') AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' \
         AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut out = tables.clone();
    for t in &tables {
        for r in sqlx::query(&format!("SELECT name, type, \"notnull\", COALESCE(dflt_value, ''), pk FROM pragma_table_info('{t}')"))
            .fetch_all(&pool)
            .await
            .unwrap()
        {
            let (n, ty, nn, d, pk): (String, String, i64, String, i64) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
            out.push(format!("{t}.{n} {ty} {nn} {d} {pk}"));
        }
    }
    for q in [
        "SELECT table_name || ' ' || data_type || ' ' || identifier || ' ' || COALESCE(description, '') || ' ' || COALESCE(srs_id, '') FROM gpkg_contents ORDER BY table_name",
        "SELECT table_name || ' ' || column_name || ' ' || geometry_type_name || ' ' || srs_id || z || m FROM gpkg_geometry_columns ORDER BY table_name",
        "SELECT srs_id || ' ' || srs_name || ' ' || organization || organization_coordsys_id || ' ' || definition || ' ' || description FROM gpkg_spatial_ref_sys ORDER BY srs_id",
        "SELECT 'application_id ' || application_id FROM pragma_application_id",
        "SELECT 'user_version ' || user_version FROM pragma_user_version",
    ] {
        out.extend(sqlx::query_scalar::<_, String>(q).fetch_all(&pool).await.unwrap());
    }
    pool.close().await;
    out
}

#[tokio::test]
async fn a_geopackage_from_before_the_migrations_opens_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let (old, fresh) = (dir.path().join("old.gpkg"), dir.path().join("fresh.gpkg"));
    let ds = common::mini_dataset();
    // A file as today's code wrote it: the schema, then the layers (copied in from a store's file) and a
    // revision.
    GpkgStore::open(&fresh).await.unwrap().replace_layers(&ds).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", old.display())).await.unwrap();
    write_schema_before_migrations(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query(&format!("ATTACH DATABASE '{}' AS fresh", fresh.display())).execute(&mut *conn).await.unwrap();
    for layer in Layer::ALL.into_iter().filter(|l| *l != Layer::Addresses) {
        let t = layer.name();
        sqlx::query(&format!("INSERT INTO main.\"{t}\" SELECT * FROM fresh.\"{t}\"")).execute(&mut *conn).await.unwrap();
    }
    sqlx::query("UPDATE main.gridmap_meta SET value = '7' WHERE key = 'revision'").execute(&mut *conn).await.unwrap();
    sqlx::query("DETACH DATABASE fresh").execute(&mut *conn).await.unwrap();
    drop(conn);
    pool.close().await;

    let before = schema_of(&old).await;
    let store = GpkgStore::open(&old).await.unwrap();
    assert_eq!(store.load().await.unwrap(), ds, "the old file's layers load as they were");
    assert_eq!(store.revision().await.unwrap(), 7);
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success").fetch_one(store.pool()).await.unwrap();
    assert!(applied >= 1, "the migrations are recorded as applied");
    // It is the same schema a new file gets, and opening it changed nothing but what the later migrations add
    // (0005: the audit chain's two columns; 0006: the visits table, its indexes and triggers; 0007: the door
    // plates' feature table and its registry rows).
    let after = schema_of(&old).await;
    assert!(after.iter().any(|l| l == "gridmap_visits") && !before.iter().any(|l| l.starts_with("gridmap_visits")), "{after:?}");
    assert!(after.iter().any(|l| l == "addresses geom POINT 449000") && !before.iter().any(|l| l.starts_with("addresses")), "{after:?}");
    let added: Vec<&String> =
        after.iter().filter(|l| !before.contains(l) && !l.starts_with("gridmap_visits") && !l.starts_with("addresses")).collect();
    assert_eq!(added, ["gridmap_audit.prev_hash TEXT 0  0", "gridmap_audit.hash TEXT 0  0"], "{after:?}");
    assert!(before.iter().all(|l| after.contains(l)), "nothing removed");
    let new = dir.path().join("new.gpkg");
    GpkgStore::open(&new).await.unwrap();
    assert_eq!(schema_of(&new).await, after, "the migrations create what today's code created, then add to it");
    // And it opens again (the migrations are not re-run).
    drop(store);
    assert_eq!(GpkgStore::open(&old).await.unwrap().load().await.unwrap(), ds);
}

fn new_visit(client_id: &str, household: &str, grid: &str, visited_at: &str) -> NewVisit {
    NewVisit {
        client_id: client_id.into(),
        household: household.into(),
        grid: Some(grid.into()),
        community: Some("610522001001".into()),
        kind: "走访".into(),
        note: "谈了养老补贴".into(),
        tags: vec!["独居老人".into()],
        visited_at: visited_at.into(),
        account: "gm1".into(),
        lonlat: Some((110.2015, 34.5015)),
        distance_m: Some(1.5),
        flagged_far: false,
    }
}

/// Visits: stored once per client_id with their audit entry, listed by household, grid and time, and the
/// database refuses to change or delete one.
async fn visits_are_append_only_and_counted_once(store: &AnyStore) {
    let audit = |id: i64| AuditRecord { detail: serde_json::json!({"visit": id}), ..audited() };
    let a = new_visit("client-0001", "H0001", "610522001001001", "2026-11-20T08:00:00Z");
    let (first, created) = store.record_visit(&a, audit).await.unwrap();
    assert!(created);
    assert_eq!((first.household.as_str(), first.kind.as_str(), first.note.as_str()), ("H0001", "走访", "谈了养老补贴"));
    assert_eq!((first.tags.clone(), first.lonlat, first.distance_m), (vec!["独居老人".to_string()], Some([110.2015, 34.5015]), Some(1.5)));
    assert!(first.recorded_at.ends_with('Z') && !first.flagged_far);
    // A resend finds the first and writes nothing, not even an audit entry.
    let mut resent = a.clone();
    resent.note = "重发".into();
    let (again, created) = store.record_visit(&resent, audit).await.unwrap();
    assert!(!created);
    assert_eq!(again, first);
    let mut b = new_visit("client-0002", "H0002", "610522001001002", "2026-12-01T08:00:00Z");
    b.lonlat = None;
    b.distance_m = None;
    b.flagged_far = true;
    let (second, _) = store.record_visit(&b, audit).await.unwrap();
    assert_eq!((second.lonlat, second.distance_m, second.flagged_far), (None, None, true));
    let entries = store.audit(10, None).await.unwrap();
    assert_eq!(entries.len(), 2, "one audit entry per visit written");
    assert_eq!(entries[1].detail["visit"], first.id);

    let all = |f: VisitFilter| async move { store.visits(&VisitFilter { limit: 100, ..f }).await.unwrap() };
    assert_eq!(all(VisitFilter::default()).await, vec![second.clone(), first.clone()], "newest first");
    assert_eq!(all(VisitFilter { household: Some("H0001".into()), ..Default::default() }).await, vec![first.clone()]);
    assert_eq!(all(VisitFilter { grids: Some(vec!["610522001001002".into()]), ..Default::default() }).await, vec![second.clone()]);
    assert!(all(VisitFilter { grids: Some(vec![]), ..Default::default() }).await.is_empty());
    assert_eq!(all(VisitFilter { since: Some("2026-11-25T00:00:00Z".into()), ..Default::default() }).await, vec![second.clone()]);
    assert_eq!(store.visits(&VisitFilter { limit: 1, ..Default::default() }).await.unwrap().len(), 1);
    let mut seen = store.visited_households("2026-11-01T00:00:00Z").await.unwrap();
    seen.sort();
    assert_eq!(seen, ["H0001", "H0002"]);
    assert_eq!(store.visited_households("2026-11-25T00:00:00Z").await.unwrap(), ["H0002"]);

    // Append-only: the database refuses an update or a delete from anywhere.
    let (update, delete) = ("UPDATE gridmap_visits SET note = 'x'", "DELETE FROM gridmap_visits");
    match store {
        AnyStore::Gpkg(s) => {
            assert!(sqlx::query(update).execute(s.pool()).await.is_err());
            assert!(sqlx::query(delete).execute(s.pool()).await.is_err());
        }
        AnyStore::Postgis(s) => {
            assert!(sqlx::query(update).execute(s.pool()).await.is_err());
            assert!(sqlx::query(delete).execute(s.pool()).await.is_err());
            assert!(sqlx::query("TRUNCATE gridmap_visits").execute(s.pool()).await.is_err());
        }
    }
    assert_eq!(all(VisitFilter::default()).await.len(), 2);
}

#[tokio::test]
async fn gpkg_visits_are_append_only_and_counted_once() {
    let (s, _d) = gpkg().await;
    visits_are_append_only_and_counted_once(&s).await;
}

#[tokio::test]
async fn postgis_visits_are_append_only_and_counted_once() {
    visits_are_append_only_and_counted_once(&postgis().await).await;
}
