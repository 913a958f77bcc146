//! Business Centers (more-endpoints reference §5): the graph BC → members (roles, finance role)
//! → assets → ad accounts. The ad accounts are the world's advertisers; each is administered by
//! one BC, and one is also shared with another BC as an operator asset.

pub mod access;
pub mod endpoints;
pub mod generate;
pub mod transactions;

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct BusinessCenter {
    pub bc_id: String,
    pub name: String,
    pub company: String,
    pub currency: String,
    pub registered_area: String,
    /// `REVIEWING`, `DENY`, `ENABLE` or `PUNISH`.
    pub status: String,
    /// IANA zone; transaction times and filters are in it.
    pub timezone: String,
    /// `NORMAL`, `DIRECT`, `AGENCY`, `SELF_SERVICE` or `SELF_SERVICE_AGENCY`.
    pub bc_type: String,
    pub create_time: DateTime<Utc>,
    /// The token user's role here: `ADMIN` or `STANDARD`.
    pub token_user_role: String,
}

/// An ad account held by a BC.
#[derive(Clone, Debug, Serialize)]
pub struct BcAccount {
    pub bc_id: String,
    pub advertiser_id: String,
    /// The token user's role on the account: `ADMIN`, `OPERATOR` or `ANALYST`.
    pub advertiser_role: String,
    /// The BC administers (owns) the account: only then do balances and transactions show it.
    pub administered: bool,
}

/// A member of a BC other than the token user.
#[derive(Clone, Debug, Serialize)]
pub struct BcMember {
    pub bc_id: String,
    pub user_id: Option<String>,
    pub user_name: String,
    pub user_email: String,
    pub user_role: String,
    pub relation_status: String,
    pub finance_role: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct BusinessData {
    pub centers: Vec<BusinessCenter>,
    pub accounts: Vec<BcAccount>,
    pub members: Vec<BcMember>,
}

impl BusinessData {
    pub fn center(&self, bc_id: &str) -> Option<&BusinessCenter> {
        self.centers.iter().find(|c| c.bc_id == bc_id)
    }

    /// The BC that administers the advertiser.
    pub fn owner_of(&self, advertiser_id: &str) -> Option<&BusinessCenter> {
        self.accounts
            .iter()
            .find(|a| a.advertiser_id == advertiser_id && a.administered)
            .and_then(|a| self.center(&a.bc_id))
    }

    pub fn accounts_of<'a>(&'a self, bc_id: &'a str) -> impl Iterator<Item = &'a BcAccount> + 'a {
        self.accounts.iter().filter(move |a| a.bc_id == bc_id)
    }
}

/// The token user as `user/info/` describes it; BC member lists show it too.
pub const TOKEN_USER_ID: &str = "6990000000000000001";
pub const TOKEN_USER_NAME: &str = "Emulator User";
pub const TOKEN_USER_EMAIL: &str = "e***r@example.com";
