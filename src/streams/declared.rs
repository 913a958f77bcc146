//! Streams with a reader of their own (GMV Max, Business Center), declared as data: name, key,
//! cursor, schema and reader. The registry, catalog and README table read them like the others.

use serde_json::Value;

use crate::read::Reader;

pub struct Declared {
    pub name: &'static str,
    /// Where the data comes from, for the README's stream table.
    pub source: &'static str,
    pub primary_key: &'static [&'static str],
    pub cursor: Option<&'static str>,
    pub schema: fn() -> Value,
    pub reader: &'static dyn Reader,
    /// TikTok's sandbox does not have it: left out of the sandbox catalog.
    pub production_only: bool,
    /// It reads the run's Business Centers (listed once per run when such a stream is read).
    pub business_centers: bool,
}

impl std::fmt::Debug for Declared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Declared")
            .field("name", &self.name)
            .finish()
    }
}

/// Every declared stream, in catalog order.
pub fn all() -> [&'static Declared; 6] {
    [
        &super::gmv_max::CAMPAIGNS,
        &super::gmv_max::REPORTS_DAILY,
        &super::business_center::BUSINESS_CENTERS,
        &super::business_center::AD_ACCOUNTS,
        &super::business_center::BALANCES,
        &super::business_center::TRANSACTIONS,
    ]
}
