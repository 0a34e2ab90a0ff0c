//! Group commit of the personal-read audit. Every response that shows a household in full waits until its
//! audit entry is durable (a response whose read could not be audited is withheld), and one durable commit
//! costs a disk flush: one request at a time, a grid manager's searches were bound to about a thousand a second
//! by the flushes alone. Requests that finish while a commit is under way queue here, and the next commit
//! writes them all in one transaction; each still waits for its own entry. At low load a batch is one entry
//! and nothing waits longer than before.

use tokio::sync::{mpsc, oneshot};

use crate::store::AnyStore;
use crate::store::accounts::AccountStore;
use crate::store::records::AuditRecord;

/// The most entries one commit writes.
const MAX_BATCH: usize = 512;

type Waiting = (AuditRecord, oneshot::Sender<Result<(), String>>);

/// The queue of entries waiting for a commit, and the task that commits them.
pub struct AuditWriter {
    queue: mpsc::Sender<Waiting>,
}

impl AuditWriter {
    /// Starts the committing task on the current tokio runtime.
    pub fn start(store: AnyStore) -> AuditWriter {
        let (queue, mut rx) = mpsc::channel::<Waiting>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(w) => batch.push(w),
                        Err(_) => break,
                    }
                }
                let (records, waiting): (Vec<AuditRecord>, Vec<_>) = batch.into_iter().unzip();
                let done = store.append_audits(&records).await.map_err(|e| e.to_string());
                for w in waiting {
                    let _ = w.send(done.clone());
                }
            }
        });
        AuditWriter { queue }
    }

    /// Appends `record` and returns once it is committed (with the others of its batch).
    pub async fn append(&self, record: AuditRecord) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.queue.send((record, tx)).await.map_err(|_| "审计写入已停止 (the audit writer has stopped)".to_string())?;
        rx.await.map_err(|_| "审计写入已停止 (the audit writer has stopped)".to_string())?
    }
}
