//! What every request shares: the store (the record) and the atlas built from it, warmed on a background
//! thread and rebuilt when the store moves on.

use std::sync::{Arc, RwLock};

use super::error::Result;
use super::privacy::Token;
use crate::atlas::Atlas;
use crate::store::{AnyStore, LayerStore};

/// Shared server state. Cloning is cheap.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    token: Token,
    public: Arc<super::publication::Public>,
    /// How far from a household a visit is recorded before it is flagged, metres.
    visit_far_m: f64,
    /// The 天地图 basemap proxy (`serve --tianditu-key`), if configured.
    tianditu: Option<Arc<super::basemap::Tianditu>>,
}

struct Inner {
    store: AnyStore,
    atlas: RwLock<Arc<Atlas>>,
    throttle: super::throttle::Throttle,
    uploads: super::web_import::Uploads,
    /// Started on first use, inside the server's runtime.
    audit: std::sync::OnceLock<super::audit_batch::AuditWriter>,
}

impl AppState {
    pub fn new(store: AnyStore, atlas: Atlas) -> Self {
        let atlas = Arc::new(atlas);
        Self::warm(&atlas);
        // The dummy hash unknown usernames are verified against, made now rather than in the first sign-in.
        crate::accounts::password::dummy_hash();
        let throttle = Default::default();
        Self { inner: Arc::new(Inner { store, atlas: RwLock::new(atlas), throttle, uploads: Default::default(), audit: Default::default() }), token: Default::default(), public: Default::default(), visit_far_m: super::visits::DEFAULT_FAR_M, tianditu: None }
    }

    /// Builds what requests derive from an atlas (the search directory, the coverage report, the crosswalk) on
    /// a background thread, so that the first search or check after a start or a reload does not wait for it
    /// (the directory alone takes over a second on the default dataset). Each is memoised on the atlas, so a
    /// request arriving first just computes it itself; an atlas replaced meanwhile is warmed for nothing.
    fn warm(atlas: &Arc<Atlas>) {
        let atlas = atlas.clone();
        std::thread::Builder::new()
            .name("warm-atlas".into())
            .spawn(move || {
                let t = std::time::Instant::now();
                atlas.warm_placement();
                crate::atlas::directory::Directory::of(&atlas);
                super::coverage::of(&atlas);
                super::crosswalk::of(&atlas);
                crate::atlas::plan::stats::household_people(&atlas);
                tracing::debug!(revision = atlas.revision, ms = t.elapsed().as_millis() as u64, "atlas warmed");
            })
            .expect("spawn the warm-atlas thread");
    }

    /// This state with the server token (`serve --token`): a bearer credential with county-admin rights.
    pub fn with_token(mut self, token: Option<&str>) -> Self {
        self.token = Token::new(token);
        self
    }

    /// This state with what the county publishes (`serve --public-url`, `--publish-people`).
    pub fn with_public(mut self, public: super::publication::Public) -> Self {
        self.public = Arc::new(public);
        self
    }

    /// This state with the distance beyond which a visit is flagged (`serve --visit-far-m`).
    pub fn with_visit_far_m(mut self, far_m: f64) -> Self {
        self.visit_far_m = far_m;
        self
    }

    /// This state with the 天地图 basemap proxy (`serve --tianditu-key`).
    pub fn with_tianditu(mut self, t: super::basemap::Tianditu) -> Self {
        self.tianditu = Some(Arc::new(t));
        self
    }

    /// The 天地图 basemap proxy, if the server has a key.
    pub fn tianditu(&self) -> Option<&super::basemap::Tianditu> {
        self.tianditu.as_deref()
    }

    /// How far from a household a visit is recorded before it is flagged, metres.
    pub fn visit_far_m(&self) -> f64 {
        self.visit_far_m
    }

    /// What the county publishes, and where.
    pub fn public(&self) -> &super::publication::Public {
        &self.public
    }

    /// The configured access token (see [`super::privacy`]).
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// The current atlas. Handlers hold this snapshot for the whole request, so a reload never changes data
    /// under them.
    pub fn atlas(&self) -> Arc<Atlas> {
        self.inner.atlas.read().expect("atlas lock poisoned").clone()
    }

    /// Failed sign-ins per username and client address.
    pub fn throttle(&self) -> &super::throttle::Throttle {
        &self.inner.throttle
    }

    /// Files uploaded for the web import, waiting for their commit.
    pub fn uploads(&self) -> &super::web_import::Uploads {
        &self.inner.uploads
    }

    /// The group-committing writer of personal-read audit entries ([`super::audit_batch`]).
    pub fn audit_writer(&self) -> &super::audit_batch::AuditWriter {
        self.inner.audit.get_or_init(|| super::audit_batch::AuditWriter::start(self.inner.store.clone()))
    }

    pub fn store(&self) -> &AnyStore {
        &self.inner.store
    }

    /// Rebuilds the atlas from the store if the store has moved on; returns whether it did.
    pub async fn reload_if_changed(&self) -> Result<bool> {
        let rev = self.inner.store.revision().await?;
        if rev == self.atlas().revision {
            return Ok(false);
        }
        let atlas = Arc::new(super::load::store_atlas(&self.inner.store).await?);
        Self::warm(&atlas);
        *self.inner.atlas.write().expect("atlas lock poisoned") = atlas;
        Ok(true)
    }
}
