//! Hearing changes made elsewhere: another gridmap server on the same PostGIS database, or a `gridmap import`
//! into the GeoPackage file the server is using. On a change the atlas is rebuilt from the store.
//!
//! PostGIS announces committed revisions on a NOTIFY channel; a GeoPackage file has no such channel, so its
//! revision is polled (a one-row read).

use std::time::Duration;

use sqlx::postgres::PgListener;

use super::AppState;
use crate::store::AnyStore;
use crate::store::postgis::CHANGES_CHANNEL;

/// How often a GeoPackage store's revision is read; also the fallback poll when a PostGIS listener drops.
pub const POLL: Duration = Duration::from_secs(2);

/// Starts the background task that keeps `state`'s atlas in step with its store.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        match state.store().clone() {
            AnyStore::Postgis(pg) => loop {
                match PgListener::connect_with(pg.pool()).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(CHANGES_CHANNEL).await {
                            tracing::warn!(error = %e, "cannot LISTEN; polling instead");
                        } else {
                            // Catch up on anything committed before the listener was in place.
                            reload(&state).await;
                            while listener.recv().await.is_ok() {
                                reload(&state).await;
                            }
                            tracing::warn!("change listener lost its connection; reconnecting");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot connect the change listener; retrying"),
                }
                tokio::time::sleep(POLL).await;
                reload(&state).await;
            },
            AnyStore::Gpkg(_) => loop {
                tokio::time::sleep(POLL).await;
                reload(&state).await;
            },
        }
    })
}

async fn reload(state: &AppState) {
    match state.reload_if_changed().await {
        Ok(true) => tracing::info!(revision = state.atlas().revision, "store changed: atlas rebuilt"),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "reloading the atlas failed; keeping the current one"),
    }
}
