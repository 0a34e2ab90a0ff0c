//! Changing a draft: an edit, an undo or a redo, saved with its step and its audit entry in one transaction.

use serde_json::{Value, json};

use super::content::Content;
use super::drafts::Shown;
use super::error::{Error, Result};
use super::{Caller, Plans, Privacy};
use crate::atlas::plan::{Edit, PlanError, Step};
use crate::store::{NextStep, PlanRecord, PlanStore, StepWrite};

/// What a request does to a draft.
pub enum Change {
    Edit(Edit),
    Undo,
    Redo,
}

impl Plans<'_> {
    /// Loads draft `id`, changes it, saves it with its step and shows it with its new statistics. A change the
    /// draft does not allow leaves it as it was.
    pub async fn change(&self, who: &Caller, privacy: &impl Privacy, id: i64, how: Change) -> Result<Shown> {
        let what = match &how {
            Change::Edit(e) => json!({ "plan": id, "edit": e }),
            Change::Undo => json!({ "plan": id, "edit": "undo" }),
            Change::Redo => json!({ "plan": id, "edit": "redo" }),
        };
        let (rec, mut content) = self.load(who, id).await?;
        let draft = content.draft;
        let undo = matches!(how, Change::Undo);
        match how {
            Change::Edit(e) => {
                let atlas = self.atlas.clone();
                let (draft, step) = tokio::task::spawn_blocking(move || {
                    let mut d = draft;
                    d.apply(&atlas, &e).map(|step| (d, step))
                })
                .await
                .map_err(|e| Error::Internal(e.into()))??;
                content.draft = draft;
                // An edit that changed nothing is saved (it counts as a save) but is no step.
                let stored = step
                    .map(|s| Ok::<_, serde_json::Error>((serde_json::to_value(&s.edit)?, serde_json::to_value(&s)?)))
                    .transpose()
                    .map_err(|e| Error::Internal(e.into()))?;
                let write = stored.as_ref().map_or(StepWrite::Keep, |(edit, step)| StepWrite::Push { edit, step });
                self.finish(who, privacy, rec, content, write, what).await
            }
            Change::Undo | Change::Redo => {
                let which = if undo { NextStep::Undo } else { NextStep::Redo };
                let nothing = if undo { PlanError::NothingToUndo } else { PlanError::NothingToRedo };
                let (seq, v) = self.store.plan_step(id, which).await?.ok_or(nothing)?;
                let step: Step =
                    serde_json::from_value(v).map_err(|e| Error::Internal(anyhow::anyhow!("plan {id} step {seq}: {e}")))?;
                let mut draft = draft;
                if undo { draft.undo(&step) } else { draft.redo(&step) }
                content.draft = draft;
                let write = if undo { StepWrite::Undo(seq) } else { StepWrite::Redo(seq) };
                self.finish(who, privacy, rec, content, write, what).await
            }
        }
    }

    /// Saves a changed draft with its audit entry while its statistics are computed (neither waits for the
    /// other), and shows the draft.
    async fn finish(&self, who: &Caller, privacy: &impl Privacy, rec: PlanRecord, content: Content, write: StepWrite<'_>, what: Value) -> Result<Shown> {
        let for_stats = content.draft.clone();
        let audit = who.audit("plan.edit", what);
        let (saved, computed) = tokio::join!(self.save(&rec, &rec.name, &content, write, &audit), self.stats(for_stats));
        let saved = saved?;
        let (_, stats) = computed?;
        self.shown(privacy, saved, &content.base, &content.draft, stats).await
    }
}
