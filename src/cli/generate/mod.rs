//! `gridmap generate`: the seeded synthetic dataset in the data contract's form.
//!
//! The default is Tongguan: the real county boundary and official town and community names and codes, with
//! synthetic villages, grids, lanes, buildings and households laid where people live, and defects planted
//! where mergers and hand-digitising put them. Same seed, same bytes.

use std::path::PathBuf;

/// Seeded gradient noise and domain warping, for boundaries that wander.
pub mod noise;
/// The county as a raster of labelled pixels in metres.
pub mod raster;
/// The real inputs: county boundary, official divisions, legacy village names.
pub mod sources;
/// Approximate seats, household counts and habitability: where people live.
pub mod gazetteer;
/// Labelling the raster with towns, communities, legacy villages and grids.
pub mod territory;
/// Synthetic names and obviously fake phone numbers.
pub mod people;
/// Names and codes of the 93 pre-2015 villages.
pub mod villages;
/// Tracing shared boundary arcs, snapping them to the county edge, and chaining them into polygons.
pub mod topology;

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Seed of the random generator: the same seed gives byte-identical files
    #[arg(long, default_value_t = 610522)]
    pub seed: u64,
    /// Output directory
    #[arg(long, default_value = "geodata")]
    pub out: PathBuf,
    /// Directory holding the real inputs (county boundary, divisions, legacy names)
    #[arg(long, default_value = "geodata/sources")]
    pub sources: PathBuf,
    /// Pixel size in metres of the raster the boundaries are drawn on (smaller: finer, slower)
    #[arg(long, default_value_t = 10.0)]
    pub pixel_m: f64,
}

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let src = sources::read(&args.sources)?;
    let t = territory::build(&src, args.pixel_m, args.seed)?;
    if let Ok(p) = std::env::var("GRIDMAP_DEBUG_PPM") {
        debug_ppm(&t, &p)?;
    }
    Ok(())
}

fn debug_ppm(t: &territory::Territory, path: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let r = &t.raster;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    write!(f, "P6\n{} {}\n255\n", r.w, r.h)?;
    for j in (0..r.h).rev() {
        for i in 0..r.w {
            let k = r.idx(i, j);
            let g = t.levels[territory::GRID][k];
            let v = t.levels[territory::VILL][k];
            let c = t.levels[territory::COMM][k];
            let tw = t.levels[territory::TOWN][k];
            if g == raster::NONE {
                f.write_all(&[255, 255, 255])?;
                continue;
            }
            let h = noise::mix64(g as u64 * 7 + 1);
            let mut px = [(60 + h % 160) as u8, (60 + (h >> 8) % 160) as u8, (60 + (h >> 16) % 160) as u8];
            let edge = |lvl: usize| r.neighbours4(k).any(|n| t.levels[lvl][n] != t.levels[lvl][k]);
            if edge(territory::TOWN) {
                px = [0, 0, 0];
            } else if edge(territory::COMM) {
                px = [90, 0, 0];
            } else if edge(territory::VILL) {
                px = [0, 0, 255];
            }
            let _ = (v, c, tw);
            let d = t.density[k];
            if d > 2e-3 {
                px = [px[0] / 2, px[1] / 2 + 100, px[2] / 2];
            }
            f.write_all(&px)?;
        }
    }
    Ok(())
}
