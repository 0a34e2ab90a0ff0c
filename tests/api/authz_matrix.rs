//! The authorisation matrix: every API route, called as every role, is allowed, refused or masked as the
//! table below says. The table is written here, apart from `src/http/access.rs`, so that a change of policy
//! has to be made twice, on purpose.
//!
//! It also reads the route definitions out of `src/http/*.rs` and fails when a route has no row here or no
//! rule in the access table, so a new route cannot slip in unreviewed.
//!
//! Roles, on the mini dataset with its door plates (two communities; household H0001 张三 in grid 610522001001001 of community
//! 610522001001; H0003 王五 and H0005 孙七 in community 610522102206):
//! anonymous, viewer (county), planner (county), grid manager of grid 610522001001001, secretary of community
//! 610522001001, county admin.

use crate::common;

use std::collections::BTreeSet;

use crate::common::{spawn_app_seeded, write_mini};
use gridmap::accounts::Role;
use gridmap::store::AccountStore;
use serde_json::{Value, json};

/// What a role gets from a route.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// 2xx. Callers who may not see personal data must find none in it.
    Ok,
    /// 2xx, showing this in-scope personal value in full; a scoped caller sees nothing outside its scope.
    Full(&'static str),
    /// 2xx with no personal data at all.
    Masked,
    /// 2xx with no household-level data at all: no household code, name or phone (anonymous callers and
    /// viewers on routes about households; counts only).
    NoHouseholds,
    /// This status (401 not signed in, 403 refused, 404 not found...).
    Status(u16),
}
use Expect::*;

const ROLES: [&str; 6] = ["anonymous", "viewer", "planner", "grid_manager", "secretary", "admin"];

/// Every personal value of the mini dataset: names and phones of householders and staff.
const PERSONAL: &[&str] = &[
    "张三", "李四", "王五", "赵六", "孙七", "王秀兰", "李娜", "张伟", "赵敏", "13900001234", "13900000001", "13900000002",
    "13900000003", "elderly_alone",
];
/// Personal values outside both the grid manager's and the secretary's scope (community 610522102206 and the
/// household in no grid).
const OUT_OF_SCOPE: &[&str] = &["王五", "赵六", "孙七"];

/// Every household code of the mini dataset: none may reach an anonymous caller or a viewer, from any route.
const HOUSEHOLD_CODES: &[&str] = &["H0001", "H0002", "H0003", "H0004", "H0005"];

/// H0001's door, in grid 610522001001001.
const AT_H0001: &str = "lon=110.2015&lat=34.5015";

struct Case {
    method: &'static str,
    /// The route as declared in `src/http`.
    route: &'static str,
    /// The request made.
    path: String,
    body: Option<Value>,
    /// Per role, in the order of [`ROLES`].
    expect: [Expect; 6],
}

fn case(method: &'static str, route: &'static str, path: &str, body: Option<Value>, expect: [Expect; 6]) -> Case {
    Case { method, route, path: path.to_string(), body, expect }
}

/// A door plate's address (of the mini dataset's plates), public for everyone.
const PLATE: Expect = Full("潼关县城关街道南新社区1号楼1单元101");

const NOT_SIGNED_IN: Expect = Status(401);
const REFUSED: Expect = Status(403);

/// The matrix. Order matters only for writes (logout last, since it ends the credential). `plan` is a draft of
/// community 610522001001 made before the calls.
fn cases(plan: i64) -> Vec<Case> {
    let h = Full("张三");
    let n = NoHouseholds;
    let p = |tail: &str| format!("/api/v1/plans/{plan}{tail}");
    let (x0, y0) = (110.205, 34.5);
    let plans = [NOT_SIGNED_IN, REFUSED, Ok, REFUSED, Ok, Ok];
    let plan_writes = [NOT_SIGNED_IN, REFUSED, Ok, REFUSED, REFUSED, Ok];
    vec![
        case("GET", "/health", "/health", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/meta", "/api/v1/meta", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/households", None, [n, n, Masked, h, h, h]),
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/county", None, [n, n, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/towns", None, [n, n, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/villages", None, [n, n, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/units", None, [n, n, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/households?bbox=110,34,111,35", None, [n, n, Masked, h, h, h]),
        // A grid manager sees their own community's secretary in full: a colleague they must be able to call.
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/communities", None, [Masked, Masked, Masked, Full("王秀兰"), Full("王秀兰"), Full("王秀兰")]),
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/grids", None, [Masked, Masked, Masked, Full("李娜"), Full("李娜"), Full("李娜")]),
        // Door plates are public addresses: in full for everyone, and no household with them.
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/addresses", None, [PLATE, PLATE, PLATE, PLATE, PLATE, PLATE]),
        // 天地图 is everyone's where the server has a key; the test server has none.
        case("GET", "/api/v1/basemap/tianditu/{layer}/{z}/{x}/{y}", "/api/v1/basemap/tianditu/vec/1/0/0", None, [Status(404), Status(404), Status(404), Status(404), Status(404), Status(404)]),
        // The web import: admins, planners and secretaries (an empty GeoJSON previews as refused, nothing stored).
        case("POST", "/api/v1/imports", "/api/v1/imports?layer=grids&name=empty.geojson", Some(json!({"type": "FeatureCollection", "features": []})), [NOT_SIGNED_IN, REFUSED, Ok, REFUSED, Ok, Ok]),
        case("POST", "/api/v1/imports/{id}/preview", "/api/v1/imports/999999/preview", Some(json!({})), [NOT_SIGNED_IN, REFUSED, Status(404), REFUSED, Status(404), Status(404)]),
        case("POST", "/api/v1/imports/{id}/commit", "/api/v1/imports/999999/commit", Some(json!({})), [NOT_SIGNED_IN, REFUSED, Status(404), REFUSED, Status(404), Status(404)]),
        case("DELETE", "/api/v1/imports/{id}", "/api/v1/imports/999999", None, [NOT_SIGNED_IN, REFUSED, Status(404), REFUSED, Status(404), Status(404)]),
        // Exports are masked as the layer read; KML is text, so what it carries is checked like JSON.
        case("GET", "/api/v1/layers/{layer}/export", "/api/v1/layers/households/export?format=kml", None, [REFUSED, REFUSED, Masked, h, h, h]),
        case("GET", "/api/v1/layers/{layer}/export", "/api/v1/layers/grids/export?format=kml", None, [Masked, Masked, Masked, Full("李娜"), Full("李娜"), Full("李娜")]),
        case("GET", "/api/v1/layers/{layer}/export", "/api/v1/layers/grids/export?format=geojson", None, [Masked, Masked, Masked, Full("李娜"), Full("李娜"), Full("李娜")]),
        case("GET", "/api/v1/locate", &format!("/api/v1/locate?{AT_H0001}"), None, [n, n, Masked, h, h, h]),
        case("GET", "/api/v1/search", "/api/v1/search?q=zhangsan", None, [n, n, Masked, h, h, h]),
        case("GET", "/api/v1/nearest", &format!("/api/v1/nearest?{AT_H0001}&k=5"), None, [n, n, Masked, h, h, h]),
        case("GET", "/api/v1/grids/{code}/households", "/api/v1/grids/610522001001001/households", None, [n, n, Masked, h, h, h]),
        case("GET", "/api/v1/grids/{code}/wallchart.png", "/api/v1/grids/610522001001001/wallchart.png", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        // Plates and the notice: public data only, for everyone who may print the wall chart.
        case("GET", "/api/v1/grids/{code}/plates.png", "/api/v1/grids/610522001001001/plates.png", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/grids/{code}/plates.pdf", "/api/v1/grids/610522001001001/plates.pdf", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/communities/{code}/plates.png", "/api/v1/communities/610522102206/plates.png", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/communities/{code}/plates.pdf", "/api/v1/communities/610522001001/plates.pdf?size=270x170", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/units/{code}/plates.png", "/api/v1/units/610522001001001001/plates.png?size=570x370", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/units/{code}/plates.pdf", "/api/v1/units/610522102206001001/plates.pdf", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/grids/{code}/plates.png", "/api/v1/grids/610522001001001/plates.png?of=plates", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/communities/{code}/plates.pdf", "/api/v1/communities/610522102206/plates.pdf?of=plates", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/units/{code}/plates.png", "/api/v1/units/610522001001001001/plates.png?of=plates", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/grids/{code}/notice.png", "/api/v1/grids/610522001001001/notice.png", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/grids/{code}/notice.pdf", "/api/v1/grids/610522102206001/notice.pdf?paper=A3", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/v1/units/{code}/households", "/api/v1/units/610522001001001001/households", None, [n, n, Masked, h, h, h]),
        case("GET", "/api/v1/crosswalk", "/api/v1/crosswalk", None, [Masked, Masked, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/crosswalk/households", "/api/v1/crosswalk/households", None, [n, n, Masked, Ok, Ok, Full("孙七")]),
        case("GET", "/api/v1/crosswalk/households", "/api/v1/crosswalk/households?format=csv", None, [n, n, Masked, Ok, Ok, Full("孙七")]),
        case("GET", "/api/v1/crosswalk/households", "/api/v1/crosswalk/households?format=geojson", None, [n, n, Masked, Ok, Ok, Full("孙七")]),
        case("GET", "/api/v1/crosswalk", "/api/v1/crosswalk?format=csv", None, [Masked, Masked, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/coverage/defects", "/api/v1/coverage/defects?kind=household_mismatch,household_uncovered", None, [n, n, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/crosswalk/reassignment", "/api/v1/crosswalk/reassignment", None, [n, n, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/coverage", "/api/v1/coverage", None, [Masked, Masked, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/coverage/defects", "/api/v1/coverage/defects", None, [Masked, Masked, Masked, Ok, Ok, Ok]),
        // The evidence follows the defects list (tests/api/evidence.rs reads the files for the masking).
        case("GET", "/api/v1/coverage/evidence.xlsx", "/api/v1/coverage/evidence.xlsx", None, [Masked, Masked, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/coverage/evidence.pdf", "/api/v1/coverage/evidence.pdf?parent=610522001001", None, [Masked, Masked, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/changes", "/api/v1/changes", None, [NOT_SIGNED_IN, REFUSED, Ok, Ok, Ok, Ok]),
        // Visits: recorded for households the caller sees in full (the grid manager's grid, the secretary's
        // community, the county); the first to use a client_id owns it, so the others' same request conflicts.
        case(
            "POST",
            "/api/v1/visits",
            "/api/v1/visits",
            Some(json!({"household": "H0001", "kind": "走访", "client_id": "matrix-visit-0001"})),
            [NOT_SIGNED_IN, REFUSED, REFUSED, Ok, Status(409), Status(409)],
        ),
        case(
            "POST",
            "/api/v1/visits",
            "/api/v1/visits",
            Some(json!({"household": "H0003", "kind": "电话", "client_id": "matrix-visit-0002"})),
            [NOT_SIGNED_IN, REFUSED, REFUSED, REFUSED, REFUSED, Ok],
        ),
        case("GET", "/api/v1/visits", "/api/v1/visits?household=H0001", None, [NOT_SIGNED_IN, REFUSED, REFUSED, Ok, Ok, Ok]),
        // Contact coverage: each caller's own scope by default (the grid manager's grid, the secretary's
        // community, the county for planners and the admin), managers masked for planners.
        case("GET", "/api/v1/coverage/contact", "/api/v1/coverage/contact", None, [NOT_SIGNED_IN, REFUSED, Masked, Ok, Ok, Ok]),
        case("GET", "/api/v1/coverage/contact", "/api/v1/coverage/contact?parent=610522102206", None, [NOT_SIGNED_IN, REFUSED, Masked, REFUSED, REFUSED, Ok]),
        case("GET", "/api/v1/coverage/contact.xlsx", "/api/v1/coverage/contact.xlsx", None, [NOT_SIGNED_IN, REFUSED, Ok, Ok, Ok, Ok]),
        // A secretary applies the reassignment of their own community only; the county admin any.
        case(
            "POST",
            "/api/v1/crosswalk/reassignment",
            "/api/v1/crosswalk/reassignment",
            Some(json!({"community": "610522001001"})),
            [NOT_SIGNED_IN, REFUSED, REFUSED, REFUSED, Ok, Ok],
        ),
        case(
            "POST",
            "/api/v1/crosswalk/reassignment",
            "/api/v1/crosswalk/reassignment",
            Some(json!({"community": "610522102206"})),
            [NOT_SIGNED_IN, REFUSED, REFUSED, REFUSED, REFUSED, Ok],
        ),
        case(
            "POST",
            "/api/v1/auth/login",
            "/api/v1/auth/login",
            Some(json!({"username": "nobody", "password": "wrong-password"})),
            [Status(401); 6],
        ),
        case("GET", "/api/v1/auth/me", "/api/v1/auth/me", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case(
            "POST",
            "/api/v1/auth/password",
            "/api/v1/auth/password",
            Some(json!({"old_password": "not-the-password", "new_password": "another-long-password"})),
            [NOT_SIGNED_IN, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED],
        ),
        case("GET", "/api/v1/auth/tokens", "/api/v1/auth/tokens", None, [NOT_SIGNED_IN, Ok, Ok, Ok, Ok, Ok]),
        case(
            "POST",
            "/api/v1/auth/tokens",
            "/api/v1/auth/tokens",
            Some(json!({"label": "matrix", "days": 1})),
            [NOT_SIGNED_IN, Ok, Ok, Ok, Ok, Ok],
        ),
        case(
            "DELETE",
            "/api/v1/auth/tokens/{id}",
            "/api/v1/auth/tokens/999999",
            None,
            [NOT_SIGNED_IN, Status(404), Status(404), Status(404), Status(404), Status(404)],
        ),
        case("GET", "/api/v1/accounts", "/api/v1/accounts", None, [NOT_SIGNED_IN, REFUSED, REFUSED, REFUSED, REFUSED, Ok]),
        case("GET", "/api/v1/audit", "/api/v1/audit", None, [NOT_SIGNED_IN, REFUSED, REFUSED, REFUSED, REFUSED, Ok]),
        case("GET", "/api/v1/audit", "/api/v1/audit?format=csv", None, [NOT_SIGNED_IN, REFUSED, REFUSED, REFUSED, REFUSED, Ok]),
        // Plans: planners (and the county admin) draft and publish; secretaries follow their community's drafts.
        case("POST", "/api/v1/plans", "/api/v1/plans", Some(json!({"community": "610522001001", "name": "矩阵"})), plan_writes),
        case("GET", "/api/v1/plans", "/api/v1/plans", None, plans),
        case("GET", "/api/v1/plans/versions", "/api/v1/plans/versions?community=610522001001", None, plans),
        case("GET", "/api/v1/plans/{id}", &p(""), None, plans),
        case("GET", "/api/v1/plans/compare", &format!("/api/v1/plans/compare?community=610522001001&b=draft:{plan}"), None, plans),
        case("GET", "/api/v1/plans/{id}/diff", &p("/diff"), None, plans),
        case("PATCH", "/api/v1/plans/{id}", &p(""), Some(json!({"name": "矩阵二稿"})), plan_writes),
        case("POST", "/api/v1/plans/{id}/edits", &p("/edits"), Some(json!({"op": "move_vertex", "from": [x0, y0], "to": [x0 + 0.0001, y0]})), [NOT_SIGNED_IN, REFUSED, Ok, REFUSED, REFUSED, Status(422)]),
        case("POST", "/api/v1/plans/{id}/undo", &p("/undo"), Some(json!({})), [NOT_SIGNED_IN, REFUSED, Ok, REFUSED, REFUSED, Status(422)]),
        case("POST", "/api/v1/plans/{id}/redo", &p("/redo"), Some(json!({})), [NOT_SIGNED_IN, REFUSED, Ok, REFUSED, REFUSED, Status(422)]),
        case("GET", "/api/v1/plans/{id}/export", &p("/export?format=geojson"), None, plans),
        case("GET", "/api/v1/plans/{id}/export", &p("/export?format=gpkg"), None, plans),
        case("GET", "/api/v1/plans/{id}/grids/{grid}/wallchart.png", &p("/grids/610522001001001/wallchart.png"), None, plans),
        // Allowed roles get as far as the coverage rules: the mini dataset's grids are under their target band.
        case("POST", "/api/v1/plans/{id}/publish", &p("/publish"), Some(json!({})), [NOT_SIGNED_IN, REFUSED, Status(422), REFUSED, REFUSED, Status(422)]),
        case("DELETE", "/api/v1/plans/{id}", &p(""), None, [NOT_SIGNED_IN, REFUSED, Ok, REFUSED, REFUSED, Status(404)]),
        case("GET", "/ogcapi", "/ogcapi", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/ogcapi/conformance", "/ogcapi/conformance", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/ogcapi/api", "/ogcapi/api", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/openapi.json", "/api/openapi.json", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/api/docs", "/api/docs", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/ogcapi/collections", "/ogcapi/collections", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/ogcapi/collections/{collection}", "/ogcapi/collections/households", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        case("GET", "/ogcapi/collections/{collection}/items", "/ogcapi/collections/households/items", None, [n, n, Masked, h, h, h]),
        case("GET", "/ogcapi/collections/{collection}/items", "/ogcapi/collections/grids/items", None, [Masked, Masked, Masked, Full("李娜"), Full("李娜"), Full("李娜")]),
        case("GET", "/ogcapi/collections/{collection}/items/{item}", "/ogcapi/collections/households/items/H0001", None, [Status(404), Status(404), Masked, h, h, h]),
        case("GET", "/ogcapi/collections/{collection}/items", "/ogcapi/collections/addresses/items", None, [PLATE, PLATE, PLATE, PLATE, PLATE, PLATE]),
        // Vector tiles: the mini dataset's households at zoom 14, its grids at zoom 10, masked as the layers route.
        case("GET", "/tiles/{name}/{z}/{x}/{y}", "/tiles/households/14/13207/6517.mvt", None, [n, n, Masked, h, h, h]),
        case("GET", "/tiles/{name}/{z}/{x}/{y}", "/tiles/grids/10/825/407.mvt", None, [Masked, Masked, Masked, Full("李娜"), Full("李娜"), Full("李娜")]),
        case("GET", "/tiles/{name}", "/tiles/households.json", None, [Ok, Ok, Ok, Ok, Ok, Ok]),
        // The plate page is public: the published chain of people in full for everyone, no household.
        case("GET", "/g/{code}", "/g/610522001001001", None, [Full("李娜"), Full("李娜"), Full("李娜"), Full("李娜"), Full("李娜"), Full("李娜")]),
        case("GET", "/g/{code}", "/g/6105220010010010010001", None, [Full("李娜"), Full("李娜"), Full("李娜"), Full("李娜"), Full("李娜"), Full("李娜")]),
        case("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", Some(json!({})), [Ok, Ok, Ok, Ok, Ok, Ok]),
    ]
}


#[test]
fn every_declared_route_has_a_rule_and_a_row() {
    let declared = common::declared_routes();
    assert!(declared.len() > 20, "the route scan found only {declared:?}");
    let rows: BTreeSet<(String, String)> = cases(0).iter().map(|c| (c.method.to_string(), c.route.to_string())).collect();
    let rules: BTreeSet<(String, String)> =
        gridmap::http::access::RULES.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    let no_row: Vec<_> = declared.difference(&rows).collect();
    assert!(no_row.is_empty(), "routes without a row in the authorisation matrix: {no_row:?}");
    let no_rule: Vec<_> = declared.difference(&rules).collect();
    assert!(no_rule.is_empty(), "routes without an access rule in src/http/access.rs: {no_rule:?}");
    let stale: Vec<_> = rules.difference(&declared).collect();
    assert!(stale.is_empty(), "access rules for routes that do not exist: {stale:?}");
}

#[tokio::test]
async fn every_route_as_every_role() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_mini(dir.path());
    let mut plates = gridmap::model::Dataset::default();
    plates.layers.insert(gridmap::model::Layer::Addresses, common::mini_plates());
    gridmap::model::geojson_io::write_dir(&seed, &plates).unwrap();
    let app = spawn_app_seeded(&seed).await;
    let store = app.store().await;
    let tokens: Vec<Option<String>> = vec![
        None,
        Some(app.token_for("viewer1", Role::Viewer, "county").await),
        Some(app.token_for("planner1", Role::Planner, "county").await),
        Some(app.token_for("gm1", Role::GridManager, "grids:610522001001001").await),
        Some(app.token_for("sec1", Role::Secretary, "community:610522001001").await),
        Some(app.token_for("admin1", Role::Admin, "county").await),
    ];

    // A draft to call the plan routes on, made by the county admin.
    let r = common::TestApp::client_with(tokens[5].as_ref().unwrap())
        .post(app.url("/api/v1/plans"))
        .json(&json!({"community": "610522001001", "name": "矩阵"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let plan = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let mut failures = Vec::new();
    for c in cases(plan) {
        for (i, role) in ROLES.iter().enumerate() {
            let method = reqwest::Method::from_bytes(c.method.as_bytes()).unwrap();
            let mut req = app.client.request(method, app.url(&c.path));
            if let Some(t) = &tokens[i] {
                req = req.bearer_auth(t);
            }
            if let Some(b) = &c.body {
                req = req.json(b);
            }
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            let shows = |s: &&str| text.contains(*s);
            let sees_personal = matches!(*role, "grid_manager" | "secretary" | "admin");
            let scoped = matches!(*role, "grid_manager" | "secretary");
            let households_shown: Vec<&&str> = HOUSEHOLD_CODES.iter().filter(|s| shows(s)).collect();
            let why = match c.expect[i] {
                // Whatever the row says: anonymous callers and viewers never get a household, on any route.
                _ if matches!(*role, "anonymous" | "viewer") && !households_shown.is_empty() => {
                    Some(format!("shows households {households_shown:?} to a caller who may not see households"))
                }
                Status(s) if status != s => Some(format!("status {status}, expected {s}")),
                Status(_) => None,
                _ if !(200..300).contains(&status) => Some(format!("status {status}, expected 2xx")),
                Masked | Ok if !sees_personal && PERSONAL.iter().any(&shows) => {
                    Some(format!("shows {:?} unmasked", PERSONAL.iter().filter(|s| shows(s)).collect::<Vec<_>>()))
                }
                Masked | NoHouseholds if PERSONAL.iter().any(&shows) => {
                    Some(format!("shows {:?} unmasked", PERSONAL.iter().filter(|s| shows(s)).collect::<Vec<_>>()))
                }
                Full(s) if !text.contains(s) => Some(format!("does not show {s:?} in full")),
                _ if scoped && OUT_OF_SCOPE.iter().any(&shows) => {
                    Some(format!("shows {:?} from outside its scope", OUT_OF_SCOPE.iter().filter(|s| shows(s)).collect::<Vec<_>>()))
                }
                _ => None,
            };
            if let Some(why) = why {
                failures.push(format!("{} {} as {role}: {why}: {}", c.method, c.path, text.chars().take(300).collect::<String>()));
            }
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));

    // Every response above that showed a household in full left a trace: who, which households, from where.
    let entries = store.audit(10_000, None).await.unwrap();
    for who in ["gm1", "sec1", "admin1"] {
        let read = entries.iter().find(|e| e.action == "read.personal" && e.actor == who && e.households.contains(&"H0001".to_string()));
        assert!(read.is_some_and(|e| e.address.starts_with("127.0.0.1:")), "no audited read of H0001 by {who}");
    }
    for who in ["viewer1", "planner1", "anonymous"] {
        assert!(!entries.iter().any(|e| e.action == "read.personal" && e.actor == who), "{who} was audited as reading personal data");
    }
}
