//! `gridmap generate`: placeholder until the generator lands.

use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Seed of the random generator
    #[arg(long, default_value_t = 610522)]
    pub seed: u64,
    /// Output directory
    #[arg(long, default_value = "geodata")]
    pub out: PathBuf,
}

pub fn run(_args: &GenerateArgs) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
