//! The account streams: `advertiser_ids` (what the token reaches and the config chose) and
//! `advertisers` (their `advertiser/info/` details). Both come from the session, read once per
//! run, without further requests.

use serde_json::value::RawValue;
use serde_json::Value;

use super::list::{write_item, ItemShape};
use super::record::{push_json_str, Lines};
use crate::error::Error;
use crate::protocol::now_ms;
use crate::read::{Job, Partitioning, Reader};
use crate::state::Cursor;
use crate::tiktok::client::BoxFuture;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountsStream {
    /// `advertiser_id` and `advertiser_name`.
    Ids,
    /// The details TikTok gives for each account.
    Details,
}

const IDS_SCHEMA: &str = include_str!("schemas/advertiser_ids.json");
const DETAILS_SCHEMA: &str = include_str!("schemas/advertisers.json");

impl AccountsStream {
    pub fn schema(&self) -> Value {
        super::parse_schema(match self {
            AccountsStream::Ids => IDS_SCHEMA,
            AccountsStream::Details => DETAILS_SCHEMA,
        })
    }
}

impl Reader for AccountsStream {
    fn partitioning(&self) -> Partitioning {
        Partitioning::Once
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let mut lines = Lines::new(job.name(), now_ms());
            let schema = self.schema();
            for a in &job.run.accounts {
                match self {
                    AccountsStream::Ids => {
                        lines.begin();
                        push_json_str(lines.key("advertiser_id"), &a.id);
                        push_json_str(lines.key("advertiser_name"), &a.name);
                        lines.end();
                    }
                    AccountsStream::Details => {
                        let shape = ItemShape::plain("advertiser_id", &schema, &a.id);
                        let raw = RawValue::from_string(a.info.to_string())
                            .map_err(|e| Error::Internal(e.to_string()))?;
                        if write_item(&shape, &mut lines, &raw).is_some() {
                            lines.end();
                        }
                    }
                }
            }
            job.records(lines).await;
            Ok(None)
        })
    }
}
