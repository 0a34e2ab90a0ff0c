//! Times a planner's edit and the live statistics after it, for every community of a dataset (the default
//! one unless a directory is given): `cargo run --example plan_timing [DIR]`.

use std::time::Instant;

use gridmap::atlas::Atlas;
use gridmap::atlas::coverage::Settings;
use gridmap::atlas::plan::{Draft, Edit};
use gridmap::model::Layer;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "geodata".into());
    let (ds, _) = gridmap::model::geojson_io::read_dir(std::path::Path::new(&dir), None)?;
    let atlas = Atlas::build(&ds, 0)?;
    let settings = Settings::default();
    let mut rows = Vec::new();
    for c in &atlas.layer(Layer::Communities).expect("communities").features {
        let mut d = Draft::from_atlas(&atlas, &c.code)?;
        let Some((id, g)) = d.grids.iter().next().map(|(i, g)| (i.clone(), g.clone())) else { continue };
        // Move the first grid's first vertex 5 m east (in degrees: about 0.00005° here).
        let v = g.geometry.0[0].exterior().0[1];
        let edit = Edit::MoveVertex { from: [v.x, v.y], to: [v.x + 0.00005, v.y], snap_m: Some(1.0) };
        let t = Instant::now();
        let applied = d.apply(&atlas, &edit).is_ok();
        let edit_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let s = d.stats(&atlas, &settings)?;
        let stats_ms = t.elapsed().as_secs_f64() * 1e3;
        rows.push((edit_ms + stats_ms, c.code.clone(), id, d.grids.len(), s.households, applied, edit_ms, stats_ms));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("community     grids households edit_ms stats_ms total_ms (slowest first)");
    for r in &rows {
        println!("{}  {:5} {:10} {:7.1} {:8.1} {:8.1}{}", r.1, r.3, r.4, r.6, r.7, r.0, if r.5 { "" } else { "  (edit refused)" });
    }
    Ok(())
}
