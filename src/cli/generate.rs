//! `gridmap generate`: its arguments, handed to [`crate::synth`].

use std::path::PathBuf;

use crate::synth::{lattice, tongguan};

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
    /// Generate the lattice county of the tests and benchmarks (any size, planted defects) instead of Tongguan
    #[arg(long)]
    pub synthetic: bool,
    /// Grids in the lattice county (a square lattice of about this many)
    #[arg(long, default_value_t = 10_000, requires = "synthetic")]
    pub grids: usize,
    /// Households in the lattice county
    #[arg(long, default_value_t = 1_000_000, requires = "synthetic")]
    pub households: usize,
    /// In the lattice county, one household in this many is on the next grid's roster (1: all of them)
    #[arg(long, default_value_t = 211, requires = "synthetic", value_parser = clap::value_parser!(u64).range(1..))]
    pub misregister_every: u64,
    /// Fraction of the planned households to lay out (tests use a small one)
    #[arg(long, default_value_t = 1.0, hide = true)]
    pub household_scale: f64,
}

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let summary = if args.synthetic {
        let spec = lattice::Spec { seed: args.seed, misregister_every: args.misregister_every as usize, ..lattice::Spec::with_grids(args.grids, args.households) };
        lattice::write_dir(&spec, &args.out)?
    } else {
        tongguan::write::write_dir(&tongguan::write::Options {
            seed: args.seed,
            out: args.out.clone(),
            sources: args.sources.clone(),
            pixel_m: args.pixel_m,
            household_scale: args.household_scale,
        })?
    };
    print!("{summary}");
    Ok(())
}
