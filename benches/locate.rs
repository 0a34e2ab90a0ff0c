//! Locate and search speed: in process, over HTTP on loopback, and PostGIS answering the same point queries
//! through its GiST indexes, in one run.
//!
//! `cargo bench --bench locate` (or `scripts/bench-locate.sh`). Uses the default dataset when geodata/ has
//! households; otherwise the seeded lattice county (`gridmap::synth::lattice`) of about the same size (384
//! grids, 45,000 household points; no units, names or addresses). PostgreSQL with PostGIS at
//! TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); without it the PostGIS part is
//! reported as skipped. Every load loop is bounded in count and time and targets 127.0.0.1 only.
//!
//! Targets (issue: grid managers): locate < 20 µs per point in process; over HTTP ≥ 10,000 requests/s with
//! p99 < 5 ms; search p99 < 5 ms.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use geo::Coord;
use gridmap::atlas::Atlas;
use gridmap::atlas::directory::Directory;
use gridmap::atlas::search::{SearchOptions, pinyin_spellings};
use gridmap::model::geojson_io::write_dir;
use gridmap::model::{Dataset, Layer};
use gridmap::synth::lattice::{self, Spec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::{BenchDb, Stats, show, stats};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// HTTP load: connections, duration and request cap (bounded).
const CONNECTIONS: usize = 16;
const HTTP_SECONDS: f64 = 8.0;
const HTTP_MAX_REQUESTS: usize = 400_000;
const PG_CONNECTIONS: usize = 8;
const PG_SECONDS: f64 = 6.0;

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
    let geodata = support::geodata();
    if geodata.join("households.geojson").exists() {
        return (support::default_dataset(), geodata, "the default dataset (geodata/)".into(), None);
    }
    let dir = tempfile::tempdir().unwrap();
    let ds = lattice::build(&Spec::with_grids(384, 45_000)).dataset;
    write_dir(dir.path(), &ds).unwrap();
    let path = dir.path().to_path_buf();
    (ds, path, "the lattice county of the default dataset's size (geodata/ has no households yet)".into(), Some(dir))
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
    println!("machine: {} × {cpus}", support::cores());

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
    println!("locate target < 20 µs per point: {}", support::verdict(locate_us < 20.0));

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
        let location = gridmap::store::Location::Gpkg(store_dir.path().join("bench.gpkg"));
        let state = gridmap::app::startup::open_state(&location, &seed_dir).await.expect("server state");
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
        support::verdict(rps >= 10_000.0 && hs.p99 < 5.0)
    );
    let search_paths: Arc<Vec<String>> = Arc::new(queries.iter().map(|q| format!("/api/v1/search?q={}", urlencode(q))).collect());
    let _ = http_load(addr, search_paths.clone(), 1.0, 5_000);
    let sload = http_load(addr, search_paths, HTTP_SECONDS / 2.0, HTTP_MAX_REQUESTS);
    let ss = stats(sload.latencies_ms);
    show("GET /api/v1/search", "ms", &ss);
    println!("search over HTTP: {:.0} requests/s, {} errors", sload.requests as f64 / sload.seconds, sload.errors);
    println!("search target p99 < 5 ms: in process {}, over HTTP {}", support::verdict(sq.p99 < 5.0), support::verdict(ss.p99 < 5.0));
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
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async {
        let db = BenchDb::create("locate").await?;
        let url = db.url.clone();
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
        db.remove().await;
        result
    })
}
