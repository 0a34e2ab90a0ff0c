//! Locate and search speed: in process, over HTTP on loopback, and PostGIS answering the same point queries
//! through its GiST indexes, in one run.
//!
//! `cargo bench --bench locate` (or `scripts/bench-locate.sh`). Uses the default dataset when geodata/ has
//! households; otherwise a seeded synthetic county of the same size (about 45,000 households, 384 grids with
//! ~64-vertex warped boundaries, 3,072 units, courtyards and door points). PostgreSQL with PostGIS at
//! TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); without it the PostGIS part is
//! reported as skipped. Every load loop is bounded in count and time and targets 127.0.0.1 only.
//!
//! Targets (issue: grid managers): locate < 20 µs per point in process; over HTTP ≥ 10,000 requests/s with
//! p99 < 5 ms; search p99 < 5 ms.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use geo::{Coord, Geometry, MultiPolygon, Point, Polygon};
use gridmap::atlas::Atlas;
use gridmap::atlas::directory::Directory;
use gridmap::atlas::search::{SearchOptions, pinyin_spellings};
use gridmap::model::geojson_io::{read_dir, write_dir};
use gridmap::model::{Dataset, Feature, Layer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// HTTP load: connections, duration and request cap (bounded).
const CONNECTIONS: usize = 16;
const HTTP_SECONDS: f64 = 8.0;
const HTTP_MAX_REQUESTS: usize = 400_000;
const PG_CONNECTIONS: usize = 8;
const PG_SECONDS: f64 = 6.0;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Stats {
    n: usize,
    mean: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n.max(1) as f64;
    Stats { n, mean, p50: percentile(&v, 0.5), p99: percentile(&v, 0.99), max: v.last().copied().unwrap_or(f64::NAN) }
}

fn show(label: &str, unit: &str, s: &Stats) {
    println!(
        "{label:<44} n={:<7} mean {:>8.2} {unit}  p50 {:>8.2} {unit}  p99 {:>8.2} {unit}  max {:>8.2} {unit}",
        s.n, s.mean, s.p50, s.p99, s.max
    );
}

// ----------------------------------------------------------------------------------------------------------
// The synthetic county (used only when geodata/ has no households layer).

const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文单";
const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建军玉兰凤英志强海燕红梅小红文博晓东德胜春生秋菊冬梅振华永刚";
const TOWNS: [&str; 6] = ["城关街道", "太要镇", "秦东镇", "桐峪镇", "代字营镇", "安乐镇"];

/// A rectangle in lattice units with each side split into `per_side` segments, warped to lon/lat.
fn warped_rect(x0: f64, y0: f64, x1: f64, y1: f64, per_side: usize, warp: &impl Fn(f64, f64) -> Coord<f64>) -> Geometry<f64> {
    let mut ring = Vec::new();
    let side = |ring: &mut Vec<Coord<f64>>, (ax, ay): (f64, f64), (bx, by): (f64, f64)| {
        for i in 0..per_side {
            let t = i as f64 / per_side as f64;
            ring.push(warp(ax + t * (bx - ax), ay + t * (by - ay)));
        }
    };
    side(&mut ring, (x0, y0), (x1, y0));
    side(&mut ring, (x1, y0), (x1, y1));
    side(&mut ring, (x1, y1), (x0, y1));
    side(&mut ring, (x0, y1), (x0, y0));
    ring.push(ring[0]);
    Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(ring.into(), vec![])]))
}

fn feature(code: String, props: serde_json::Value, geometry: Geometry<f64>) -> Feature {
    let mut p = props.as_object().unwrap().clone();
    p.insert("code".into(), code.clone().into());
    Feature { code, properties: p, geometry }
}

/// A seeded county of 24 × 16 grids (lattice units: one grid = 1 × 1), warped so that no edge is straight
/// and neighbours share every vertex; 6 towns, 24 communities, 96 legacy villages, 3,072 units, ~45,000
/// households (courtyards in rural communities, door points in urban ones).
fn synthetic_county(seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (lon0, lat0, cell_lon, cell_lat) = (110.08, 34.38, 0.0155, 0.0135); // a grid is ~1.4 km × 1.5 km
    let warp = move |x: f64, y: f64| Coord {
        x: lon0 + cell_lon * (x + 0.18 * (1.7 * y).sin() + 0.07 * (5.3 * y + 1.1 * x).sin()),
        y: lat0 + cell_lat * (y + 0.18 * (1.3 * x).sin() + 0.07 * (4.7 * x + 0.9 * y).cos()),
    };
    let (nx, ny) = (24usize, 16usize);
    let seg = 16; // segments per grid side: ~64 vertices per grid
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let mut ds = Dataset::default();
    ds.layers.insert(
        Layer::County,
        vec![feature("610522".into(), json!({"name": "潼关县"}), warped_rect(0.0, 0.0, nx as f64, ny as f64, seg * nx, &warp))],
    );
    let (mut towns, mut communities, mut villages, mut grids, mut units, mut households) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    // Towns: 3 × 2 blocks of 8 × 8 grids; communities: 2 × 2 per town, 4 × 4 grids each.
    for tj in 0..2 {
        for ti in 0..3 {
            let t = tj * 3 + ti;
            let town_code = format!("610522{:03}", 100 + t);
            let (tx, ty) = ((ti * 8) as f64, (tj * 8) as f64);
            towns.push(feature(
                town_code.clone(),
                json!({"name": TOWNS[t], "county_code": "610522"}),
                warped_rect(tx, ty, tx + 8.0, ty + 8.0, seg * 8, &warp),
            ));
            for cj in 0..2 {
                for ci in 0..2 {
                    let c = cj * 2 + ci;
                    let urban = t == 0;
                    let community_code = format!("{town_code}{:03}", if urban { 1 + c } else { 201 + c });
                    let community_name = if urban { format!("{}社区居委会", ["南新", "北街", "东关", "西关"][c]) } else { format!("{}村委会", ["老虎城", "寺角营", "秦王寨", "南歇马"][c]) };
                    let (cx, cy) = (tx + (ci * 4) as f64, ty + (cj * 4) as f64);
                    let sec: String = format!("{}{}{}", surnames[rng.gen_range(0..surnames.len())], given[rng.gen_range(0..given.len())], given[rng.gen_range(0..given.len())]);
                    communities.push(feature(
                        community_code.clone(),
                        json!({"name": community_name, "town_code": town_code, "kind": if urban {"urban"} else {"rural"},
                               "secretary": sec, "secretary_phone": format!("139{:08}", rng.gen_range(0..100_000_000u32))}),
                        warped_rect(cx, cy, cx + 4.0, cy + 4.0, seg * 4, &warp),
                    ));
                    // Grids numbered west to east, then north to south.
                    let mut seq = 0;
                    for gj in (0..4).rev() {
                        for gi in 0..4 {
                            seq += 1;
                            let grid_code = format!("{community_code}{seq:03}");
                            let (gx, gy) = (cx + gi as f64, cy + gj as f64);
                            let manager: String = format!("{}{}", surnames[rng.gen_range(0..surnames.len())], given[rng.gen_range(0..given.len())]);
                            grids.push(feature(
                                grid_code.clone(),
                                json!({"name": format!("{}第{}网格", community_name.trim_end_matches("居委会").trim_end_matches("委会"), seq),
                                       "community_code": community_code, "manager": manager,
                                       "manager_phone": format!("138{:08}", rng.gen_range(0..100_000_000u32)), "target_households": 120}),
                                warped_rect(gx, gy, gx + 1.0, gy + 1.0, seg, &warp),
                            ));
                            // Units: 4 × 2 per grid, a 4-unit lattice step per side.
                            let mut useq = 0;
                            for uj in 0..2 {
                                for ui in 0..4 {
                                    useq += 1;
                                    let unit_code = format!("{grid_code}{useq:03}");
                                    let (ux, uy) = (gx + ui as f64 * 0.25, gy + uj as f64 * 0.5);
                                    let kind = if urban { "building" } else { "lane" };
                                    let unit_name = if urban { format!("{useq}号楼") } else { format!("{useq}组") };
                                    units.push(feature(
                                        unit_code.clone(),
                                        json!({"name": unit_name, "grid_code": grid_code, "kind": kind,
                                               "leader": format!("{}{}", surnames[rng.gen_range(0..surnames.len())], given[rng.gen_range(0..given.len())]),
                                               "head": format!("{}{}", surnames[rng.gen_range(0..surnames.len())], given[rng.gen_range(0..given.len())]),
                                               "head_phone": format!("137{:08}", rng.gen_range(0..100_000_000u32))}),
                                        warped_rect(ux, uy, ux + 0.25, uy + 0.5, 4, &warp),
                                    ));
                                    let n = rng.gen_range(10..20);
                                    for h in 0..n {
                                        let (hx, hy) = (ux + rng.gen_range(0.02..0.22), uy + rng.gen_range(0.02..0.46));
                                        let head: String = std::iter::once(surnames[rng.gen_range(0..surnames.len())])
                                            .chain((0..rng.gen_range(1..3)).map(|_| given[rng.gen_range(0..given.len())]))
                                            .collect();
                                        let geometry = if urban {
                                            Geometry::Point(Point(warp(hx, hy)))
                                        } else {
                                            // A ~10 m × 20 m courtyard.
                                            let (dx, dy) = (10.0 / 1400.0, 20.0 / 1500.0);
                                            warped_rect(hx, hy, hx + dx, hy + dy, 1, &warp)
                                        };
                                        let address = if urban {
                                            format!("潼关县{}{}{}{}单元{}室", TOWNS[t], community_name.trim_end_matches("居委会"), unit_name, h % 4 + 1, 101 + h)
                                        } else {
                                            format!("潼关县{}{}{}{}号", TOWNS[t], community_name.trim_end_matches("委会"), unit_name, h + 1)
                                        };
                                        households.push(feature(
                                            format!("{unit_code}{:04}", h + 1),
                                            json!({"grid_code": grid_code, "unit_code": unit_code, "village_code": format!("{town_code}{:03}", 200 + c),
                                                   "address": address, "head": head, "members": rng.gen_range(1..7),
                                                   "phone": format!("139{:08}", rng.gen_range(0..100_000_000u32))}),
                                            geometry,
                                        ));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // Legacy villages: blocks of 2 × 2 grids (96).
    for vj in 0..8 {
        for vi in 0..12 {
            let (x, y) = ((vi * 2) as f64, (vj * 2) as f64);
            // Merged into the community it lies in.
            let t = (vj / 4) * 3 + vi / 4;
            let c = ((vj % 4) / 2) * 2 + (vi % 4) / 2;
            let town_code = format!("610522{:03}", 100 + t);
            let community = format!("{town_code}{:03}", if t == 0 { 1 + c } else { 201 + c });
            let code = format!("{town_code}{:03}", 200 + vj * 12 + vi);
            villages.push(feature(
                code,
                json!({"name": format!("原{}村", vj * 12 + vi + 1), "town_code": town_code, "merged_into": community}),
                warped_rect(x, y, x + 2.0, y + 2.0, seg * 2, &warp),
            ));
        }
    }
    for (l, f) in [(Layer::Towns, towns), (Layer::Communities, communities), (Layer::Villages, villages), (Layer::Grids, grids), (Layer::Units, units), (Layer::Households, households)] {
        ds.layers.insert(l, f);
    }
    ds
}

// ----------------------------------------------------------------------------------------------------------
// A raw HTTP/1.1 keep-alive load client: the least client overhead on a 2-core machine.

async fn read_response(s: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> std::io::Result<(u16, usize)> {
    buf.clear();
    let mut chunk = [0u8; 16384];
    let header_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    if let Some(len) = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok()) {
        while buf.len() < header_end + len {
            let n = s.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed in body"));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Ok((status, len))
    } else {
        // Chunked: read until the terminating chunk.
        while !buf.ends_with(b"0\r\n\r\n") {
            let n = s.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed in chunks"));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Ok((status, buf.len() - header_end))
    }
}

struct Load {
    requests: usize,
    errors: usize,
    seconds: f64,
    latencies_ms: Vec<f64>,
}

/// `CONNECTIONS` keep-alive connections sending `paths` round-robin for at most `seconds` and `max` requests.
fn http_load(addr: SocketAddr, paths: Arc<Vec<String>>, seconds: f64, max: usize) -> Load {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let start = Instant::now();
        let deadline = start + Duration::from_secs_f64(seconds);
        let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for c in 0..CONNECTIONS {
            let paths = paths.clone();
            let sent = sent.clone();
            tasks.push(tokio::spawn(async move {
                let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect to the bench server");
                s.set_nodelay(true).unwrap();
                let mut buf = Vec::with_capacity(65536);
                let (mut lat, mut errors) = (Vec::new(), 0usize);
                let mut i = c;
                while Instant::now() < deadline && sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < max {
                    let req = format!("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", paths[i % paths.len()]);
                    i += CONNECTIONS;
                    let t = Instant::now();
                    s.write_all(req.as_bytes()).await.unwrap();
                    match read_response(&mut s, &mut buf).await {
                        Ok((200, _)) => lat.push(t.elapsed().as_secs_f64() * 1e3),
                        Ok(_) => errors += 1,
                        Err(_) => {
                            errors += 1;
                            break;
                        }
                    }
                }
                (lat, errors)
            }));
        }
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (l, e) = t.await.unwrap();
            all.extend(l);
            errors += e;
        }
        Load { requests: all.len(), errors, seconds: start.elapsed().as_secs_f64(), latencies_ms: all }
    })
}

// ----------------------------------------------------------------------------------------------------------

fn dataset() -> (Dataset, PathBuf, String, Option<tempfile::TempDir>) {
    let geodata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata");
    if geodata.join("households.geojson").exists() {
        let (ds, _) = read_dir(&geodata, None).expect("reading geodata/");
        return (ds, geodata, "the default dataset (geodata/)".into(), None);
    }
    let dir = tempfile::tempdir().unwrap();
    let ds = synthetic_county(610522);
    write_dir(dir.path(), &ds).unwrap();
    let path = dir.path().to_path_buf();
    (ds, path, "a synthetic county of the default dataset's size (geodata/ has no households yet)".into(), Some(dir))
}

/// Query points: 70% on households (their door or a point in the courtyard, jittered by up to 5 m), 30%
/// uniform over the county's envelope.
fn query_points(atlas: &Atlas, dir: &Directory, n: usize) -> Vec<(f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let hh = atlas.layer(Layer::Households).map_or(0, |l| l.len());
    let county = atlas.layer(Layer::County).or(atlas.layer(Layer::Towns)).expect("county or towns");
    let env = county.tree.root().envelope();
    let (lo, hi) = (env.lower(), env.upper());
    let lo = atlas.crs.unproject(lo[0], lo[1]).unwrap();
    let hi = atlas.crs.unproject(hi[0], hi[1]).unwrap();
    (0..n)
        .map(|_| {
            if hh > 0 && rng.gen_bool(0.7) {
                let p = dir.point(Layer::Households, rng.gen_range(0..hh)).unwrap();
                (p.x + rng.gen_range(-0.00005..0.00005), p.y + rng.gen_range(-0.00005..0.00005))
            } else {
                (rng.gen_range(lo.x..hi.x), rng.gen_range(lo.y..hi.y))
            }
        })
        .collect()
}

fn search_queries(atlas: &Atlas, n: usize) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let hh = atlas.layer(Layer::Households).expect("households");
    let grids = atlas.layer(Layer::Grids).expect("grids");
    (0..n)
        .map(|i| {
            let f = &hh.features[rng.gen_range(0..hh.len())];
            let head = f.str_prop("head").unwrap_or("张三");
            let address = f.str_prop("address").unwrap_or("");
            match i % 8 {
                0 => head.to_string(),
                1 => pinyin_spellings(head).first().map_or(head.to_string(), |s| s.0.clone()),
                2 => pinyin_spellings(head).first().map_or(head.to_string(), |s| s.1.clone()),
                3 => {
                    // A tail of the address: "三组12号".
                    let chars: Vec<char> = address.chars().collect();
                    chars[chars.len().saturating_sub(5)..].iter().collect()
                }
                4 => f.code.clone(),
                5 => grids.features[rng.gen_range(0..grids.len())].code[..12].to_string(),
                6 => grids.features[rng.gen_range(0..grids.len())].name().chars().take(3).collect(),
                _ => head.chars().next().map(String::from).unwrap_or_default(),
            }
        })
        .collect()
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn main() {
    let started = Instant::now();
    println!("# gridmap locate benchmark");
    let cpus = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_default();
    println!("machine: {} × {cpus}", std::thread::available_parallelism().map_or(0, |n| n.get()));

    let (ds, seed_dir, what, _keep) = dataset();
    println!("data: {what}: {:?}", ds.counts());
    let t = Instant::now();
    let atlas = Arc::new(Atlas::build(&ds, 0).unwrap());
    println!("atlas built in {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let dir = Directory::of(&atlas);
    println!("directory + search index built in {:.2} s ({} entries)", t.elapsed().as_secs_f64(), dir.search.len());

    // --- In process. ---
    let points = query_points(&atlas, &dir, 20_000);
    let xy: Vec<Coord<f64>> = points.iter().map(|&(x, y)| atlas.crs.project(x, y).unwrap()).collect();
    let mut with_household = 0;
    let mut per_call = Vec::with_capacity(points.len());
    for _ in 0..3 {
        per_call.clear();
        with_household = 0;
        for &(lon, lat) in &points {
            let t = Instant::now();
            let at = atlas.locate(lon, lat, 30.0).unwrap();
            per_call.push(t.elapsed().as_secs_f64() * 1e6);
            with_household += usize::from(at.household.is_some());
        }
    }
    println!("\n## In process (one core)");
    let s = stats(per_call.clone());
    show("locate (lon/lat → chain + household)", "µs", &s);
    let locate_us = s.mean;
    let mut per_call_m = Vec::new();
    for &c in &xy {
        let t = Instant::now();
        std::hint::black_box(atlas.locate_m(c, 30.0));
        per_call_m.push(t.elapsed().as_secs_f64() * 1e6);
    }
    show("locate_m (metres given, no projection)", "µs", &stats(per_call_m));
    let mut grid_only = Vec::new();
    for &c in &xy {
        let t = Instant::now();
        std::hint::black_box(atlas.covering(Layer::Grids, c));
        grid_only.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let grid_us = stats(grid_only);
    show("grid containing the point (R-tree + PIP)", "µs", &grid_us);
    println!("points with a household within 30 m: {with_household} of {}", points.len());
    println!("locate target < 20 µs per point: {}", if locate_us < 20.0 { "met" } else { "NOT met" });

    let queries = search_queries(&atlas, 4000);
    let mut per_q = Vec::new();
    let mut empty = 0;
    for q in &queries {
        let t = Instant::now();
        let hits = dir.search.search(q, SearchOptions { limit: 10, phones: false });
        per_q.push(t.elapsed().as_secs_f64() * 1e3);
        empty += usize::from(hits.is_empty());
    }
    let sq = stats(per_q);
    show("search (mix of names, pinyin, initials, addresses, codes)", "ms", &sq);
    println!("queries with no hit: {empty} of {}", queries.len());

    // --- Over HTTP. ---
    let store_dir = tempfile::tempdir().unwrap();
    let server_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let addr = server_rt.block_on(async {
        let args = gridmap::cli::StoreArgs { store: Some(store_dir.path().join("bench.gpkg")), database_url: None };
        let state = gridmap::cli::serve::open_state(&args, &seed_dir).await.expect("server state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { gridmap::http::serve(listener, state).await.unwrap() });
        addr
    });
    let locate_paths: Arc<Vec<String>> =
        Arc::new(points.iter().map(|(x, y)| format!("/api/v1/locate?lon={x:.7}&lat={y:.7}")).collect());
    // Warm up (PROJ per thread, caches), then measure.
    let _ = http_load(addr, locate_paths.clone(), 1.0, 20_000);
    let load = http_load(addr, locate_paths.clone(), HTTP_SECONDS, HTTP_MAX_REQUESTS);
    let rps = load.requests as f64 / load.seconds;
    let hs = stats(load.latencies_ms);
    println!("\n## Over HTTP on 127.0.0.1 ({CONNECTIONS} keep-alive connections, server on 2 worker threads, client in the same process)");
    show("GET /api/v1/locate", "ms", &hs);
    println!("locate over HTTP: {rps:.0} requests/s, {} errors, {:.1} s", load.errors, load.seconds);
    println!(
        "HTTP target ≥ 10,000 req/s with p99 < 5 ms: {}",
        if rps >= 10_000.0 && hs.p99 < 5.0 { "met" } else { "NOT met" }
    );
    let search_paths: Arc<Vec<String>> = Arc::new(queries.iter().map(|q| format!("/api/v1/search?q={}", urlencode(q))).collect());
    let _ = http_load(addr, search_paths.clone(), 1.0, 5_000);
    let sload = http_load(addr, search_paths, HTTP_SECONDS / 2.0, HTTP_MAX_REQUESTS);
    let ss = stats(sload.latencies_ms);
    show("GET /api/v1/search", "ms", &ss);
    println!("search over HTTP: {:.0} requests/s, {} errors", sload.requests as f64 / sload.seconds, sload.errors);
    println!("search target p99 < 5 ms: in process {}, over HTTP {}", if sq.p99 < 5.0 { "met" } else { "NOT met" }, if ss.p99 < 5.0 { "met" } else { "NOT met" });
    drop(server_rt);

    // --- PostGIS, same points. ---
    println!("\n## PostGIS, same points (ST_Contains through the GiST indexes; {PG_CONNECTIONS} connections)");
    match postgis(&ds, &points) {
        Ok(pg) => {
            show("PostGIS: grid containing the point, one query", "ms", &pg.grid);
            show("PostGIS: whole chain (5 ST_Contains + KNN household)", "ms", &pg.chain);
            println!("PostGIS chain throughput: {:.0} queries/s ({} in {:.1} s)", pg.chain_qps, pg.chain_n, pg.seconds);
            println!("plan: {}", pg.plan);
            println!("\n## Ratios (PostGIS / gridmap)");
            println!("grid point query, latency: PostGIS {:.3} ms vs in process {:.2} µs: {:.0}×", pg.grid.mean, grid_us.mean, pg.grid.mean * 1e3 / grid_us.mean);
            println!("whole chain, latency: PostGIS {:.3} ms vs in process {:.2} µs: {:.0}×", pg.chain.mean, locate_us, pg.chain.mean * 1e3 / locate_us);
            println!("whole chain, latency: PostGIS {:.3} ms vs HTTP p50 {:.3} ms: {:.1}×", pg.chain.p50, hs.p50, pg.chain.p50 / hs.p50);
            println!("whole chain, throughput: gridmap HTTP {rps:.0}/s vs PostGIS {:.0}/s: {:.1}×", pg.chain_qps, rps / pg.chain_qps);
        }
        Err(e) => println!("PostGIS part skipped: {e:#}"),
    }
    println!("\ntotal bench time {:.0} s", started.elapsed().as_secs_f64());
}

struct Pg {
    grid: Stats,
    chain: Stats,
    chain_qps: f64,
    chain_n: usize,
    seconds: f64,
    plan: String,
}

fn postgis(ds: &Dataset, points: &[(f64, f64)]) -> anyhow::Result<Pg> {
    use gridmap::store::LayerStore;
    use sqlx::Connection;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async {
        let admin = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        let name = format!("gridmap_bench_{}", std::process::id());
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
        let url = format!("{base}/{name}");
        let result = async {
            let store = gridmap::store::postgis::PostgisStore::connect(&url).await?;
            store.replace_layers(ds).await?;
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(PG_CONNECTIONS as u32).connect(&url).await?;
            sqlx::query("ANALYZE").execute(&pool).await?;
            let grid_sql = "SELECT code FROM grids WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint($1, $2), 4490))";
            // The same question locate answers: every polygonal layer, and the nearest household within ~30 m
            // (0.0004° ≈ 37 m east-west here; the KNN operator orders by distance through the GiST index).
            let chain_sql = "WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4490) AS g)
                SELECT (SELECT code FROM towns t, p WHERE ST_Contains(t.geom, p.g) LIMIT 1),
                       (SELECT code FROM communities c, p WHERE ST_Contains(c.geom, p.g) LIMIT 1),
                       (SELECT code FROM villages v, p WHERE ST_Contains(v.geom, p.g) LIMIT 1),
                       (SELECT code FROM grids r, p WHERE ST_Contains(r.geom, p.g) LIMIT 1),
                       (SELECT code FROM units u, p WHERE ST_Contains(u.geom, p.g) LIMIT 1),
                       (SELECT code FROM households h, p WHERE ST_DWithin(h.geom, p.g, 0.0004)
                          ORDER BY h.geom <-> p.g LIMIT 1)";
            let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {}", grid_sql.replace("$1", "110.3").replace("$2", "34.5")))
                .fetch_all(&pool)
                .await?;
            let plan = plan.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" | ");
            // Sequential latency, one connection.
            let mut grid = Vec::new();
            let mut chain = Vec::new();
            for &(x, y) in points.iter().take(3000) {
                let t = Instant::now();
                let _: Vec<String> = sqlx::query_scalar(grid_sql).bind(x).bind(y).fetch_all(&pool).await?;
                grid.push(t.elapsed().as_secs_f64() * 1e3);
                let t = Instant::now();
                sqlx::query(chain_sql).bind(x).bind(y).fetch_one(&pool).await?;
                chain.push(t.elapsed().as_secs_f64() * 1e3);
            }
            // Throughput, PG_CONNECTIONS concurrent clients, bounded in time.
            let start = Instant::now();
            let deadline = start + Duration::from_secs_f64(PG_SECONDS);
            let pts = Arc::new(points.to_vec());
            let mut tasks = Vec::new();
            for c in 0..PG_CONNECTIONS {
                let pool = pool.clone();
                let pts = pts.clone();
                tasks.push(tokio::spawn(async move {
                    let (mut i, mut n) = (c, 0usize);
                    while Instant::now() < deadline {
                        let (x, y) = pts[i % pts.len()];
                        sqlx::query(chain_sql).bind(x).bind(y).fetch_one(&pool).await?;
                        i += PG_CONNECTIONS;
                        n += 1;
                    }
                    Ok::<usize, sqlx::Error>(n)
                }));
            }
            let mut total = 0;
            for t in tasks {
                total += t.await??;
            }
            let seconds = start.elapsed().as_secs_f64();
            pool.close().await;
            anyhow::Ok(Pg { grid: stats(grid), chain: stats(chain), chain_qps: total as f64 / seconds, chain_n: total, seconds, plan })
        }
        .await;
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
        result
    })
}
