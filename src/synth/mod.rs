//! Synthetic datasets in the data contract's form, seeded (the same seed gives the same bytes): the Tongguan
//! default dataset and a lattice county of any size.

/// A lattice county of any size with planted defects: tests, benchmarks and `gridmap generate --synthetic`.
pub mod lattice;
/// The Tongguan default dataset (`geodata/`, `gridmap generate`): real boundary and names, the rest made up.
pub mod tongguan;
