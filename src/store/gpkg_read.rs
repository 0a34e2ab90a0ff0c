//! Reading every layer of a GeoPackage file at once, for loading the atlas: one read transaction over a
//! direct SQLite connection, rows decoded on every core while the next ones are read.
//!
//! The store's pool (sqlx) hands each row through a channel from its worker thread and copies every value into
//! an owned row: 2 s for a million households, four times what SQLite itself takes. rusqlite steps the
//! statement on the calling thread and lends the values, so the rows cost what SQLite costs. It links the same
//! SQLite library sqlx does (one `libsqlite3-sys`); writes stay with the pool.

use std::path::Path;
use std::sync::mpsc;

use rusqlite::{Connection, OpenFlags};

use super::codec;
use super::error::{Error, Result};
use super::layers::{HouseholdProps, RawRow, decode_chunk};
use crate::model::{Dataset, Feature, Layer};

/// Rows per decoding task: big enough that a task is worth spawning, small enough to keep both cores busy.
const CHUNK: usize = 8192;

/// Every non-empty layer of the file at `path`, as of one moment (one read transaction).
pub fn load(path: &Path, props: HouseholdProps) -> Result<Dataset> {
    let open_err = |e: rusqlite::Error| Error::Open(path.display().to_string(), e.to_string());
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(open_err)?;
    conn.execute_batch("BEGIN").map_err(db)?;
    let mut ds = Dataset::default();
    for layer in Layer::ALL {
        let t = std::time::Instant::now();
        let features = read_layer(&conn, layer, props)?;
        tracing::debug!(layer = layer.name(), rows = features.len(), ms = t.elapsed().as_millis(), "layer read");
        if !features.is_empty() {
            ds.layers.insert(layer, features);
        }
    }
    conn.execute_batch("COMMIT").map_err(db)?;
    Ok(ds)
}

/// One layer: the rows are read here in chunks, each chunk decoded on the rayon pool as soon as it is read.
fn read_layer(conn: &Connection, layer: Layer, props: HouseholdProps) -> Result<Vec<Feature>> {
    let mut stmt =
        conn.prepare(&format!("SELECT code, properties, geom FROM \"{}\" ORDER BY fid", layer.name())).map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    let (tx, rx) = mpsc::channel::<(usize, Result<Vec<Feature>>)>();
    let mut chunks = 0;
    let mut chunk: Vec<RawRow> = Vec::with_capacity(CHUNK);
    // Read here, decode on the pool: the connection stays on this thread.
    loop {
        let row = rows.next().map_err(db)?;
        let done = row.is_none();
        if let Some(r) = row {
            chunk.push((r.get(0).map_err(db)?, r.get(1).map_err(db)?, r.get(2).map_err(db)?));
        }
        if chunk.len() == CHUNK || (done && !chunk.is_empty()) {
            let (tx, rows, k) = (tx.clone(), std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)), chunks);
            rayon::spawn(move || {
                let _ = tx.send((k, decode_chunk(layer, rows, codec::from_gpkg, props)));
            });
            chunks += 1;
        }
        if done {
            break;
        }
    }
    drop(tx);
    let mut parts: Vec<(usize, Result<Vec<Feature>>)> = rx.iter().collect();
    if parts.len() != chunks {
        // A decoding task that panicked sent nothing: never hand on a layer with rows missing.
        return Err(Error::Corrupt { layer: layer.name().into(), code: String::new(), reason: "a chunk of rows failed to decode".into() });
    }
    parts.sort_by_key(|(k, _)| *k);
    let mut out = Vec::new();
    for (_, part) in parts {
        out.extend(part?);
    }
    Ok(out)
}

fn db(e: rusqlite::Error) -> Error {
    Error::Open("GeoPackage".into(), format!("reading the layers: {e}"))
}
