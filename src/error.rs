//! The connector's error: what went wrong, with the sentence the user sees, and what kind of
//! failure it is for the platform (`failure_type`).

use crate::protocol::FailureType;
use crate::tiktok::{ApiError, ErrorKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Something the user must fix in the config, the catalog, the state or the TikTok
    /// authorization; the message names it.
    #[error("{0}")]
    Config(String),
    /// TikTok answered with an error, or with something unusable.
    #[error("{}", .0.explain())]
    Api(#[from] ApiError),
    /// A defect of the connector itself.
    #[error("internal error in the connector: {0}")]
    Internal(String),
}

impl Error {
    pub fn config(message: impl Into<String>) -> Error {
        Error::Config(message.into())
    }

    pub fn failure_type(&self) -> FailureType {
        match self {
            Error::Config(_) => FailureType::ConfigError,
            Error::Api(e) => failure_type(e.kind),
            Error::Internal(_) => FailureType::SystemError,
        }
    }

    /// The kind for summarising several failures: config wins, then system, then transient.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::Api(e) => e.kind,
            Error::Internal(_) => ErrorKind::Rejected,
        }
    }
}

pub fn failure_type(kind: ErrorKind) -> FailureType {
    match kind {
        ErrorKind::Config => FailureType::ConfigError,
        ErrorKind::RateLimited | ErrorKind::Transient => FailureType::TransientError,
        ErrorKind::Rejected => FailureType::SystemError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_types() {
        assert_eq!(Error::config("x").failure_type(), FailureType::ConfigError);
        let e = ApiError::from_code(50000, "busy", None, "campaign/get/");
        assert_eq!(Error::from(e).failure_type(), FailureType::TransientError);
        let e = ApiError::from_code(40105, "revoked", None, "campaign/get/");
        let err = Error::from(e);
        assert_eq!(err.failure_type(), FailureType::ConfigError);
        assert!(err.to_string().contains("Authorize the app again"));
    }
}
