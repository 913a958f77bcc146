//! Who may see what in a Business Center: a token's user is a member of every BC that holds an
//! ad account the token reaches, with the BC's `token_user_role`; its finance role is the
//! configured default (`ExtendedConfig::finance_role`) unless the token was issued with its own.
//!
//! Errors (reference §5; the code is UNCERTAIN, 40001 is TikTok's "no permission"): a BC the user
//! is not a member of, or a finance endpoint without the Finance Manager / Finance Analyst role,
//! answer 40001 with a message that names the missing role.

use std::collections::{BTreeSet, HashMap};

use super::BusinessCenter;
use crate::model::{ApiError, World};

pub const FINANCE_ROLES: &[&str] = &["MANAGER", "ANALYST"];

/// Finance roles per token.
pub struct Access {
    default_role: Option<String>,
    by_token: HashMap<String, Option<String>>,
}

impl Access {
    pub fn new(default_role: Option<String>) -> Access {
        Access {
            default_role,
            by_token: HashMap::new(),
        }
    }

    /// Gives `token`'s user `role` (or none) in every BC it belongs to.
    pub fn set(&mut self, token: &str, role: Option<String>) {
        self.by_token.insert(token.to_string(), role);
    }

    pub fn finance_role(&self, token: &str) -> Option<String> {
        match self.by_token.get(token) {
            Some(role) => role.clone(),
            None => self.default_role.clone(),
        }
    }
}

/// The caller of a BC endpoint: the advertisers its token reaches and its finance role.
pub struct Caller<'a> {
    pub advertisers: &'a BTreeSet<String>,
    pub finance_role: Option<String>,
}

impl Caller<'_> {
    pub fn is_member(&self, world: &World, bc_id: &str) -> bool {
        world
            .business
            .accounts_of(bc_id)
            .any(|a| self.advertisers.contains(&a.advertiser_id))
    }

    /// The BC, if the caller is a member of it; 40001 otherwise (also for an unknown id).
    pub fn member_of<'w>(
        &self,
        world: &'w World,
        bc_id: &str,
    ) -> Result<&'w BusinessCenter, ApiError> {
        world
            .business
            .center(bc_id)
            .filter(|_| self.is_member(world, bc_id))
            .ok_or_else(|| {
                ApiError::new(
                    40001,
                    format!("No permission to operate business center {bc_id}."),
                )
            })
    }

    /// Finance endpoints need the Finance Manager or Finance Analyst role in the BC.
    pub fn require_finance(&self, bc: &BusinessCenter) -> Result<(), ApiError> {
        match &self.finance_role {
            Some(r) if FINANCE_ROLES.contains(&r.as_str()) => Ok(()),
            _ => Err(ApiError::new(
                40001,
                format!(
                    "No permission to access the finance data of business center {}. The Finance Manager or Finance Analyst role (ext_user_role.finance_role MANAGER or ANALYST) is required.",
                    bc.bc_id
                ),
            )),
        }
    }
}
