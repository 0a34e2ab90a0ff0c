//! The generated dataset written as a directory (what `gridmap generate` and `scripts/regenerate-geodata.sh`
//! make of `geodata/`): the layers, README.md and planted_defects.json.

use std::path::PathBuf;

use super::build::build;
use super::{report, sources};

/// What to generate, and where.
#[derive(Clone, Debug)]
pub struct Options {
    /// Seed of the random generator: the same seed gives byte-identical files.
    pub seed: u64,
    /// Output directory.
    pub out: PathBuf,
    /// Directory holding the real inputs (county boundary, divisions, legacy names).
    pub sources: PathBuf,
    /// Pixel size in metres of the raster the boundaries are drawn on (smaller: finer, slower).
    pub pixel_m: f64,
    /// Fraction of the planned households to lay out (tests use a small one).
    pub household_scale: f64,
}

/// Generates the dataset into `o.out`. Returns the summary of what was made, for the command line to print.
pub fn write_dir(o: &Options) -> anyhow::Result<String> {
    let clock = std::time::Instant::now();
    let src = sources::read(&o.sources)?;
    let built = build(&src, o.pixel_m, o.seed, o.household_scale)?;
    crate::model::geojson_io::write_dir(&o.out, &built.ds)?;
    let mut sizes = std::collections::BTreeMap::new();
    for l in crate::model::Layer::ALL {
        if let Ok(m) = std::fs::metadata(o.out.join(l.file_name())) {
            sizes.insert(l.file_name(), m.len());
        }
    }
    std::fs::write(o.out.join("planted_defects.json"), report::defects_json(&built))?;
    std::fs::write(o.out.join("README.md"), report::readme(&built, o.seed, o.pixel_m, &sizes))?;
    tracing::info!(secs = clock.elapsed().as_secs_f32(), out = %o.out.display(), "generated");
    Ok(report::summary(&built))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(out: &std::path::Path, seed: u64) -> Options {
        Options {
            seed,
            out: out.to_path_buf(),
            sources: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/sources"),
            pixel_m: 40.0,
            household_scale: 0.05,
        }
    }

    #[test]
    fn the_same_seed_writes_the_same_bytes() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_dir(&small(a.path(), 7)).unwrap();
        write_dir(&small(b.path(), 7)).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(a.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names.len(), 10, "eight layers, README.md and planted_defects.json: {names:?}");
        for n in names {
            let (x, y) = (std::fs::read(a.path().join(&n)).unwrap(), std::fs::read(b.path().join(&n)).unwrap());
            assert!(x == y, "{n:?} differs between two runs with the same seed");
        }
    }
}
