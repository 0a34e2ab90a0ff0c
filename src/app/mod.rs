//! The application layer: the use cases the HTTP API and the CLI both call, free of either face.

/// The plan workflow: drafts, edits with their steps and audit entries, live statistics, diff, publishing,
/// comparing and exporting.
pub mod plans;
