//! Starting the application: open the store, seed an empty one from a dataset directory (`geodata/`), give a
//! store without accounts its county admin, and build the state the server runs on.

use std::path::Path;
use std::time::Instant;

use super::error::{Error, Result};
use super::state::AppState;
use crate::accounts::{Role, Scope};
use crate::store::{AccountStore, AnyStore, LayerStore, Location};

/// Opens the store at `location`, seeds it from `seed` if it holds nothing, and builds the atlas.
pub async fn open_state(location: &Location, seed: &Path) -> Result<AppState> {
    let store = AnyStore::open(location).await.map_err(Error::OpenStore)?;
    let t = Instant::now();
    let (mut revision, mut ds) = super::load::read_store(&store).await?;
    if ds.layers.is_empty() && seed.is_dir() {
        tracing::info!(store = %store.describe(), seed = %seed.display(), "empty store: importing the seed dataset");
        // Audited as `serve`: the seed import of an empty store. The seed is the operator's chosen starting
        // dataset, so what lies outside the county is kept (and reported by the coverage check), not refused.
        let allow = super::import::Allow { outside: true, replace_all: false };
        super::import::import_dir(&store, seed, None, false, allow, "serve").await?;
        (revision, ds) = super::load::read_store(&store).await?;
    }
    let atlas = super::load::build(ds, revision).await?;
    tracing::info!(store = %store.describe(), counts = ?atlas.counts(), ms = t.elapsed().as_millis() as u64, "atlas built");
    Ok(AppState::new(store, atlas))
}

/// A store with no accounts gets its county admin `admin`, with a one-time password to be changed at first
/// sign-in (stored only as a hash). Returns that password, for the caller to show once, or `None` if the store
/// had accounts.
pub async fn first_admin(store: &AnyStore) -> Result<Option<String>> {
    if store.account_count().await? > 0 {
        return Ok(None);
    }
    let p = super::accounts::add_account(store, "admin", Role::Admin, Scope::County, Some("县级管理员"), "serve").await?;
    Ok(Some(p))
}
